import { test } from "node:test";
import assert from "node:assert/strict";
import { ansibleSource } from "../../../src/sources/ansible/index.js";
import { byObject, extractFixture, noFiles } from "../terraform/helpers.js";

test("detect: YAML that uses the docker_container module; other YAML is not ours", () => {
  assert.equal(ansibleSource.detect({ path: "site.yml", text: "- hosts: all\n  tasks:\n    - community.docker.docker_container:\n        name: x\n" }), true);
  assert.equal(ansibleSource.detect({ path: "roles/x/tasks/main.yaml", text: "- docker_container:\n    name: x\n" }), true);
  assert.equal(ansibleSource.detect({ path: "site.yml", text: "- hosts: all\n  tasks:\n    - apt: name=docker\n" }), false);
  assert.equal(ansibleSource.detect({ path: "notes.txt", text: "- docker_container:\n" }), false);
});

test("playbook: block/rescue/always nesting, every option mapped (playbook.yml)", () => {
  const r = extractFixture(ansibleSource, "ansible/playbook.yml");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 3, "the debug task is only a message");
  const w = byObject(r.workloads, 'community.docker.docker_container ci-runner (task "run the runner")');
  assert.equal(w.source.door, "iac");
  assert.equal(w.image?.value, "gitlab/gitlab-runner");
  assert.deepEqual(
    w.mounts.map((m) => [m.type, m.hostPath, m.source, m.target, m.readOnly, m.at?.line]),
    [
      ["bind", "/var/run/docker.sock", "/var/run/docker.sock", "/var/run/docker.sock", false, 18],
      ["volume", undefined, "runner_config", "/etc/gitlab-runner", false, 19],
    ],
  );
  assert.deepEqual([w.privileged?.value, w.privileged?.at?.line], [true, 20]);
  assert.deepEqual([w.namespaces.pid?.value.mode, w.namespaces.pid?.at?.line], ["host", 21]);
  assert.deepEqual(w.capAdd.map((c) => [c.value, c.at?.line]), [["SYS_ADMIN", 23]]);
  assert.deepEqual(w.capDrop.map((c) => [c.value, c.at?.line]), [["ALL", 25]]);
  assert.deepEqual(w.devices.map((d) => [d.value, d.at?.line]), [["/dev/fuse", 27]]);
  assert.deepEqual(w.env.map((e) => e.value), [{ name: "DOCKER_HOST", value: "unix:///var/run/docker.sock" }, { name: "API_KEY" }]);
  assert.ok(!JSON.stringify(r).includes("s3cr3t-value"), "a secret env value leaked");
  assert.deepEqual(w.groups.map((g) => g.value), ["docker"]);

  const c = byObject(r.workloads, 'docker_container cleanup (task "cleanup")');
  assert.equal(c.mounts[0]?.hostPath, "{{ data_dir }}/x");
  assert.equal(c.mounts[0]?.at?.line, 39);
  assert.match(c.mounts[0]?.uncertain ?? "", /Ansible template `\{\{ data_dir \}\}`/);

  const a = byObject(r.workloads, 'docker_container audit (task "audit")');
  assert.deepEqual(a.mounts.map((m) => [m.type, m.hostPath, m.target, m.readOnly, m.at?.line]), [["bind", "/etc", "/host/etc", true, 47]]);
});

test("role task file: named volume is no host path; templates are uncertain, unknown privileged assumed on (roles/ci/tasks/main.yml)", () => {
  const r = extractFixture(ansibleSource, "ansible/roles/ci/tasks/main.yml");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, 'docker_container php (task "php")');
  assert.deepEqual(w.mounts.map((m) => [m.type, m.source, m.hostPath, m.at?.line]), [["volume", "php_socket", undefined, 9]]);
  assert.equal(w.namespaces.network?.value.mode, "other");
  assert.match(w.namespaces.network?.uncertain ?? "", /\{\{ net \}\}/);
  assert.deepEqual([w.privileged?.value, w.privileged?.at?.line], [true, 11]);
  assert.match(w.privileged?.uncertain ?? "", /\{\{ priv \}\}/);
});

test("a vars file that names the module in a value is not a task list (vars.yml)", () => {
  const r = extractFixture(ansibleSource, "ansible/vars.yml");
  assert.deepEqual(r, { workloads: [], errors: [] });
});

test("bad input: broken YAML names its line, free-form args are a notice, binary and huge input do not throw", () => {
  const b = ansibleSource.extract({ path: "x.yml", text: "- docker_container:\n    name: [unclosed\n" }, noFiles);
  assert.equal(b.workloads.length, 0);
  assert.ok(b.errors.length > 0 && typeof b.errors[0]!.line === "number");
  assert.match(b.errors[0]!.message, /^invalid YAML at line \d+/);
  const f = ansibleSource.extract({ path: "x.yml", text: "- docker_container: name=x image=y privileged=yes\n" }, noFiles);
  assert.equal(f.workloads.length, 0);
  assert.deepEqual(f.errors.map((e) => [e.kind, e.line]), [["notice", 1]]);
  const bin = ansibleSource.extract({ path: "x.yml", text: "\u0000\u0001docker_container:\u0000" }, noFiles);
  assert.equal(bin.workloads.length, 0);
  const deep = "- block:\n".concat(Array.from({ length: 60 }, (_, i) => `${"  ".repeat(i + 1)}- block:\n`).join(""));
  const d = ansibleSource.extract({ path: "deep.yml", text: deep }, noFiles);
  assert.equal(d.workloads.length, 0);
  assert.ok(d.errors.some((e) => /nested deeper/.test(e.message)));
  const big = "- docker_container:\n    name: x\n    env:\n" + Array.from({ length: 50_000 }, (_, i) => `      V${i}: "${i}"\n`).join("");
  const g = ansibleSource.extract({ path: "big.yml", text: big }, noFiles);
  assert.equal(g.workloads.length, 1);
  assert.equal(g.workloads[0]!.env.length, 50_000);
});

test("docker_swarm_service: mounts with `readonly`, cap_add, env as a K=V list (swarm.yml)", () => {
  const r = extractFixture(ansibleSource, "ansible/swarm.yml");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, "community.docker.docker_swarm_service agent");
  assert.deepEqual(w.mounts.map((m) => [m.type, m.hostPath, m.readOnly, m.at?.line]), [["bind", "/var/run/docker.sock", true, 11]]);
  assert.deepEqual(w.capAdd.map((c) => [c.value, c.at?.line]), [["SYS_ADMIN", 14]]);
  assert.deepEqual(w.env.map((e) => e.value), [{ name: "DOCKER_HOST", value: "unix:///var/run/docker.sock" }, { name: "PASSWORD" }]);
  assert.ok(!JSON.stringify(r).includes("very-secret"));
});
