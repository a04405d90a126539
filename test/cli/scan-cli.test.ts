/**
 * The `sockwarden scan` command as users and CI run it: the built CLI (bin/sockwarden.js →
 * dist/, built by the pretest step) in a child process, over small trees made in a temp dir.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/sockwarden.js", import.meta.url));
let dir: string;

function run(args: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: agent:1
      volumeMounts:
        - name: sock
          mountPath: /var/run/docker.sock
  volumes:
    - name: sock
      hostPath:
        path: /var/run/docker.sock
`;
// Line 15 carries `path: /var/run/docker.sock` (the hostPath.path line); `path:` starts at column 9.

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sw-cli-"));
  mkdirSync(join(dir, "risky"));
  writeFileSync(join(dir, "risky", "pod.yaml"), POD);
  mkdirSync(join(dir, "clean"));
  writeFileSync(join(dir, "clean", "pod.yaml"), POD.replace(/hostPath:\n\s+path: \/var\/run\/docker.sock/, "emptyDir: {}"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("--version prints the package version", async () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  const r = await run(["--version"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), pkg.version);
});

test("exit 1 on a critical finding, with the location of the hostPath.path line", async () => {
  const r = await run(["scan", "risky"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /pod\.yaml:15:9\s+critical\s+socket-mount/);
});

test("exit 0 on a clean tree", async () => {
  const r = await run(["scan", "clean"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /0 findings/);
});

test("JSON follows the contract", async () => {
  const r = await run(["scan", "risky", "--format", "json"]);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  assert.equal(j.version, 1);
  assert.equal(j.tool.name, "sockwarden");
  assert.equal(j.findings.length, 1);
  const f = j.findings[0];
  for (const k of ["rule", "concern", "severity", "title", "message", "location", "object", "suppressed", "meaning", "decision"]) assert.ok(k in f, k);
  assert.deepEqual(f.location, { file: "pod.yaml", line: 15, column: 9 });
  assert.equal(f.object, "Pod default/agent container agent");
  assert.deepEqual(j.errors, []);
});

test("--exit-zero reports but never fails; --fail-on above the worst severity passes", async () => {
  assert.equal((await run(["scan", "risky", "--exit-zero"])).code, 0);
  const nonRoot = POD.replace("      image: agent:1", "      image: agent:1\n      securityContext: { runAsUser: 1000 }");
  writeFileSync(join(dir, "nonroot.yaml"), nonRoot);
  // Non-root user: the socket mount is high, not critical.
  assert.equal((await run(["scan", "nonroot.yaml", "--fail-on", "critical"])).code, 0);
  assert.equal((await run(["scan", "nonroot.yaml", "--fail-on", "high"])).code, 1);
});

test("warn in the policy reports the finding and does not fail the gate", async () => {
  writeFileSync(join(dir, "warn.yaml"), "version: 1\nrules:\n  socket-mount: warn\n");
  const r = await run(["scan", "risky", "--policy", join(dir, "warn.yaml"), "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).findings[0].action, "warn");
});

test("an invalid policy is a usage error (exit 2) naming file and line", async () => {
  writeFileSync(join(dir, "bad.yaml"), "version: 1\nrules:\n  socket-mont: deny\n");
  const r = await run(["scan", "risky", "--policy", join(dir, "bad.yaml")]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:3/);
});

test("a missing scan root and an unknown flag are usage errors (exit 2)", async () => {
  assert.equal((await run(["scan", "does-not-exist"])).code, 2);
  assert.equal((await run(["scan", "--no-such-flag"])).code, 2);
  assert.equal((await run(["scan", "--format", "xml"])).code, 2);
});

test("-o writes the report to a file", async () => {
  const out = join(dir, "out.sarif");
  const r = await run(["scan", "risky", "--format", "sarif", "-o", out]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  const sarif = JSON.parse(readFileSync(out, "utf8"));
  assert.equal(sarif.version, "2.1.0");
  assert.equal(sarif.runs[0].results[0].ruleId, "runtime-socket-mount");
});

test("diff: a new critical finding between two scans fails the gate; an unreadable report is exit 2", async () => {
  const before = join(dir, "before.json");
  const after = join(dir, "after.json");
  await run(["scan", "clean", "--format", "json", "-o", before]);
  // Same file name under a different root would not match; scan the risky tree as the "after" state.
  await run(["scan", "risky", "--format", "json", "-o", after]);
  const r = await run(["diff", before, after]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /1 appeared/);
  assert.equal((await run(["diff", before, before])).code, 0);
  assert.equal((await run(["diff", before, join(dir, "missing.json")])).code, 2);
});
