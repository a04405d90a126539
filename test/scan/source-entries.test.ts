/**
 * The registry's `mayWant` tests only decide which format modules a scan loads; each source's
 * own `detect` decides. So a `mayWant` may never say no where its source's `detect` says yes —
 * otherwise a file would silently go unread. Checked here for the path-detected CI sources
 * (their entry's `mayWant` repeats their path tests in one superset pattern) on paths written by
 * hand from each system's documented file names, plus near misses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ENTRIES, allSources } from "../../src/sources/index.js";
import { CI_SOURCES } from "../../src/sources/ci/index.js";

const entry = (id: string) => ENTRIES.find((e) => e.id === id)!;

// Each of these is a CI file some CI source must detect (by its documented name or place).
const CI_PATHS: [string, string][] = [
  ["github-actions", ".github/workflows/ci.yml"],
  ["github-actions", "sub/.github/workflows/Release.YAML"],
  ["github-actions", "action.yml"],
  ["github-actions", "actions/setup/action.yaml"],
  ["gitlab-ci", ".gitlab-ci.yml"],
  ["gitlab-ci", "ci/templates/build.gitlab-ci.yaml"],
  ["drone", ".drone.yml"],
  ["drone", "svc/.drone.yaml"],
  ["circleci", ".circleci/config.yml"],
  ["bitbucket-pipelines", "bitbucket-pipelines.yml"],
  ["azure-pipelines", "azure-pipelines.yml"],
  ["azure-pipelines", "Azure-Pipelines.release.yaml"],
  ["azure-pipelines", ".azure-pipelines/deploy.yml"],
  ["jenkins", "Jenkinsfile"],
  ["jenkins", "ci/build.jenkinsfile"],
  ["jenkins", "vars/dockerBuild.groovy"],
];

for (const [id, path] of CI_PATHS) {
  test(`ci mayWant covers ${id}: ${path}`, () => {
    const src = CI_SOURCES.find((s) => s.id === id)!;
    assert.equal(src.detect({ path, text: "x: 1\n" }), true, "the source itself detects this path");
    assert.equal(entry("ci").mayWant(path), true);
  });
}

test("a GitLab Runner config.toml is offered to the CI entry", () => {
  const path = "etc/gitlab-runner/config.toml";
  const runner = CI_SOURCES.find((s) => s.id === "gitlab-runner")!;
  assert.equal(runner.detect({ path, text: "[[runners]]\n  name = \"r\"\n" }), true);
  assert.equal(entry("ci").mayWant(path), true);
});

test("plain compose files and manifests do not load the path-detected CI readers", () => {
  for (const p of ["compose.yml", "docker-compose.yaml", "deploy/k8s/deployment.yaml", "values.json"]) assert.equal(entry("ci").mayWant(p), false, p);
});

test("Tekton/Argo (content-sniffed) is offered every YAML/JSON file, right after the other CI sources", async () => {
  for (const p of ["compose.yml", "pipeline.yaml", "wf.json"]) assert.equal(entry("tekton").mayWant(p), true, p);
  assert.equal(entry("tekton").mayWant("README.md"), false);
  const ids = (await allSources()).map((s) => s.id);
  // The same order as before the split: the CI sources in CI_SOURCES order, Tekton/Argo last of them.
  const ciIds = CI_SOURCES.map((s) => s.id);
  const at = ids.indexOf(ciIds[0]!);
  assert.deepEqual(ids.slice(at, at + ciIds.length), ciIds);
});
