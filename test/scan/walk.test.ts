import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFileSync } from "node:child_process";
import { walkTree, excludeMatcher, WalkRootError } from "../../src/scan/walk.js";
import { readTextFile } from "../../src/scan/readfile.js";

/** Builds a tree: keys are root-relative paths, values file contents. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "sw-walk-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

const paths = async (root: string, opts = {}) => (await walkTree(root, opts)).files.map((f) => f.path);

test("nested .gitignore: rules are relative to their directory and deeper negations win", async (t) => {
  const root = tree({
    ".gitignore": "*.log\nbuild/\n",
    "a.log": "", // ignored: *.log at the root
    "local.yml": "", // kept: `local.yml` is only ignored by sub/.gitignore, which does not reach up
    "build/c.yml": "", // ignored: build/ directory
    "sub/.gitignore": "!keep.log\nlocal.yml\n/only-here.yml\n",
    "sub/keep.log": "", // kept: the deeper !keep.log overrides the root's *.log
    "sub/x.log": "", // ignored: root *.log, no deeper negation for it
    "sub/local.yml": "", // ignored by sub/.gitignore
    "sub/deep/local.yml": "", // ignored: a slash-less pattern matches at any depth below sub/
    "sub/only-here.yml": "", // ignored: /only-here.yml is anchored to sub/
    "sub/deep/only-here.yml": "", // kept: anchored pattern does not match one level deeper
    "sub/build/d.yml": "", // ignored: the root's build/ matches a directory at any depth
    "compose.yml": "",
    ".git/config": "", // never walked
    "node_modules/pkg/compose.yml": "", // never walked
    "sub/node_modules/x.yml": "", // never walked, at any depth
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.deepEqual(await paths(root), [
    ".gitignore",
    "compose.yml",
    "local.yml",
    "sub/.gitignore",
    "sub/deep/only-here.yml",
    "sub/keep.log",
  ]);
  // With gitignore handling off, only .git and node_modules are left out: 16 files - 3 = 13.
  const all = await paths(root, { gitignore: false });
  assert.equal(all.length, 13);
  assert.ok(all.includes("sub/build/d.yml") && !all.some((p) => p.includes("node_modules") || p.startsWith(".git/")));
});

test("--exclude: a pattern with a slash matches the path, one without matches a name at any depth", async (t) => {
  const root = tree({
    "deploy/legacy/old.yml": "", // excluded by deploy/legacy/** (whole directory pruned)
    "deploy/legacy.yml": "", // kept: not under deploy/legacy/
    "deploy/app.min.yaml": "", // excluded by *.min.yaml (name at any depth)
    "deploy/app.yaml": "",
    "x/testdata/compose.yml": "", // excluded: `testdata/` names a directory at any depth
    "testdata.yml": "", // kept: the name is testdata.yml, not testdata
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const r = await walkTree(root, { exclude: ["deploy/legacy/**", "*.min.yaml", "./testdata/"] });
  assert.deepEqual(r.files.map((f) => f.path), ["deploy/app.yaml", "deploy/legacy.yml", "testdata.yml"]);
  assert.equal(r.skippedDirs, 2); // deploy/legacy and x/testdata
});

test("excludeMatcher on its own", async () => {
  const m = await excludeMatcher(["charts/**/templates/**", "*.bak"]);
  assert.equal(m("charts/a/templates/dep.yaml"), true);
  assert.equal(m("charts/a/values.yaml"), false);
  assert.equal(m("deep/x/compose.yml.bak"), true);
  assert.equal((await excludeMatcher([]))("anything"), false);
});

test("symlink loops end, and each real file is listed once", async (t) => {
  const root = tree({
    "a/x.yml": "",
    "hidden/h.yml": "",
    ".gitignore": "hidden/\n",
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  symlinkSync("..", join(root, "a/up")); // a/up -> root: an ancestor (loop)
  symlinkSync("../a", join(root, "a/self")); // a/self -> a: its own parent (loop)
  symlinkSync("me", join(root, "me")); // resolves to itself: ELOOP
  symlinkSync("a/x.yml", join(root, "alias.yml")); // target already listed as a/x.yml
  symlinkSync("hidden", join(root, "shown")); // target ignored by .gitignore, the link is not
  const r = await walkTree(root);
  assert.deepEqual(
    r.files.map((f) => [f.path, f.viaSymlink ?? false]),
    [
      [".gitignore", false],
      ["a/x.yml", false],
      ["shown/h.yml", true], // reached through the link: gitignore ignores hidden/, not shown/
    ],
  );
  assert.deepEqual(
    r.errors.map((e) => [e.file, e.kind]),
    [
      ["a/self", "notice"],
      ["a/up", "notice"],
      ["me", "notice"],
    ],
  );
  assert.match(r.errors[0]!.message, /symlink loop \(points to its own ancestor a\)/);
  assert.match(r.errors[1]!.message, /symlink loop \(points to its own ancestor \.\)/);
  assert.match(r.errors[2]!.message, /symlink loop/);
});

test("a symlink out of the root is never followed, and says so", async (t) => {
  const outside = tree({ "secret/compose.yml": "services: {}\n", "token.yml": "" });
  const root = tree({ "in.yml": "" });
  t.after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  symlinkSync(join(outside, "secret"), join(root, "ext")); // absolute link to a directory outside
  symlinkSync("../" + outside.split("/").pop() + "/token.yml", join(root, "tok.yml")); // relative link to a file outside
  symlinkSync("/nonexistent-sockwarden-target", join(root, "dangling"));
  // A .gitignore that is a symlink out of the root is not read either: its "*.yml" would
  // otherwise hide in.yml.
  writeFileSync(join(outside, "ignore-all"), "*.yml\n");
  symlinkSync(join(outside, "ignore-all"), join(root, ".gitignore"));
  const r = await walkTree(root);
  assert.deepEqual(r.files.map((f) => f.path), ["in.yml"]);
  assert.deepEqual(r.errors.map((e) => [e.file, e.kind]), [[".gitignore", "notice"], ["dangling", "notice"], ["ext", "notice"], ["tok.yml", "notice"]]);
  assert.match(r.errors[0]!.message, /points outside the scan root/);
  assert.match(r.errors[1]!.message, /^broken symlink/);
  assert.match(r.errors[2]!.message, /points outside the scan root/);
  assert.match(r.errors[3]!.message, /points outside the scan root/);
  // The same links with following turned off: not followed, a notice each.
  const r2 = await walkTree(root, { followSymlinks: false });
  assert.equal(r2.errors.length, 4);
  assert.ok(r2.errors.every((e) => e.message.includes("not followed")));
});

test("the root may itself be a symlink; paths stay root-relative with /", async (t) => {
  const real = tree({ "k8s/deploy.yaml": "" });
  const link = real + "-link";
  symlinkSync(real, link);
  t.after(() => {
    rmSync(link, { force: true });
    rmSync(real, { recursive: true, force: true });
  });
  const r = await walkTree(link);
  assert.deepEqual(r.files, [{ path: "k8s/deploy.yaml", abs: join(realpathSync(real), "k8s", "deploy.yaml") }]);
});

test("a root that is a file is scanned alone; a missing root is a WalkRootError", async (t) => {
  const root = tree({ "compose.yml": "services: {}\n" });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const r = await walkTree(join(root, "compose.yml"));
  assert.deepEqual(r.files.map((f) => f.path), ["compose.yml"]);
  await assert.rejects(walkTree(join(root, "nope")), (e: unknown) => e instanceof WalkRootError && /cannot read scan root .*nope: no such file/.test(e.message));
});

test("FIFOs are not listed, and reading one does not hang", async (t) => {
  const root = tree({ "a.yml": "" });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync("mkfifo", [join(root, "pipe.yml")]);
  assert.deepEqual(await paths(root), ["a.yml"]);
  assert.deepEqual(await readTextFile(join(root, "pipe.yml"), { expectText: true }), { skipped: "not a regular file" });
});
