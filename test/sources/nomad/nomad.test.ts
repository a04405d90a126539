import { test } from "node:test";
import assert from "node:assert/strict";
import { nomadSource } from "../../../src/sources/nomad/index.js";
import { byObject, extractFixture, noFiles } from "../terraform/helpers.js";

test("detect: .nomad/.nomad.hcl by name, .hcl with a job block, JSON with TaskGroups/Tasks", () => {
  assert.equal(nomadSource.detect({ path: "jobs/a.nomad", text: "" }), true);
  assert.equal(nomadSource.detect({ path: "jobs/a.nomad.hcl", text: "" }), true);
  assert.equal(nomadSource.detect({ path: "jobs/a.hcl", text: 'job "x" {\n}\n' }), true);
  // A Vault/Packer/Terraform .hcl file has no job block: not Nomad.
  assert.equal(nomadSource.detect({ path: "vault.hcl", text: 'storage "raft" {\n}\n' }), false);
  assert.equal(nomadSource.detect({ path: "job.json", text: '{"Job":{"TaskGroups":[{"Tasks":[]}]}}' }), true);
  assert.equal(nomadSource.detect({ path: "package.json", text: '{"name":"x"}' }), false);
});

test("HCL docker task: volumes, mount, privileged, pid, caps, devices, group host network (agent.nomad.hcl)", () => {
  const r = extractFixture(nomadSource, "nomad/agent.nomad.hcl");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1, "the exec task is not a docker container");
  const w = byObject(r.workloads, "job agent group g task docker-agent");
  assert.equal(w.source.door, "iac");
  assert.equal(w.image?.value, "agent:1");
  assert.equal(w.user?.value, "root");
  assert.deepEqual([w.privileged?.value, w.privileged?.at?.line], [true, 16]);
  assert.deepEqual([w.namespaces.pid?.value.mode, w.namespaces.pid?.at?.line], ["host", 17]);
  assert.deepEqual([w.namespaces.network?.value.mode, w.namespaces.network?.at?.line], ["host", 11]);
  assert.deepEqual(
    w.mounts.map((m) => [m.type, m.hostPath, m.target, m.readOnly, m.at?.line]),
    [
      ["bind", "/var/run/docker.sock", "/var/run/docker.sock", false, 20],
      ["bind", undefined, "/etc/agent", false, 21],
      ["bind", "/etc", "/host/etc", true, 25],
    ],
  );
  assert.equal(w.mounts[1]!.via, "relative to the Nomad task directory");
  assert.deepEqual(w.capAdd.map((c) => [c.value, c.at?.line]), [["SYS_ADMIN", 29]]);
  assert.deepEqual(w.devices.map((d) => [d.value, d.at?.line]), [["/dev/kvm", 31]]);
});

test("look-alike: named volume and an interpolated alloc-dir socket (web.nomad)", () => {
  const r = extractFixture(nomadSource, "nomad/web.nomad");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, "job web group web task nginx");
  assert.equal(w.privileged, undefined);
  assert.equal(w.namespaces.network?.value.mode, "private");
  const [sock, vol] = w.mounts;
  assert.equal(sock?.hostPath, "${NOMAD_ALLOC_DIR}/app.sock");
  assert.match(sock?.uncertain ?? "", /Nomad interpolation `\$\{NOMAD_ALLOC_DIR\}`/);
  assert.equal(vol?.type, "volume");
  assert.equal(vol?.source, "php_socket");
  assert.equal(vol?.hostPath, undefined);
});

test("JSON job: privileged, read-only socket bind (still the socket), host IPC (job.json)", () => {
  const r = extractFixture(nomadSource, "nomad/job.json");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, "job ci group runners task runner");
  assert.deepEqual([w.privileged?.value, w.privileged?.at?.line], [true, 14]);
  assert.deepEqual(w.mounts.map((m) => [m.hostPath, m.readOnly, m.at?.line]), [["/var/run/docker.sock", true, 15]]);
  assert.deepEqual([w.namespaces.ipc?.value.mode, w.namespaces.ipc?.at?.line], ["host", 16]);
});

test("bad input: broken HCL names its line; broken JSON names its line; binary; nothing throws", () => {
  const h = nomadSource.extract({ path: "x.nomad", text: 'job "x" {\n  group "g" {\n    task "t" {\n      driver = "docker\n' }, noFiles);
  assert.equal(h.workloads.length, 0);
  assert.equal(h.errors[0]?.line, 4);
  assert.match(h.errors[0]!.message, /invalid HCL at line 4/);
  const j = nomadSource.extract({ path: "x.json", text: '{"Job": {"TaskGroups": [{"Tasks": [\n  {"Driver": "docker",,}\n]}]}}' }, noFiles);
  assert.equal(j.workloads.length, 0);
  assert.ok(j.errors.length > 0);
  assert.equal(j.errors[0]!.line, 2);
  const b = nomadSource.extract({ path: "bin.nomad", text: "\u0000\u0001\u0002job" }, noFiles);
  assert.equal(b.workloads.length, 0);
  assert.match(b.errors[0]!.message, /binary content/);
});
