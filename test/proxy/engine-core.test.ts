/**
 * The shared Engine core (src/engine/workload.ts) seen from both doors, without a daemon: the same
 * HostConfig given to the proxy as a create body (decoded with Go's rules) and to the audit as an
 * inspect answer must give the same Workload. The cases are the places where the two readings
 * used to differ (the daemon-added label=disable, the daemon's default namespace modes) and the
 * fields added with the core. Expected values are worked out by hand in each row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CREATE_BODY, decodeBody, splitCreateBody } from "../../src/proxy/gojson.js";
import { containerToWorkloads, type Resolver } from "../../src/proxy/toWorkload.js";
import { workloadFromInspect } from "../../src/audit/inspect.js";
import { daemonDefaultsFromInfo, inspectMounts, specMounts, workloadFromEngine } from "../../src/engine/workload.js";
import type { Workload } from "../../src/model/workload.js";

const resolver = (cgroupV1: boolean): Resolver => ({
  async container(ref) {
    // `db` exists and uses no host namespace (a join target the proxy looks up).
    return ref === "db" ? { id: "d1", name: "db", state: "running" } : undefined;
  },
  async volume() {
    return undefined;
  },
  async daemonDefaults() {
    return daemonDefaultsFromInfo({ CgroupVersion: cgroupV1 ? "1" : "2", DefaultRuntime: "runc" });
  },
});

async function viaProxy(hc: Record<string, unknown>, cgroupV1: boolean): Promise<Workload> {
  const s = splitCreateBody(decodeBody(CREATE_BODY as never, Buffer.from(JSON.stringify({ Image: "img", HostConfig: hc }))));
  return (await containerToWorkloads(s.config, s.hostConfig, { resolver: resolver(cgroupV1), object: "container c" }))[0]!;
}
function viaAudit(hc: Record<string, unknown>, cgroupV1: boolean): Workload {
  return workloadFromInspect({ Id: "c1", Name: "/c", Config: { Image: "img" }, HostConfig: hc as never, Mounts: [] }, { cgroupV1 });
}
/** Everything but where it came from and the mounts (spec vs resolved list: see the live test). */
function model(w: Workload): Record<string, unknown> {
  const { source: _s, facts: _f, mounts: _m, ...rest } = w;
  return rest;
}

interface Row {
  why: string;
  hc: Record<string, unknown>;
  cgroupV1?: boolean;
  check: (w: Workload) => void;
}

const ROWS: Row[] = [
  {
    why: "privileged + label=disable: the daemon adds label=disable itself, so neither door reports it",
    hc: { Privileged: true, SecurityOpt: ["label=disable", "seccomp=unconfined"] },
    check: (w) => assert.deepEqual(w.securityOpt.map((s) => s.value), ["seccomp=unconfined"]),
  },
  {
    why: "host PID + the old colon form label:disable: normalized, then dropped the same way",
    hc: { PidMode: "host", SecurityOpt: ["label:disable"] },
    check: (w) => assert.deepEqual(w.securityOpt, []),
  },
  {
    why: "label=disable on an ordinary container is the user's choice: kept",
    hc: { SecurityOpt: ["label=disable"] },
    check: (w) => assert.deepEqual(w.securityOpt.map((s) => s.value), ["label=disable"]),
  },
  {
    why: "cgroupns host on a cgroup v1 daemon is its default for every container: dropped",
    hc: { CgroupnsMode: "host" },
    cgroupV1: true,
    check: (w) => assert.equal(w.namespaces.cgroupns, undefined),
  },
  {
    why: "cgroupns host on a cgroup v2 daemon is a choice: kept as host",
    hc: { CgroupnsMode: "host" },
    check: (w) => assert.equal(w.namespaces.cgroupns?.value.mode, "host"),
  },
  {
    why: "the modes the daemon fills in for empty fields (network default, ipc private/shareable, cgroupns private) are not choices",
    hc: { NetworkMode: "default", IpcMode: "shareable", CgroupnsMode: "private" },
    check: (w) => assert.deepEqual(w.namespaces, {}),
  },
  {
    why: "an explicit bridge network and a container join are kept",
    hc: { NetworkMode: "bridge", IpcMode: "container:db" },
    check: (w) => {
      assert.deepEqual(w.namespaces.network?.value, { mode: "private", raw: "bridge" });
      assert.deepEqual(w.namespaces.ipc?.value, { mode: "container", ref: "db", raw: "container:db" });
    },
  },
  {
    why: "capabilities normalized to the Compose form, CapAdd as a bare string (StrSlice)",
    hc: { CapAdd: "cap_sys_admin", CapDrop: ["CAP_MKNOD"] },
    check: (w) => {
      assert.deepEqual(w.capAdd.map((c) => c.value), ["SYS_ADMIN"]);
      assert.deepEqual(w.capDrop.map((c) => c.value), ["MKNOD"]);
    },
  },
  {
    why: "empty MaskedPaths and ReadonlyPaths (how the CLI sends systempaths=unconfined): one option, not two",
    hc: { MaskedPaths: [], ReadonlyPaths: [] },
    check: (w) => assert.deepEqual(w.securityOpt.map((s) => s.value), ["systempaths=unconfined"]),
  },
  {
    why: "runc (the daemon's default) is not a choice; another runtime is recorded for the rules",
    hc: { Runtime: "runc" },
    check: (w) => assert.equal(w.runtime, undefined),
  },
  {
    why: "a runtime other than the default",
    hc: { Runtime: "kata" },
    check: (w) => assert.equal(w.runtime?.value, "kata"),
  },
  {
    why: "device requests, cgroup parent and sysctls as the Engine API writes them",
    hc: { DeviceRequests: [{ Driver: "nvidia", Count: -1, DeviceIDs: null, Capabilities: [["gpu", "compute"]], Options: {} }], CgroupParent: "/batch", Sysctls: { "net.core.somaxconn": "1024" } },
    check: (w) => {
      assert.deepEqual(w.deviceRequests?.map((r) => r.value), [{ driver: "nvidia", count: -1, capabilities: [["gpu", "compute"]] }]);
      assert.equal(w.cgroupParent?.value, "/batch");
      assert.deepEqual(w.sysctls?.map((s) => s.value), [{ name: "net.core.somaxconn", value: "1024" }]);
    },
  },
  {
    why: "a device request with a wrongly typed count is still a request (the daemon refuses the body; the model stays fail-closed)",
    hc: { DeviceRequests: [{ Count: "x" }] },
    check: (w) => assert.deepEqual(w.deviceRequests?.map((r) => r.value), [{}]),
  },
];

for (const row of ROWS) {
  test(`both doors: ${row.why}`, async () => {
    const p = await viaProxy(row.hc, row.cgroupV1 === true);
    const a = viaAudit(row.hc, row.cgroupV1 === true);
    row.check(a);
    assert.deepEqual(model(p), model(a));
  });
}

test("proxy: DeviceRequests keys are read the way Go reads them (case-insensitive, ſ folds to s), duplicates refused", async () => {
  const body = '{"Image":"img","HostConfig":{"DeviceRequests":[{"DRIVER":"nvidia","count":-1,"capabilitie\u017f":[["gpu"]],"bogus":1}]}}';
  const s = splitCreateBody(decodeBody(CREATE_BODY as never, Buffer.from(body)));
  const [w] = await containerToWorkloads(s.config, s.hostConfig, { resolver: resolver(false), object: "container c" });
  assert.deepEqual(w!.deviceRequests?.map((r) => r.value), [{ driver: "nvidia", count: -1, capabilities: [["gpu"]] }]);
  // Two keys that fold alike inside the opaque value: which one Go takes cannot be known, so refused.
  assert.throws(() => decodeBody(CREATE_BODY as never, Buffer.from('{"HostConfig":{"DeviceRequests":[{"Driver":"a","driver":"b"}]}}')), /ambiguous/);
});

test("mounts: Tmpfs map and tmpfs Mounts from a spec; the same from inspect's list plus what it leaves out", () => {
  const hc = { Tmpfs: { "/run": "rw,size=1m", "/ro": "ro" }, Mounts: [{ Type: "tmpfs", Target: "/t2" }], Binds: ["/srv:/data:ro"] };
  assert.deepEqual(specMounts(hc).map((s) => s.mount), [
    { type: "bind", source: "/srv", hostPath: "/srv", target: "/data", readOnly: true },
    { type: "tmpfs", target: "/t2", readOnly: false },
    { type: "tmpfs", target: "/run", readOnly: false },
    { type: "tmpfs", target: "/ro", readOnly: true },
  ]);
  // Inspect lists the bind and (on 20.10) the --mount tmpfs, never --tmpfs entries.
  const resolved = [{ Type: "bind", Source: "/srv", Destination: "/data", RW: false }, { Type: "tmpfs", Source: "", Destination: "/t2", RW: true }];
  assert.deepEqual(inspectMounts(resolved, hc), [
    { type: "bind", source: "/srv", hostPath: "/srv", target: "/data", readOnly: true },
    { type: "tmpfs", target: "/t2", readOnly: false },
    { type: "tmpfs", target: "/run", readOnly: false },
    { type: "tmpfs", target: "/ro", readOnly: true },
  ]);
  // An older daemon that leaves the --mount tmpfs out of its list: added from HostConfig.Mounts.
  assert.deepEqual(inspectMounts([resolved[0]], hc).map((m) => m.target), ["/data", "/t2", "/run", "/ro"]);
});

test("the core never throws on junk from another host's state files", () => {
  const w = workloadFromEngine({ Image: 5, Env: "x", Labels: [1] }, { CapAdd: [1, "NET_ADMIN"], Devices: "x", Sysctls: { a: 1, b: "2" }, DeviceRequests: "all", SecurityOpt: null, PidMode: 3 }, { door: "audit", object: "container:x" });
  assert.equal(w.image, undefined);
  assert.deepEqual(w.env.map((e) => e.value), [{ name: "x" }]);
  assert.deepEqual(w.capAdd.map((c) => c.value), ["NET_ADMIN"]);
  assert.deepEqual(w.sysctls?.map((s) => s.value), [{ name: "b", value: "2" }]);
  assert.equal(w.deviceRequests, undefined);
  assert.deepEqual(w.namespaces, {});
});

test("the daemon's default runtime: audit drops it when told; the proxy never judges the runtime of an existing container", async () => {
  const inspect = { Id: "g1", Name: "/gpu", State: { Status: "exited" }, Config: { Image: "img" }, HostConfig: { Runtime: "nvidia", CgroupParent: "/batch" } };
  // audit: on a GPU host with default-runtime nvidia every container holds it; told so, it is not a choice.
  assert.equal(workloadFromInspect(inspect, { defaultRuntime: "nvidia" }).runtime, undefined);
  assert.equal(workloadFromInspect(inspect).runtime?.value, "nvidia");
  // proxy: start/exec/attach of an existing container reads its inspect without Runtime (judged at create),
  // but the rest of it (here the cgroup parent) still counts.
  const { containerInfoFromInspect } = await import("../../src/proxy/toWorkload.js");
  const info = containerInfoFromInspect(inspect);
  const [w] = await containerToWorkloads(info.config, info.hostConfig, { resolver: resolver(false), object: "container gpu" });
  assert.equal(w!.runtime, undefined);
  assert.equal(w!.cgroupParent?.value, "/batch");
});
