import { test } from "node:test";
import assert from "node:assert/strict";
import { gitlabCiSource } from "../../../src/sources/ci/gitlab/index.js";
import { gitlabRunnerSource } from "../../../src/sources/ci/gitlab/runner.js";
import { tree } from "./helpers.js";

test("GitLab CI: dind without TLS, DOCKER_HOST client, script lines, local include", () => {
  const t = tree("ci/gitlab");
  const f = t.file(".gitlab-ci.yml");
  assert.equal(gitlabCiSource.detect(f), true);
  const r = gitlabCiSource.extract(f, t.ctx);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map((w) => [w.source.object, w.source.file, w.role]), [
    ["job extra script: docker run (line 5)", "ci/extra.yml", "container"],
    ["job build service docker:24-dind", ".gitlab-ci.yml", "dind"],
    ["job build script: docker run (line 20)", ".gitlab-ci.yml", "container"],
  ]);
  const [extra, , build] = r.workloads;
  assert.equal(extra!.namespaces.pid?.value.mode, "host");
  assert.equal(extra!.namespaces.pid?.at?.line, 5);
  assert.deepEqual(build!.mounts[0]!.at, { line: 20, column: 26 });
  assert.deepEqual(
    r.endpoints?.map((e) => [e.role, e.address, e.tls, e.at?.line]),
    [
      ["listener", "tcp://docker:2375", "off", 17],
      ["client", "tcp://docker:2375", "off", 10],
    ],
  );
});

test("GitLab CI: local include found beside the CI file when the scan root is above the project", () => {
  const t = tree("ci");
  const r = gitlabCiSource.extract(t.file("gitlab/.gitlab-ci.yml"), t.ctx);
  assert.deepEqual(r.errors, []);
  assert.ok(r.workloads.some((w) => w.source.file === "gitlab/ci/extra.yml"));
});

test("GitLab CI: dind keeping its default TLS is a verified listener", () => {
  const r = gitlabCiSource.extract({ path: ".gitlab-ci.yml", text: "job:\n  services:\n    - name: docker:dind\n      alias: dockerd\n  script: [docker info]\n" }, { readFile: () => undefined, exists: () => false });
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls]), [["tcp://dockerd:2376", "verify"]]);
});

test("GitLab CI: --tls=false in the service command turns TLS off", () => {
  const r = gitlabCiSource.extract({ path: ".gitlab-ci.yml", text: "job:\n  services:\n    - name: docker:27-dind\n      command: [\"--tls=false\"]\n  script: [docker info]\n" }, { readFile: () => undefined, exists: () => false });
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls]), [["tcp://docker:2375", "off"]]);
});

test("GitLab Runner config.toml: privileged runner with the socket volume and a plain-TCP host", () => {
  const t = tree("ci/gitlab-runner");
  const f = t.file("config.toml");
  assert.equal(gitlabRunnerSource.detect(f), true);
  const r = gitlabRunnerSource.extract(f, t.ctx);
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 2);
  const [shared, safe] = r.workloads;
  assert.equal(shared!.role, "job");
  assert.deepEqual(shared!.privileged, { value: true, at: { line: 13, column: 5 } });
  assert.deepEqual(shared!.mounts.map((m) => [m.type, m.hostPath, m.target, m.at?.line]), [["bind", "/var/run/docker.sock", "/var/run/docker.sock", 14], ["volume", undefined, "/cache", 14]]);
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls, e.at?.line]), [["tcp://10.0.0.5:2375", "off", 12]]);
  assert.equal(safe!.privileged?.value, false);
  assert.equal(safe!.privileged?.at?.line, 21);
});

test("GitLab Runner: broken TOML is a per-file error", () => {
  const r = gitlabRunnerSource.extract({ path: "config.toml", text: "[[runners]]\nname = \"x\n" }, { readFile: () => undefined, exists: () => false });
  assert.equal(r.workloads.length, 0);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /TOML/);
});
