/**
 * The Engine fields judged since the shared core (src/engine/workload.ts): device requests (GPUs),
 * sysctls, cgroup parent, runtime — through the proxy in front of a real private dockerd, each
 * case with the request bytes, why it matters, and a check on the daemon that nothing was created.
 * Then one container configuration through both doors: created on the daemon directly, audited
 * from its inspect (the real audit), and the same create body judged through the proxy's mapping;
 * the two Workloads must agree field by field.
 *
 * The daemon registers an extra runtime `swrt` (runc under another name) so a non-default runtime
 * can really be created.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { startProxy, memoryAuditLog, type RunningProxy } from "../../src/proxy/index.js";
import { CREATE_BODY, decodeBody, splitCreateBody } from "../../src/proxy/gojson.js";
import { containerToWorkloads, type Resolver } from "../../src/proxy/toWorkload.js";
import { daemonResolver, parseAddress } from "../../src/proxy/upstream.js";
import { daemonDefaultsFromInfo } from "../../src/engine/workload.js";
import { auditDetailed } from "../../src/audit/index.js";
import { evaluate } from "../../src/rules/evaluate.js";
import { AUDIT_RULES } from "../../src/rules/audit/index.js";
import { defaultPolicy, type Policy } from "../../src/policy/types.js";
import type { Mount, Workload } from "../../src/model/workload.js";
import { rawExchange, statuses, jsonRequest, daemonGet, containerNames } from "./helpers.js";

let d: Dockerd;
let proxy: RunningProxy;
let warnProxy: RunningProxy;
let psock: string;
let wsock: string;
let dataDir: string;
const log = memoryAuditLog();
const warnLog = memoryAuditLog();

before(async () => {
  d = await startDockerd({ extraArgs: ["--add-runtime", "swrt=/usr/sbin/runc"] });
  psock = join(d.dir, "p.sock");
  wsock = join(d.dir, "w.sock");
  proxy = await startProxy({ listen: "unix://" + psock, upstream: d.host, policy: defaultPolicy(), auditLog: log });
  // host-namespace set to warn: the cgroup-parent and sysctl findings are logged, the create goes through.
  const warn: Policy = { ...defaultPolicy(), rules: { "host-namespace": "warn" } };
  warnProxy = await startProxy({ listen: "unix://" + wsock, upstream: d.host, policy: warn, auditLog: warnLog });
  dataDir = mkdtempSync(join(tmpdir(), "swef-"));
  mkdirSync(join(dataDir, "data"));
  mkdirSync(join(dataDir, "voldir"));
});

after(async () => {
  await proxy?.close();
  await warnProxy?.close();
  await d?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const CREATE = (body: unknown, name = "ef") => jsonRequest("POST", `/v1.41/containers/create?name=${name}`, typeof body === "string" ? body : JSON.stringify(body));
const message = (raw: string) => /\{"message":"(.*)"\}/.exec(raw)?.[1] ?? "";

interface Case {
  name: string;
  why: string;
  body: unknown;
  concern: string;
  /** What the refusal must say (the most severe finding names it). */
  says: RegExp;
}

const CASES: Case[] = [
  {
    name: "--gpus all (DeviceRequests)",
    why: "the GPU driver's hook runs as root on the host and mounts host devices and libraries into the container",
    body: { Image: "mini:latest", HostConfig: { DeviceRequests: [{ Driver: "", Count: -1, Capabilities: [["gpu"]] }] } },
    concern: "devices",
    says: /count all, capabilities gpu/,
  },
  {
    name: "DeviceRequests with lower-case keys",
    why: "DeviceRequests is forwarded as written; Go still reads `driver`/`count` as Driver/Count, so the judge must too",
    body: '{"Image":"mini:latest","HostConfig":{"DeviceRequests":[{"driver":"nvidia","deviceids":["0"],"capabilities":[["gpu"]]}]}}',
    concern: "devices",
    says: /driver nvidia, devices 0, capabilities gpu/,
  },
  {
    name: "DeviceRequests at the top level (no HostConfig)",
    why: "the daemon reads host-config fields from the top level of a create body without HostConfig",
    body: { Image: "mini:latest", DeviceRequests: [{ Count: 1, Capabilities: [["gpu"]] }] },
    concern: "devices",
    says: /count 1/,
  },
  {
    name: "sysctl kernel.shm_rmid_forced with the host IPC namespace",
    why: "an IPC sysctl in the host's IPC namespace changes the host's setting for every process",
    body: { Image: "mini:latest", HostConfig: { IpcMode: "host", Sysctls: { "kernel.shm_rmid_forced": "1" } } },
    concern: "host-namespace",
    says: /sysctl kernel\.shm_rmid_forced=1/,
  },
  {
    name: "sysctl value smuggling another assignment (CVE-2022-0811)",
    why: "runtimes that split sysctl values on `+` set kernel.core_pattern on the host: code run as root by the kernel",
    body: { Image: "mini:latest", HostConfig: { Sysctls: { "kernel.shm_rmid_forced": "1+kernel.core_pattern=|/tmp/x.sh #" } } },
    concern: "host-namespace",
    says: /another kernel parameter assignment/,
  },
  {
    name: "non-namespaced sysctl (kernel.core_pattern)",
    why: "a global kernel parameter; core_pattern names a program the host kernel runs as root",
    body: { Image: "mini:latest", HostConfig: { Sysctls: { "kernel.core_pattern": "|/tmp/x.sh" } } },
    concern: "host-namespace",
    says: /kernel\.core_pattern.*not namespaced/,
  },
  {
    name: "net.* sysctl with the host network",
    why: "a network sysctl in the host's network namespace reconfigures the host's network stack",
    body: { Image: "mini:latest", HostConfig: { NetworkMode: "host", Sysctls: { "net.ipv4.ip_forward": "1" } } },
    concern: "host-namespace",
    // Two high findings of the same concern (the host network itself and the sysctl): the message
    // names one of them; the sysctl finding is checked on its own in test/audit/engine-fields.test.ts.
    says: /host's network namespace|net\.ipv4\.ip_forward=1/,
  },
  {
    name: "CgroupParent /",
    why: "the container lands at the root of the host's cgroup tree, outside every limit set on Docker's containers",
    body: { Image: "mini:latest", HostConfig: { CgroupParent: "/" } },
    concern: "host-namespace",
    says: /cgroup parent \//,
  },
  {
    name: "CgroupParent spelled cgroupparent",
    why: "Go's case-insensitive keys: `cgroupparent` is CgroupParent",
    body: '{"Image":"mini:latest","hostconfig":{"cgroupparent":"/system.slice/ssh.service"}}',
    concern: "host-namespace",
    says: /host service/,
  },
  {
    name: "Runtime swrt (registered on this daemon, not runc)",
    why: "the program registered under that name decides the isolation",
    body: { Image: "mini:latest", HostConfig: { Runtime: "swrt" } },
    concern: "security-opt",
    says: /runtime swrt, not runc/,
  },
];

for (const c of CASES) {
  test(`denied: ${c.name}`, async () => {
    const before = await containerNames(d.socket);
    const raw = await rawExchange(psock, CREATE(c.body));
    assert.deepEqual(statuses(raw), [403], `${c.why}\n${raw}`);
    const m = message(raw);
    assert.match(m, /^sockwarden: denied: /);
    assert.match(m, new RegExp(`\\(${c.concern}\\)`), m);
    assert.match(m, c.says, m);
    // The daemon itself: nothing was created.
    assert.deepEqual(await containerNames(d.socket), before);
  });
}

test("denied: old-API start (< 1.24) with a host config carrying a device request and a host sysctl", async () => {
  // API < 1.24 takes a HostConfig at start, replacing the one judged at create.
  await d.docker(["create", "--name", "ef-plain", "mini:latest", "sleep", "600"]);
  const raw = await rawExchange(psock, jsonRequest("POST", "/v1.23/containers/ef-plain/start", '{"DeviceRequests":[{"Count":-1,"Capabilities":[["gpu"]]}],"Sysctls":{"kernel.modprobe":"/tmp/x"}}'));
  assert.deepEqual(statuses(raw), [403], raw);
  // The most severe reason: kernel.modprobe names a program the host kernel runs as root.
  assert.match(message(raw), /kernel\.modprobe.*\(host-namespace\)/);
  const j = (await daemonGet(d.socket, "/containers/ef-plain/json")).json as { State: { Running: boolean }; HostConfig: { Sysctls?: Record<string, string> | null; DeviceRequests: unknown } };
  assert.equal(j.State.Running, false);
  assert.equal(j.HostConfig.DeviceRequests, null);
  assert.ok(!j.HostConfig.Sysctls || !("kernel.modprobe" in j.HostConfig.Sysctls));
  await d.docker(["rm", "-f", "ef-plain"]);
});

test("allowed: namespaced sysctls in the container's own namespaces (the daemon creates it)", async () => {
  // kernel.shm_rmid_forced is IPC-namespaced and the container has its own IPC namespace; net.*
  // with its own network namespace: neither touches the host (runc would refuse them otherwise).
  const raw = await rawExchange(psock, CREATE({ Image: "mini:latest", HostConfig: { Sysctls: { "kernel.shm_rmid_forced": "1", "net.ipv4.ip_forward": "1" } } }, "ef-ok"));
  assert.deepEqual(statuses(raw), [201], raw);
  assert.ok((await containerNames(d.socket)).includes("ef-ok"));
  const i = await daemonGet(d.socket, "/containers/ef-ok/json");
  assert.deepEqual((i.json as { HostConfig: { Sysctls: Record<string, string> } }).HostConfig.Sysctls, { "kernel.shm_rmid_forced": "1", "net.ipv4.ip_forward": "1" });
  await d.docker(["rm", "-f", "ef-ok"]);
});

test("explicit CgroupnsMode host is judged against the daemon's own default (read from /info by the running proxy)", async () => {
  // On a cgroup v1 daemon every container shares the host's cgroup namespace unless asked
  // otherwise, so writing `host` changes nothing: allowed, as the audit sees it. On cgroup v2 the
  // default is private, so `host` is a real host namespace: denied.
  const info = (await daemonGet(d.socket, "/info")).json as { CgroupVersion?: string };
  const v1 = info.CgroupVersion === "1";
  const raw = await rawExchange(psock, CREATE({ Image: "mini:latest", HostConfig: { CgroupnsMode: "host" } }, "ef-cgns"));
  if (v1) {
    assert.deepEqual(statuses(raw), [201], raw);
    assert.ok((await containerNames(d.socket)).includes("ef-cgns"));
    await d.docker(["rm", "-f", "ef-cgns"]);
  } else {
    assert.deepEqual(statuses(raw), [403], raw);
    assert.match(message(raw), /cgroup/i);
    assert.ok(!(await containerNames(d.socket)).includes("ef-cgns"));
  }
});

test("warn instead of deny: a policy with host-namespace: warn lets CgroupParent / through and logs why", async () => {
  const raw = await rawExchange(wsock, CREATE({ Image: "mini:latest", HostConfig: { CgroupParent: "/" } }, "ef-warn"));
  assert.deepEqual(statuses(raw), [201], raw);
  const i = await daemonGet(d.socket, "/containers/ef-warn/json");
  assert.equal((i.json as { HostConfig: { CgroupParent: string } }).HostConfig.CgroupParent, "/");
  await warnProxy.auditSettled();
  const rec = warnLog.records.find((r) => r.path?.includes("/containers/create") && r.status === 201);
  assert.ok(rec, JSON.stringify(warnLog.records));
  assert.match(String(rec.reason), /warn: .*host-namespace/);
  await d.docker(["rm", "-f", "ef-warn"]);
});

// ───────────────────────────── one configuration, both doors ─────────────────────────────

function post(path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, path, method: "POST", headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (x) => chunks.push(x));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** What both doors must agree on: everything but where it came from (source), the audit's own
 *  facts (start time, image id) and host-side resolution results (`resolved`: realpath/stat). */
function comparable(w: Workload): Record<string, unknown> {
  const { source: _s, facts: _f, ...rest } = w;
  const mounts = w.mounts.map((m) => {
    const { resolved: _r, ...mm } = m as Mount;
    return mm;
  });
  // The daemon's resolved mount list comes from a Go map: its order is not the request's.
  mounts.sort((a, b) => String(a.target).localeCompare(String(b.target)));
  return { ...rest, mounts };
}

test("the same container through both doors: audit of its inspect and the proxy's reading of its create body agree field by field", async () => {
  const voldir = join(dataDir, "voldir");
  await d.docker(["volume", "create", "plainvol"]);
  await d.docker(["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${voldir}`, "bindvol"]);
  // Written as a client would write it. PATH is given so the image's env adds nothing the body
  // does not say (the daemon merges image env into the container's; the proxy sees only the body).
  const body = JSON.stringify({
    Image: "mini:latest",
    User: "1000:1000",
    Cmd: ["sleep", "60"],
    Env: ["PATH=/bin", "DOCKER_HOST=tcp://127.0.0.1:2375", "TOKEN=s3cret"],
    Labels: { app: "both", team: "a" },
    HostConfig: {
      Binds: [`${join(dataDir, "data")}:/data:ro`, "plainvol:/pv", "bindvol:/bv"],
      Mounts: [{ Type: "tmpfs", Target: "/t2" }],
      Tmpfs: { "/t1": "rw,size=1m" },
      CapAdd: ["NET_ADMIN", "cap_sys_ptrace"],
      CapDrop: ["MKNOD"],
      GroupAdd: ["123"],
      Devices: [{ PathOnHost: "/dev/null", PathInContainer: "/dev/xnull", CgroupPermissions: "rwm" }],
      DeviceCgroupRules: ["c 1:3 rwm"],
      DeviceRequests: [{ Driver: "", Count: -1, Capabilities: [["gpu"]] }],
      // label=disable with a host PID namespace is what the daemon would add anyway: neither door reports it.
      SecurityOpt: ["seccomp=unconfined", "label=disable"],
      MaskedPaths: [],
      PidMode: "host",
      UTSMode: "host",
      // Explicit, but on a cgroup v1 daemon (these machines) also the daemon's default.
      CgroupnsMode: "host",
      Sysctls: { "kernel.shm_rmid_forced": "1", "net.ipv4.ip_forward": "1" },
      CgroupParent: "/",
      Runtime: "swrt",
    },
  });
  const made = await post("/v1.41/containers/create?name=both", body);
  assert.equal(made.status, 201, made.text);

  // Door 1: the real audit of the daemon (inspect → shared core → host resolution).
  const audited = await auditDetailed({ flags: { host: d.host }, env: d.env, all: true, policy: defaultPolicy(), events: false, hostFacts: false, probeListeners: false });
  const aw = audited.workloads.find((w) => w.source.container?.name === "both");
  assert.ok(aw, "the audit saw the container");

  // Door 2: the proxy's reading of the same body, with the proxy's own daemon-backed resolver
  // (named volumes, symlinks, and the daemon's defaults, which it reads from /info itself).
  const info = (await daemonGet(d.socket, "/info")).json;
  const resolver: Resolver = daemonResolver(parseAddress(d.host), { resolveSymlinks: true });
  assert.deepEqual(await resolver.daemonDefaults!(), daemonDefaultsFromInfo(info));
  const split = splitCreateBody(decodeBody(CREATE_BODY as never, Buffer.from(body)));
  const [pw] = await containerToWorkloads(split.config, split.hostConfig, { resolver, object: "container both" });
  assert.ok(pw);

  const A = comparable(aw);
  const P = comparable(pw);
  // Field by field, so a disagreement names its field.
  for (const k of new Set([...Object.keys(A), ...Object.keys(P)])) assert.deepEqual(P[k], A[k], `field ${k}`);

  // Not vacuous: the values are the ones the body asks for, worked out by hand.
  assert.equal(aw.user?.value, "1000:1000");
  assert.deepEqual(aw.capAdd.map((c) => c.value), ["NET_ADMIN", "SYS_PTRACE"]); // daemon stores CAP_NET_ADMIN, CAP_SYS_PTRACE
  assert.deepEqual(aw.capDrop.map((c) => c.value), ["MKNOD"]);
  assert.deepEqual(aw.securityOpt.map((s) => s.value), ["seccomp=unconfined", "systempaths=unconfined"]);
  assert.deepEqual(Object.keys(aw.namespaces).sort(), ["pid", "uts"]); // network default, ipc private, cgroupns v1 default: dropped
  assert.deepEqual(aw.env.map((e) => e.value), [{ name: "PATH" }, { name: "DOCKER_HOST", value: "tcp://127.0.0.1:2375" }, { name: "TOKEN" }]);
  assert.deepEqual(aw.deviceRequests?.map((r) => r.value), [{ count: -1, capabilities: [["gpu"]] }]);
  assert.deepEqual(aw.sysctls?.map((s) => s.value), [{ name: "kernel.shm_rmid_forced", value: "1" }, { name: "net.ipv4.ip_forward", value: "1" }]);
  assert.equal(aw.cgroupParent?.value, "/");
  assert.equal(aw.runtime?.value, "swrt");
  const byTarget = Object.fromEntries((A.mounts as Mount[]).map((m) => [m.target, m]));
  assert.deepEqual(Object.keys(byTarget).sort(), ["/bv", "/data", "/pv", "/t1", "/t2"]);
  assert.equal(byTarget["/data"]!.readOnly, true);
  assert.equal(byTarget["/bv"]!.hostPath, voldir);
  assert.equal(byTarget["/pv"]!.hostPath, undefined);

  // And so the rules say the same about both.
  // Workload rules only: audit-door rules also read what only the audit knows (image facts).
  const auditOnly = new Set(AUDIT_RULES.map((r) => r.meta.id));
  const judge = (w: Workload) => evaluate({ workloads: [w] }, defaultPolicy()).filter((f) => !auditOnly.has(f.rule)).map((f) => `${f.rule} ${f.severity} ${f.message}`).sort();
  const fa = judge(aw);
  assert.deepEqual(judge(pw), fa);
  for (const rule of ["device-request", "host-cgroup-parent", "non-default-runtime", "host-namespace", "dangerous-capability", "confinement-disabled", "host-device"]) {
    assert.ok(fa.some((f) => f.startsWith(rule + " ")), `${rule} in\n${fa.join("\n")}`);
  }
  // kernel.shm_rmid_forced and net.* stay in the container's own IPC and network namespaces: no sysctl finding.
  assert.ok(!fa.some((f) => f.startsWith("host-sysctl ")), fa.join("\n"));

  // Without the daemon's defaults (an /info that failed) the proxy keeps the explicit cgroupns
  // host: the stricter reading.
  const noDefaults: Resolver = { ...daemonResolver(parseAddress(d.host), { resolveSymlinks: true }), daemonDefaults: async () => ({}) };
  const [strict] = await containerToWorkloads(split.config, split.hostConfig, { resolver: noDefaults, object: "container both" });
  assert.equal(strict!.namespaces.cgroupns?.value.mode, "host");
  await d.docker(["rm", "-f", "both"]);
});
