import { test } from "node:test";
import assert from "node:assert/strict";
import { droneSource, circleciSource, bitbucketSource, azurePipelinesSource, tektonArgoSource, CI_SOURCES } from "../../../src/sources/ci/index.js";
import type { Workload } from "../../../src/model/workload.js";
import { tree } from "./helpers.js";

const summary = (w: Workload) => ({
  object: w.source.object,
  door: w.source.door,
  privileged: w.privileged?.value,
  mounts: w.mounts.map((m) => [m.type, m.hostPath, m.target, m.at?.line]),
});

test("Drone: privileged step with a host volume resolved by name; commands scanned", () => {
  const t = tree("ci/drone");
  const f = t.file(".drone.yml");
  assert.equal(droneSource.detect(f), true);
  const r = droneSource.extract(f, t.ctx);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map(summary), [
    { object: "pipeline default step publish", door: "ci", privileged: true, mounts: [["bind", "/var/run/docker.sock", "/var/run/docker.sock", 12]] },
    { object: "pipeline default step publish: docker run (line 15)", door: "ci", privileged: undefined, mounts: [] },
    { object: "pipeline default step test", door: "ci", privileged: undefined, mounts: [["volume", undefined, "/cache", 19]] },
  ]);
  assert.equal(r.workloads[0]!.privileged?.at?.line, 10);
  assert.equal(r.workloads[1]!.namespaces.pid?.value.mode, "host");
});

test("CircleCI: run command with the socket; executor and remote docker recorded; echo is nothing", () => {
  const t = tree("ci/circleci");
  const f = t.file(".circleci/config.yml");
  assert.equal(circleciSource.detect(f), true);
  const r = circleciSource.extract(f, t.ctx);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map(summary), [{ object: "job build: docker run (line 14)", door: "ci", privileged: undefined, mounts: [["bind", "/var/run/docker.sock", "/var/run/docker.sock", 15]] }]);
  assert.deepEqual([r.workloads[0]!.facts?.circleciExecutor, r.workloads[0]!.facts?.remoteDocker], ["docker", true]);
});

test("Bitbucket: script lines of nested steps; docker build is not a workload", () => {
  const t = tree("ci/bitbucket");
  const f = t.file("bitbucket-pipelines.yml");
  assert.equal(bitbucketSource.detect(f), true);
  const r = bitbucketSource.extract(f, t.ctx);
  assert.deepEqual(r.workloads.map(summary), [{ object: "step integration: docker run (line 14)", door: "ci", privileged: true, mounts: [] }]);
});

test("Azure Pipelines: container resource options and volumes; bash step", () => {
  const t = tree("ci/azure");
  const f = t.file("azure-pipelines.yml");
  assert.equal(azurePipelinesSource.detect(f), true);
  const r = azurePipelinesSource.extract(f, t.ctx);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map(summary), [
    { object: "container resource builder", door: "ci", privileged: true, mounts: [["bind", "/var/run/docker.sock", "/var/run/docker.sock", 9]] },
    { object: "step e2e: docker run (line 15)", door: "ci", privileged: undefined, mounts: [] },
  ]);
  assert.equal(r.workloads[0]!.privileged?.at?.line, 7);
  assert.equal(r.workloads[1]!.namespaces.network?.value.mode, "host");
});

test("Tekton Task: steps and sidecars through the Kubernetes mapping; step script scanned", () => {
  const t = tree("ci/tekton");
  const f = t.file("task.yaml");
  assert.equal(tektonArgoSource.detect(f), true);
  const r = tektonArgoSource.extract(f, t.ctx);
  assert.deepEqual(r.errors.filter((e) => e.kind !== "notice"), []);
  const objs = r.workloads.map((w) => w.source.object);
  assert.equal(objs.length, 3, objs.join(" | "));
  const build = r.workloads.find((w) => /container build$/.test(w.source.object))!;
  assert.equal(build.source.door, "ci");
  assert.equal(build.privileged?.value, true);
  assert.equal(build.privileged?.at?.line, 17);
  assert.deepEqual(build.mounts.map((m) => [m.hostPath, m.target, m.at?.line]), [["/var/run/docker.sock", "/var/run/docker.sock", 27]]);
  const dind = r.workloads.find((w) => /container dind$/.test(w.source.object))!;
  assert.equal(dind.privileged?.value, true);
  const script = r.workloads.find((w) => /script: docker run/.test(w.source.object))!;
  assert.equal(script.source.object, "Task ci/build-image step build script: docker run (line 20)");
  assert.deepEqual(script.capAdd.map((x) => x.value), ["SYS_ADMIN"]);
});

test("Argo Workflow: container template with a hostPath volume from spec.volumes; script.source scanned", () => {
  const t = tree("ci/tekton");
  const f = t.file("workflow.yaml");
  assert.equal(tektonArgoSource.detect(f), true);
  const r = tektonArgoSource.extract(f, t.ctx);
  const main = r.workloads.find((w) => /template main/.test(w.source.object))!;
  assert.deepEqual(main.mounts.map((m) => [m.hostPath, m.at?.line]), [["/var/run/docker.sock", 22]]);
  const scriptPod = r.workloads.find((w) => /template script-t container main$/.test(w.source.object))!;
  assert.deepEqual(scriptPod.mounts, [], "spec.volumes are offered to every template, but script-t mounts none");
  const sc = r.workloads.find((w) => /script: podman run/.test(w.source.object))!;
  assert.equal(sc.source.object, "Workflow argo/ci template script-t script: podman run (line 18)");
  assert.equal(sc.mounts[0]!.hostPath, "/run/podman/podman.sock");
});

test("a Kubernetes Deployment is not claimed by the Tekton/Argo source", () => {
  assert.equal(tektonArgoSource.detect({ path: "d.yaml", text: "apiVersion: apps/v1\nkind: Deployment\n" }), false);
});

test("every CI source survives garbage, binary and broken YAML without throwing", () => {
  const inputs = ["\u0000\u0001\u0002", "a: [", "- - - -", "{{{", "jobs: 5\nsteps: x\nscript: 7", "x: &a [*a]", "\t\tbad: yaml: here"];
  const paths: Record<string, string> = {
    "github-actions": ".github/workflows/x.yml", "gitlab-ci": ".gitlab-ci.yml", "gitlab-runner": "config.toml", jenkins: "Jenkinsfile",
    drone: ".drone.yml", circleci: ".circleci/config.yml", "bitbucket-pipelines": "bitbucket-pipelines.yml", "azure-pipelines": "azure-pipelines.yml", "tekton-argo": "t.yaml",
  };
  for (const s of CI_SOURCES) {
    for (const text of inputs) {
      const r = s.extract({ path: paths[s.id]!, text }, { readFile: () => undefined, exists: () => false });
      assert.ok(Array.isArray(r.workloads) && Array.isArray(r.errors), s.id);
    }
  }
});

test("property: no CI source, the shell source or the docs source throws on arbitrary text", async () => {
  const fc = (await import("fast-check")).default;
  const { shellSource } = await import("../../../src/sources/shell/index.js");
  const { docsSource } = await import("../../../src/sources/docs/index.js");
  const all = [...CI_SOURCES, shellSource, docsSource];
  const paths = [".github/workflows/x.yml", ".gitlab-ci.yml", "config.toml", "Jenkinsfile", ".drone.yml", ".circleci/config.yml", "bitbucket-pipelines.yml", "azure-pipelines.yml", "t.yaml", "x.sh", "Makefile", "Dockerfile", "README.md"];
  const piece = fc.oneof(
    fc.constantFrom("jobs:\n", "  a:\n", "    steps:\n", "      - run: |\n", "        docker run -v /var/run/docker.sock:/s x\n", "script:\n  - ", "services:\n", "- name: docker:dind\n", "[[runners]]\n", "[runners.docker]\n", "privileged = true\n", "sh '''", "'''", "```sh\n", "```\n", "apiVersion: tekton.dev/v1\nkind: Task\n", "spec:\n  steps:\n", "\t", "*a", "&a ", "{", "}", "\"", "'"),
    fc.string({ maxLength: 10 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.nat({ max: paths.length - 1 }), (ps, pi) => {
      const text = ps.join("");
      for (const s of all) {
        const r = s.extract({ path: paths[pi]!, text }, { readFile: () => undefined, exists: () => false });
        assert.ok(Array.isArray(r.workloads) && Array.isArray(r.errors));
        // The sources catch everything; an internal exception would surface as this message.
        const internal = r.errors.find((e) => /could not be read: |could not read as shell|internal error/.test(e.message));
        assert.equal(internal, undefined, `${s.id}: ${internal?.message} for ${JSON.stringify(text)}`);
      }
    }),
    { numRuns: 300 },
  );
});

test("Drone step environment DOCKER_HOST: a client endpoint without TLS", () => {
  const text = "kind: pipeline\nname: p\nsteps:\n- name: s\n  image: docker:27-cli\n  environment:\n    DOCKER_HOST: tcp://docker:2375\n  commands: [docker info]\n";
  const r = droneSource.extract({ path: ".drone.yml", text }, { readFile: () => undefined, exists: () => false });
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls, e.at?.line]), [["tcp://docker:2375", "off", 7]]);
});
