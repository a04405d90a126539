import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { docsSource } from "../../../src/sources/docs/index.js";
import { consoleToShell, fencedBlocks } from "../../../src/sources/docs/fences.js";

const ctx = { readFile: () => undefined, exists: () => false };
const text = readFileSync(fileURLToPath(new URL("../../fixtures/docs/README.md", import.meta.url)), "utf8");

test("Markdown: shell, console, compose and Kubernetes blocks; prose, text and echo never", () => {
  const f = { path: "docs/README.md", text };
  assert.equal(docsSource.detect(f), true);
  const r = docsSource.extract(f, ctx);
  assert.deepEqual(r.errors, []);
  const rows = r.workloads.map((w) => [w.source.object, w.source.file, w.mounts.map((m) => [m.hostPath, m.at?.line]), w.privileged?.value]);
  assert.deepEqual(rows, [
    ["code block (line 10): docker run (line 12)", "docs/README.md", [["/var/run/docker.sock", 13]], undefined],
    ["code block (line 19): docker run (line 20)", "docs/README.md", [], true],
    ["code block (line 24): service agent", "docs/README.md", [["/var/run/docker.sock", 29]], undefined],
    ["code block (line 32): Pod default/p container c", "docs/README.md", [["/var/run/docker.sock", 45]], undefined],
  ]);
  // `  $ sudo docker run --privileged`: 2 + "$ " + "sudo docker run " = 20 characters before the flag.
  assert.equal(r.workloads[1]!.privileged?.at?.column, 21, "console prompt `$ ` kept as spaces: columns are the file's");
});

test("fences: tildes, longer closers, indented fences, unterminated fence", () => {
  const b = fencedBlocks("~~~sh\na\n~~~\n````bash\n```\nb\n````\n  ```yaml\n  c: 1\n  ```\n```sh\nnever closed");
  assert.deepEqual(b.map((x) => [x.lang, x.startLine, x.lines]), [["sh", 2, ["a"]], ["bash", 5, ["```", "b"]], ["yaml", 9, ["  c: 1"]], ["sh", 12, ["never closed"]]]);
});

test("console blocks: prompts become spaces, output lines blank, continuations kept", () => {
  assert.deepEqual(consoleToShell(["$ docker run \\", "  -v /a:/b x", "output", "# whoami", "root@h:~# id"]), ["  docker run \\", "  -v /a:/b x", "", "  whoami", "          id"]);
});

test("docs are not code: a YAML fragment that does not parse is a notice", () => {
  const r = docsSource.extract({ path: "a.md", text: "```yaml\nservices:\n  x: [\n```\n" }, ctx);
  assert.equal(r.workloads.length, 0);
  assert.ok(r.errors.length >= 1);
  assert.ok(r.errors.every((e) => e.kind === "notice"));
});
