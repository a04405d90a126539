import { test } from "node:test";
import assert from "node:assert/strict";
import { extractFixture, extractText, service } from "./helpers.js";
import { evaluate } from "../../../src/rules/evaluate.js";
import { defaultPolicy } from "../../../src/policy/types.js";

test("compose gpus, deploy devices, runtime, cgroup_parent, sysctls: the model (fixtures/compose/engine-fields)", () => {
  const r = extractFixture("engine-fields/compose.yml");
  assert.deepEqual(r.errors, []);
  const trainer = service(r.workloads, "trainer");
  assert.deepEqual(trainer.deviceRequests?.map((d) => [d.value, d.at?.line]), [[{ count: -1, capabilities: [["gpu"]], raw: "gpus: all" }, 17]]);
  assert.deepEqual([trainer.runtime?.value, trainer.runtime?.at?.line], ["nvidia", 18]);
  const infer = service(r.workloads, "infer");
  assert.deepEqual(infer.deviceRequests?.map((d) => [d.value, d.at?.line]), [[{ driver: "nvidia", deviceIds: ["0", "1"], capabilities: [["gpu", "utility"]] }, 25]]);
  assert.equal(infer.runtime?.value, "runc");
  const tuner = service(r.workloads, "tuner");
  assert.deepEqual(tuner.sysctls?.map((s) => [s.value.name, s.value.value, s.at?.line]), [
    ["kernel.shm_rmid_forced", "1", 33],
    ["net.core.somaxconn", "1024", 34],
    ["vm.overcommit_memory", "1", 35],
  ]);
  const netbox = service(r.workloads, "netbox");
  assert.deepEqual(netbox.sysctls?.map((s) => [s.value.name, s.value.value, s.at?.line]), [["net.ipv4.ip_forward", "1", 39]]);
  assert.deepEqual([service(r.workloads, "placed").cgroupParent?.value, service(r.workloads, "placed").cgroupParent?.at?.line], ["/system.slice/ssh.service", 41]);
  const batch = service(r.workloads, "batch");
  assert.equal(batch.cgroupParent?.value, "batch.slice");
  assert.deepEqual(batch.deviceRequests?.map((d) => d.value), [{ count: 1, capabilities: [["gpu"]] }]);
});

test("compose engine fields: findings as worked out in the fixture's header", () => {
  const r = extractFixture("engine-fields/compose.yml");
  const mine = new Set(["device-request", "host-sysctl", "host-cgroup-parent", "non-default-runtime", "host-namespace"]);
  const got = evaluate({ workloads: r.workloads }, defaultPolicy())
    .filter((f) => mine.has(f.rule))
    .map((f) => `${f.object} ${f.location.line} ${f.rule} ${f.severity}`);
  assert.deepEqual(got.sort(), [
    "service trainer 17 device-request medium",
    "service trainer 18 non-default-runtime low",
    "service infer 25 device-request medium",
    "service tuner 31 host-namespace medium",
    "service tuner 33 host-sysctl high",
    "service tuner 35 host-sysctl high",
    "service netbox 37 host-namespace high",
    "service netbox 39 host-sysctl high",
    "service placed 41 host-cgroup-parent medium",
    "service batch 43 host-cgroup-parent low",
    "service batch 46 device-request medium",
  ].sort());
});

test("compose sysctls with an unresolved variable keep the uncertainty; empty values read as empty", () => {
  const r = extractText("services:\n  a:\n    image: x\n    sysctls:\n      - kernel.core_pattern=${PATTERN}\n      - net.core.somaxconn\n");
  const a = service(r.workloads, "a");
  assert.equal(a.sysctls?.[0]?.value.name, "kernel.core_pattern");
  assert.ok(a.sysctls?.[0]?.uncertain, "an unset ${PATTERN} is uncertain");
  assert.deepEqual(a.sysctls?.[1]?.value, { name: "net.core.somaxconn", value: "" });
});
