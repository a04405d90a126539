/**
 * The audit door on real containers carrying the Engine fields judged since the shared core:
 * device requests (`--gpus`), sysctls, cgroup parent, runtime. Made with the real docker CLI on a
 * private dockerd 20.10 (which accepts all of them at create; `--gpus` cannot start here, no GPU
 * driver, so the audit runs with --all), audited through the API and from the daemon's files on
 * disk. Expected findings are worked out by hand from each container's flags (comments).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { join } from "node:path";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { auditDetailed } from "../../src/audit/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import type { Report } from "../../src/model/report.js";

let d: Dockerd;

function create(name: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: d.socket, path: `/v1.41/containers/create?name=${name}`, method: "POST", headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(text);
  });
}

before(async () => {
  d = await startDockerd({ extraArgs: ["--add-runtime", "swrt=/usr/sbin/runc"] });
  await d.docker(["create", "--name", "au-gpu", "--gpus", "all", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "au-ipc", "--ipc", "host", "--sysctl", "kernel.shm_rmid_forced=1", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "au-net", "--network", "host", "--sysctl", "net.ipv4.ip_forward=1", "mini:latest", "sleep", "600"]);
  await d.docker(["run", "-d", "--name", "au-cg", "--cgroup-parent", "/", "mini:latest", "sleep", "600"]);
  await d.docker(["run", "-d", "--name", "au-rt", "--runtime", "swrt", "mini:latest", "sleep", "600"]);
  // Harmless look-alikes: a namespaced sysctl in the container's own IPC namespace, runc asked by name.
  await d.docker(["run", "-d", "--name", "au-ok", "--sysctl", "kernel.shm_rmid_forced=1", "--runtime", "runc", "mini:latest", "sleep", "600"]);
  // The CLI refuses kernel.core_pattern; a raw API client does not, and the daemon stores it.
  assert.equal(await create("au-core", { Image: "mini:latest", Cmd: ["sleep", "600"], HostConfig: { Sysctls: { "kernel.core_pattern": "|/tmp/x.sh" } } }), 201);
});

after(async () => {
  await d?.stop();
});

const NEW_RULES = new Set(["device-request", "host-sysctl", "host-cgroup-parent", "non-default-runtime"]);

/** `container | rule | severity` for the new rules, sorted. */
function newFindings(r: Report): string[] {
  return r.findings.filter((f) => NEW_RULES.has(f.rule)).map((f) => `${f.object} | ${f.rule} | ${f.severity}`).sort();
}

test("audit (API and --from-disk): GPU requests, host sysctls, cgroup parent and runtime found on real containers", async () => {
  const [api, disk] = await Promise.all([
    auditDetailed({ flags: { host: d.host }, env: d.env, all: true, policy: defaultPolicy(), events: false, hostFacts: false, probeListeners: false }),
    auditDetailed({ fromDisk: join(d.dir, "data"), all: true, policy: defaultPolicy(), hostFacts: false, probeListeners: false }),
  ]);
  const expected = [
    // --gpus all: one device request (count all, capabilities gpu); medium.
    "container:au-gpu | device-request | medium",
    // kernel.shm_rmid_forced is IPC-namespaced, and this container shares the host's IPC namespace: high.
    "container:au-ipc | host-sysctl | high",
    // net.* with the host network changes the host's network stack: high.
    "container:au-net | host-sysctl | high",
    // cgroup parent / is the root of the host's cgroup tree: medium.
    "container:au-cg | host-cgroup-parent | medium",
    // swrt is no runtime we know: low.
    "container:au-rt | non-default-runtime | low",
    // kernel.core_pattern is not namespaced and names a program the kernel runs as root: critical.
    "container:au-core | host-sysctl | critical",
  ].sort();
  assert.deepEqual(newFindings(api.report), expected);
  // The on-disk reader goes through the same core (config.v2.json + hostconfig.json).
  assert.deepEqual(newFindings(disk.report), expected);
  // au-ok: nothing from the new rules (runc by name is the default; its sysctl stays in its own IPC namespace).
  assert.ok(!api.report.findings.some((f) => f.object === "container:au-ok" && NEW_RULES.has(f.rule)));
  // The messages say what was asked.
  const gpu = api.report.findings.find((f) => f.rule === "device-request");
  assert.match(gpu!.message, /count all, capabilities gpu/);
  const core = api.report.findings.find((f) => f.object === "container:au-core" && f.rule === "host-sysctl");
  assert.match(core!.message, /kernel\.core_pattern=\|\/tmp\/x\.sh/);
});

test("audit: the model of a real --gpus / --sysctl / --cgroup-parent / --runtime container", async () => {
  const { workloads } = await auditDetailed({ flags: { host: d.host }, env: d.env, all: true, policy: defaultPolicy(), events: false, hostFacts: false, probeListeners: false });
  const byName = new Map(workloads.map((w) => [w.source.container?.name, w]));
  assert.deepEqual(byName.get("au-gpu")!.deviceRequests?.map((r) => r.value), [{ count: -1, capabilities: [["gpu"]] }]);
  assert.deepEqual(byName.get("au-ipc")!.sysctls?.map((s) => s.value), [{ name: "kernel.shm_rmid_forced", value: "1" }]);
  assert.equal(byName.get("au-ipc")!.namespaces.ipc?.value.mode, "host");
  assert.equal(byName.get("au-cg")!.cgroupParent?.value, "/");
  assert.equal(byName.get("au-rt")!.runtime?.value, "swrt");
  // The daemon stores runc and its default namespace modes in every container: not choices, not in the model.
  const ok = byName.get("au-ok")!;
  assert.equal(ok.runtime, undefined);
  assert.deepEqual(Object.keys(ok.namespaces), []);
});
