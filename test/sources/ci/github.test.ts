import { test } from "node:test";
import assert from "node:assert/strict";
import { githubActionsSource } from "../../../src/sources/ci/github/index.js";
import { tree } from "./helpers.js";

const t = tree("ci/github");

test("GitHub Actions workflow: container, services, run blocks, docker:// steps", () => {
  const f = t.file(".github/workflows/build.yml");
  assert.equal(githubActionsSource.detect(f), true);
  const r = githubActionsSource.extract(f, t.ctx);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map((w) => w.source.object), [
    "job test container",
    "job test service docker",
    "job test step compose: docker run (line 32)",
    "job test step docker action: docker://alpine:3.20",
  ]);
  const [cont, svc, step, action] = r.workloads;
  assert.equal(cont!.source.door, "ci");
  assert.equal(cont!.image?.value, "node:20");
  assert.equal(cont!.privileged?.value, true);
  assert.equal(cont!.privileged?.at?.line, 18, "folded `>-` options: the flag's own line");
  assert.deepEqual(cont!.mounts.map((m) => [m.hostPath, m.at?.line]), [["/var/run/docker.sock", 20]]);
  assert.equal(svc!.role, "dind");
  assert.deepEqual(svc!.privileged, { value: true, at: { line: 24, column: 18 } });
  assert.deepEqual(step!.mounts.map((m) => [m.hostPath, m.at?.line, m.at?.column]), [["/var/run/docker.sock", 33, 16]]);
  assert.match(step!.mounts[0]!.uncertain!, /job test env line 26/);
  assert.equal(action!.image?.value, "alpine:3.20");
  assert.equal(action!.mounts.length, 0, "with.args is the container's command, not docker flags");
});

test("detect: only workflow files and action.yml", () => {
  assert.equal(githubActionsSource.detect({ path: ".github/workflows/x.yaml", text: "" }), true);
  assert.equal(githubActionsSource.detect({ path: "sub/action.yml", text: "" }), true);
  assert.equal(githubActionsSource.detect({ path: ".github/dependabot.yml", text: "" }), false);
  assert.equal(githubActionsSource.detect({ path: "workflows/x.yml", text: "" }), false);
});

test("broken YAML: a per-file error with a line, no throw", () => {
  const r = githubActionsSource.extract({ path: ".github/workflows/bad.yml", text: "jobs:\n  a: [\n    run: 'x\n" }, t.ctx);
  assert.equal(r.workloads.length, 0);
  assert.ok(r.errors.length >= 1);
  assert.ok(r.errors.every((e) => e.file === ".github/workflows/bad.yml"));
});

test("look-alikes: app socket, php_socket volume, anonymous /var/run, echo, heredoc, comment, TLS-verified TCP → no findings", async () => {
  const { evaluate } = await import("../../../src/rules/evaluate.js");
  const { defaultPolicy } = await import("../../../src/policy/types.js");
  const n = tree("ci/negatives");
  const r = githubActionsSource.extract(n.file(".github/workflows/lookalikes.yml"), n.ctx);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["job app container"], "echo/heredoc/comment are not commands");
  assert.deepEqual(r.workloads[0]!.mounts.map((m) => [m.type, m.hostPath ?? m.source, m.target]), [
    ["bind", "/var/run/app.sock", "/var/run/app.sock"],
    ["volume", "php_socket", "/run/php"],
    ["volume", undefined, "/var/run"],
  ]);
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls, e.at?.line]), [["tcp://build.internal:2376", "verify", 26]]);
  const findings = evaluate({ workloads: r.workloads, endpoints: r.endpoints ?? [] }, defaultPolicy());
  assert.deepEqual(findings.map((f) => `${f.rule} ${f.location.line}`), []);
});

test("GitHub dind service with DOCKER_TLS_CERTDIR empty: a plain-TCP listener; default dind keeps TLS", () => {
  const text = "on: push\njobs:\n  a:\n    runs-on: x\n    services:\n      docker:\n        image: docker:27-dind\n        env:\n          DOCKER_TLS_CERTDIR: \"\"\n        ports: [\"2375:2375\"]\n      tlsd:\n        image: docker:dind\n    steps: []\n";
  const r = githubActionsSource.extract({ path: ".github/workflows/d.yml", text }, tree("ci/github").ctx);
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls, e.role, e.at?.line]), [["tcp://docker:2375", "off", "listener", 9], ["tcp://tlsd:2376", "verify", "listener", 12]]);
  assert.equal(r.workloads[0]!.facts?.published, true, "port 2375 published on the runner host");
});

test("DOCKER_HOST in workflow/job env: client endpoints; DOCKER_TLS_VERIFY in scope turns verification on", () => {
  const text = "on: push\nenv:\n  DOCKER_HOST: tcp://10.0.0.9:2375\njobs:\n  a:\n    runs-on: x\n    env:\n      DOCKER_HOST: tcp://build:2376\n      DOCKER_TLS_VERIFY: \"1\"\n    steps: []\n";
  const r = githubActionsSource.extract({ path: ".github/workflows/e.yml", text }, tree("ci/github").ctx);
  assert.deepEqual(r.endpoints?.map((e) => [e.object, e.address, e.tls, e.at?.line]), [
    ["workflow env DOCKER_HOST", "tcp://10.0.0.9:2375", "off", 3],
    ["job a env DOCKER_HOST", "tcp://build:2376", "verify", 8],
  ]);
});
