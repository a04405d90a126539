/**
 * The rules for the Engine fields no older rule judged: device requests (GPUs), sysctls, cgroup
 * parent, runtime. Inputs are workloads as the doors build them; every expected severity is worked
 * out from the rule's stated reasoning, not copied from its output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { deviceRequest } from "../../src/rules/device-request.js";
import { hostSysctl } from "../../src/rules/sysctl.js";
import { hostCgroupParent } from "../../src/rules/cgroup-parent.js";
import { nonDefaultRuntime } from "../../src/rules/runtime.js";
import { RULES } from "../../src/rules/index.js";
import { evaluate } from "../../src/rules/evaluate.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { wl, ctx } from "./helpers.js";
import type { Sysctl } from "../../src/model/workload.js";

const sysctls = (...kv: [string, string][]) => kv.map(([name, value]) => ({ value: { name, value } as Sysctl }));

test("device requests: one finding per request (medium), saying what was asked", () => {
  const hits = deviceRequest.check(wl({ deviceRequests: [{ value: { count: -1, capabilities: [["gpu"]] } }, { value: { driver: "nvidia", deviceIds: ["0", "1"], capabilities: [["gpu", "compute"]] } }] }), ctx);
  assert.equal(hits.length, 2);
  assert.equal(hits[0]!.severity, undefined); // the rule's default: medium
  assert.match(hits[0]!.message, /\(count all, capabilities gpu\)/);
  assert.match(hits[1]!.message, /\(driver nvidia, devices 0,1, capabilities gpu\+compute\)/);
  assert.deepEqual(deviceRequest.check(wl(), ctx), []);
  assert.equal(deviceRequest.meta.concern, "devices");
  assert.equal(deviceRequest.meta.defaultSeverity, "medium");
});

test("sysctls: namespaced ones in the container's own namespaces are fine; host ones are not", () => {
  // kernel.shm_rmid_forced is in the IPC namespace and net.* in the network namespace: both private here.
  assert.deepEqual(hostSysctl.check(wl({ sysctls: sysctls(["kernel.shm_rmid_forced", "1"], ["net.ipv4.ip_forward", "1"], ["fs.mqueue.msg_max", "20"]) }), ctx), []);
  // The same with ipc: host and network_mode: host change the host's values (high each).
  const hostNs = wl({
    sysctls: sysctls(["kernel.shm_rmid_forced", "1"], ["net.ipv4.ip_forward", "1"]),
    namespaces: { ipc: { value: { mode: "host", raw: "host" } }, network: { value: { mode: "host", raw: "host" } } },
  });
  assert.deepEqual(hostSysctl.check(hostNs, ctx).map((h) => [h.key, h.severity]), [["sysctl:kernel.shm_rmid_forced", "high"], ["sysctl:net.ipv4.ip_forward", "high"]]);
  // Not namespaced at all: vm.swappiness high; kernel.core_pattern names a program the kernel runs as root: critical.
  // Slash-separated names are the same parameter.
  const global = hostSysctl.check(wl({ sysctls: sysctls(["vm.swappiness", "10"], ["kernel/core_pattern", "|/tmp/x"]) }), ctx);
  assert.deepEqual(global.map((h) => [h.key, h.severity]), [["sysctl:vm.swappiness", "high"], ["sysctl:kernel.core_pattern", "critical"]]);
  // CVE-2022-0811: a namespaced name with another assignment smuggled into its value.
  const smuggled = hostSysctl.check(wl({ sysctls: sysctls(["kernel.shm_rmid_forced", "1+kernel.core_pattern=|/x.sh #"]) }), ctx);
  assert.deepEqual(smuggled.map((h) => [h.key, h.severity]), [["sysctl:kernel.shm_rmid_forced", "critical"]]);
  // A value with spaces but no assignment is not smuggling (net.ipv4.ip_local_port_range takes two numbers).
  assert.deepEqual(hostSysctl.check(wl({ sysctls: sysctls(["net.ipv4.ip_local_port_range", "1024 65000"]) }), ctx), []);
});

test("cgroup parent: Docker's own tree is fine; root and host services medium; elsewhere low", () => {
  const sev = (p: string) => hostCgroupParent.check(wl({ cgroupParent: { value: p } }), ctx).map((h) => h.severity ?? hostCgroupParent.meta.defaultSeverity);
  assert.deepEqual(sev("/docker"), []);
  assert.deepEqual(sev("/docker/ci"), []);
  assert.deepEqual(sev("system.slice"), []); // the systemd driver's default
  assert.deepEqual(sev("/"), ["medium"]);
  assert.deepEqual(sev("-.slice"), ["medium"]);
  assert.deepEqual(sev("/system.slice/sshd.service"), ["medium"]);
  assert.deepEqual(sev("user-1000.slice/session-2.scope"), ["medium"]);
  assert.deepEqual(sev("/batch"), ["low"]);
  assert.deepEqual(sev("containers.slice"), ["low"]);
  assert.deepEqual(hostCgroupParent.check(wl(), ctx), []);
});

test("runtime: unknown and nvidia low; runc-like and stronger-isolating runtimes nothing", () => {
  const r = (name: string) => nonDefaultRuntime.check(wl({ runtime: { value: name } }), ctx);
  assert.deepEqual(r("custom-rt").map((h) => h.severity), ["low"]);
  assert.match(r("custom-rt")[0]!.message, /not runc/);
  assert.deepEqual(r("nvidia").map((h) => h.severity), ["low"]);
  for (const safe of ["runc", "io.containerd.runc.v2", "runsc", "kata-runtime", "io.containerd.kata.v2", "sysbox-runc", "crun", "youki"]) assert.deepEqual(r(safe), [], safe);
  assert.deepEqual(nonDefaultRuntime.check(wl(), ctx), []);
});

test("the new rules are in the catalog and their concerns are existing ones", () => {
  const ids = RULES.map((x) => x.meta.id);
  for (const id of ["device-request", "host-sysctl", "host-cgroup-parent", "non-default-runtime"]) assert.ok(ids.includes(id), id);
  const w = wl({ deviceRequests: [{ value: { count: -1 } }], sysctls: sysctls(["kernel.msgmax", "1"]), cgroupParent: { value: "/" }, runtime: { value: "weird" } });
  w.namespaces.ipc = { value: { mode: "host", raw: "host" } };
  const f = evaluate({ workloads: [w] }, defaultPolicy());
  const mine = f.filter((x) => ["device-request", "host-sysctl", "host-cgroup-parent", "non-default-runtime"].includes(x.rule)).map((x) => [x.rule, x.concern, x.severity]);
  assert.deepEqual(mine.sort(), [
    ["device-request", "devices", "medium"],
    ["host-cgroup-parent", "host-namespace", "medium"],
    ["host-sysctl", "host-namespace", "high"],
    ["non-default-runtime", "security-opt", "low"],
  ]);
});
