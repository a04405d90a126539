import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { exampleOutputBlock, currentExampleBlock } from "./readme-example.js";

test("the README shows the real output of its first command (update with `npx tsx scripts/update-readme.ts`)", async () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  assert.equal(currentExampleBlock(readme), (await exampleOutputBlock()).trim());
});

test("the examples show what they are there to show", async () => {
  const block = await exampleOutputBlock();
  // Traefik: the docker socket, read-only, in a root container (no user set) → critical.
  assert.match(block, /traefik\/compose\.yml:12:\d+\s+critical\s+socket-mount/);
  // The DaemonSet mounts /var/run (a parent of every runtime socket) as uid 1000 → high; hostPID → high.
  assert.match(block, /monitoring\/node-agent\.yaml:\d+:\d+\s+high\s+socket-mount/);
  assert.match(block, /monitoring\/node-agent\.yaml:\d+:\d+\s+high\s+host-namespace/);
  // The shop is clean.
  assert.doesNotMatch(block, /shop\/compose\.yml/);
});
