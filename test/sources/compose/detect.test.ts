import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { composeSource } from "../../../src/sources/compose/index.js";
import { FIXTURES } from "./helpers.js";

const detect = (path: string, text = "") => composeSource.detect({ path, text });

test("detect by name, in any directory", () => {
  for (const p of [
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "deploy/prod/docker-compose.prod.yml",
    "compose.override.yaml",
    "docker-compose-dev.yml",
    "docker-stack.yml",
    "swarm/docker-stack.prod.yaml",
    "Docker-Compose.YML",
  ]) {
    assert.equal(detect(p), true, p);
  }
  for (const p of ["compose.json", "my-compose.yml", "docker-compose.yml.bak", "values.yaml", "compose/README.md", "stack.yml"]) {
    assert.equal(detect(p), false, p);
  }
});

test("detect by content: a top-level services map of service-like entries; look-alikes are not Compose (fixtures/compose/detect)", () => {
  const read = (rel: string) => readFileSync(join(FIXTURES, rel), "utf8");
  assert.equal(detect("detect/deploy/stack.yaml", read("detect/deploy/stack.yaml")), true);
  assert.equal(detect("detect/other/settings.yaml", read("detect/other/settings.yaml")), false);
  assert.equal(detect("detect/other/gitlab-like.yml", read("detect/other/gitlab-like.yml")), false);
  assert.equal(detect("detect/other/nested.yaml", read("detect/other/nested.yaml")), false);
  // Same content as a Compose file, but not YAML by name: not ours.
  assert.equal(detect("detect/other/notes.md", read("detect/other/notes.md")), false);
});

test("detect by content sees through merge keys and flow maps", () => {
  assert.equal(detect("x.yaml", "x-base: &b\n  image: nginx\nservices:\n  web:\n    <<: *b\n"), true);
  assert.equal(detect("x.yml", "services: {web: {image: nginx}}\n"), true);
  assert.equal(detect("x.yml", "services:\n  web: {}\n"), false);
  // A byte-order mark and CRLF line ends (files saved on Windows).
  assert.equal(detect("x.yml", "\uFEFFservices:\r\n  web:\r\n    image: nginx\r\n"), true);
  assert.equal(detect("x.yml", "kind: Service\nspec:\n  services:\n    web:\n      image: x\n"), false);
});

test("detect never throws, even on binary or broken input", () => {
  assert.equal(typeof detect("x.yaml", "services:\n  a: [\n"), "boolean");
  assert.equal(typeof detect("x.yaml", "services:\n\u0000\u0001\u0002\uFFFD"), "boolean");
});
