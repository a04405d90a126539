import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Unreadable directories and files are errors, and the walk goes on.
 *
 * chmod 000 means nothing to root, and CI runs tests as root. So when we are root the walk runs
 * in a child process as `nobody` (setpriv --reuid=65534 --regid=65534 --clear-groups), for whom
 * mode 000 really is unreadable; when we are not root the same child runs as ourselves.
 */
const repo = fileURLToPath(new URL("../../", import.meta.url));

test("an unreadable directory and an unreadable file are reported; readable files are still listed and read", (t) => {
  const root = mkdtempSync(join(tmpdir(), "sw-unread-"));
  t.after(() => {
    chmodSync(join(root, "tree", "locked"), 0o755);
    rmSync(root, { recursive: true, force: true });
  });
  chmodSync(root, 0o755); // mkdtemp makes it 0700: nobody must be able to enter it
  const tr = join(root, "tree");
  mkdirSync(join(tr, "locked"), { recursive: true });
  writeFileSync(join(tr, "locked", "compose.yml"), "services: {}\n");
  writeFileSync(join(tr, "ok.yml"), "a: 1\n");
  writeFileSync(join(tr, "secret.yml"), "b: 2\n");
  chmodSync(join(tr, "locked"), 0o000);
  chmodSync(join(tr, "secret.yml"), 0o000);

  const child = join(root, "child.mjs");
  writeFileSync(
    child,
    `import { walkTree } from ${JSON.stringify(pathToFileURL(join(repo, "src/scan/walk.ts")).href)};
import { readTextFile } from ${JSON.stringify(pathToFileURL(join(repo, "src/scan/readfile.ts")).href)};
const r = await walkTree(process.argv[2]);
const reads = {};
for (const f of r.files) reads[f.path] = await readTextFile(f.abs, { expectText: true });
const locked = await walkTree(process.argv[2] + "/locked").then(() => "walked", (e) => e.constructor.name + ": " + e.message);
console.log(JSON.stringify({ files: r.files.map((f) => f.path), errors: r.errors, reads, locked }));
`,
  );
  chmodSync(child, 0o644);
  const node = [process.execPath, "--import", "tsx", child, tr];
  const argv = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...node] : node;
  const out = JSON.parse(execFileSync(argv[0]!, argv.slice(1), { cwd: repo, encoding: "utf8" }));

  // locked/ cannot be listed, so its compose.yml is unknown; secret.yml is listed (its name is
  // readable) but its content is not.
  assert.deepEqual(out.files, ["ok.yml", "secret.yml"]);
  assert.deepEqual(out.errors, [{ file: "locked", message: "cannot read directory: permission denied", kind: "error" }]);
  // The same directory given as the scan root: nothing could be scanned, a usage error.
  assert.equal(out.locked, `WalkRootError: cannot read scan root ${tr}/locked: permission denied`);
  assert.deepEqual(out.reads, {
    "ok.yml": { text: "a: 1\n" },
    "secret.yml": { error: "cannot read file: permission denied" },
  });
});
