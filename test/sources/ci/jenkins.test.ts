import { test } from "node:test";
import assert from "node:assert/strict";
import { jenkinsSource } from "../../../src/sources/ci/jenkins/index.js";
import { groovyStrings } from "../../../src/sources/ci/jenkins/groovy.js";
import { tree } from "./helpers.js";

test("Jenkinsfile: agent docker args, sh blocks, .inside(), pod template YAML", () => {
  const t = tree("ci/jenkins");
  const f = t.file("Jenkinsfile");
  assert.equal(jenkinsSource.detect(f), true);
  const r = jenkinsSource.extract(f, t.ctx);
  assert.deepEqual(r.errors, []);
  const byObj = new Map(r.workloads.map((w) => [w.source.object, w]));
  assert.deepEqual([...byObj.keys()], [
    "agent docker (line 12)",
    "sh (line 18): docker run (line 19)",
    "docker.image(…).inside() (line 31)",
    "podTemplate (line 35) Pod default/(unnamed) container dind",
  ]);
  const agent = byObj.get("agent docker (line 12)")!;
  assert.equal(agent.image?.value, "docker:27-cli");
  assert.equal(agent.image?.at?.line, 11);
  assert.deepEqual(agent.mounts.map((m) => [m.hostPath, m.at?.line, m.at?.column]), [["/var/run/docker.sock", 12, 16]], "6 spaces + `args` + space + quote + `-v ` → value at 16");
  assert.deepEqual(agent.groups.map((g) => g.value), ["999"]);
  const sh = byObj.get("sh (line 18): docker run (line 19)")!;
  assert.equal(sh.privileged?.value, true);
  assert.equal(sh.privileged?.at?.line, 20);
  const inside = byObj.get("docker.image(…).inside() (line 31)")!;
  assert.equal(inside.image?.value, "maven:3");
  assert.equal(inside.mounts[0]!.hostPath, "/var/run/docker.sock");
  const pod = byObj.get("podTemplate (line 35) Pod default/(unnamed) container dind")!;
  assert.equal(pod.source.door, "ci");
  assert.equal(pod.privileged?.value, true);
  assert.equal(pod.privileged?.at?.line, 43);
  assert.deepEqual(pod.mounts.map((m) => [m.hostPath, m.at?.line]), [["/var/run/docker.sock", 50]]);
});

test("groovy strings: comments skipped, escapes undone, triple quotes span lines", () => {
  const s = groovyStrings("// 'no'\n/* \"no\" */ sh 'a \\'b\\''\nx = \"\"\"\nl1\n\"\"\"");
  assert.deepEqual(s.map((x) => [x.value, x.line, x.column]), [["a 'b'", 2, 16], ["\nl1\n", 3, 8]]);
});

test("scripted pod template helpers: containerTemplate privileged + hostPathVolume", () => {
  const text = "podTemplate(containers: [containerTemplate(name: 'docker', image: 'docker:27', privileged: true)],\n  volumes: [hostPathVolume(hostPath: '/var/run/docker.sock', mountPath: '/var/run/docker.sock')]) {}";
  const r = jenkinsSource.extract({ path: "Jenkinsfile", text }, { readFile: () => undefined, exists: () => false });
  assert.equal(r.workloads.length, 1);
  assert.equal(r.workloads[0]!.privileged?.value, true);
  assert.deepEqual(r.workloads[0]!.mounts.map((m) => [m.type, m.hostPath, m.at?.line]), [["hostPath", "/var/run/docker.sock", 2]]);
});

test("unterminated strings and garbage: no throw", () => {
  for (const text of ["sh '''docker run", "sh \"docker run -v /:/h ${x", "'", "\"\"\"", "/*", "sh('" + "a".repeat(100000)]) {
    const r = jenkinsSource.extract({ path: "Jenkinsfile", text }, { readFile: () => undefined, exists: () => false });
    assert.ok(Array.isArray(r.workloads));
  }
});
