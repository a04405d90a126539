/**
 * The start-up dispatcher (src/cli/start.ts → dist/start.cjs, what bin/sockwarden.js runs): a
 * one-file scan that only Compose, Kubernetes, Ansible or Tekton/Argo may want runs from the
 * CommonJS bundle dist/scan-file.cjs; everything else goes to the full ESM CLI (dist/cli.js).
 *
 * The two must answer alike. Each case runs the binary and, beside it, `node dist/cli.js` — the
 * full CLI called directly, which never takes the start-up path — and compares exit code, stdout
 * and stderr (and the -o file). A run with NODE_DEBUG=module shows which path the binary took
 * (Node logs each CommonJS load: dist/scan-file.cjs appears or not; the code cache is off in that
 * run, as it loads the bundle without the module loader), so a case cannot pass by quietly going
 * the other way. Exit codes and findings noted per case are worked out from the
 * fixtures' own comments.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readFileSync, cpSync, readdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/sockwarden.js", import.meta.url));
const FULL_CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(entry: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [entry, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1", ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs both, checks they agree, and says which path the binary took. */
async function both(args: string[]): Promise<{ bin: Run; path: "start bundle" | "full CLI" }> {
  const [bin, full, traced] = await Promise.all([run(BIN, args), run(FULL_CLI, args), run(BIN, args, { NODE_DEBUG: "module", NODE_DISABLE_COMPILE_CACHE: "1" })]);
  assert.equal(bin.code, full.code, `exit code; stderr: ${bin.stderr}`);
  assert.equal(bin.stdout, full.stdout);
  assert.equal(bin.stderr, full.stderr);
  return { bin, path: traced.stderr.includes("scan-file.cjs") ? "start bundle" : "full CLI" };
}

const SOCKET_COMPOSE = `services:
  proxy:
    image: traefik:3
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
`;
// Line 5 is the list item; its value starts at column 9. No user: root, so critical.

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sw-start-"));
  writeFileSync(join(dir, "compose.yml"), "services:\n  web:\n    image: nginx:1.27\n    user: \"101\"\n");
  writeFileSync(join(dir, "socket.yml"), SOCKET_COMPOSE);
  cpSync(join(FIXTURES, "kubernetes"), join(dir, "k8s"), { recursive: true });
  cpSync(join(FIXTURES, "ansible"), join(dir, "ansible"), { recursive: true });
  cpSync(join(FIXTURES, "ci", "tekton"), join(dir, "tekton"), { recursive: true });
  cpSync(join(FIXTURES, "compose", "extends"), join(dir, "extends"), { recursive: true });
  cpSync(join(FIXTURES, "compose", "interpolation"), join(dir, "interpolation"), { recursive: true });
  // A policy beside a compose file: an exception whose file glob and object cover the mount.
  mkdirSync(join(dir, "excepted"));
  writeFileSync(join(dir, "excepted", "compose.yml"), SOCKET_COMPOSE);
  writeFileSync(
    join(dir, "excepted", "sockwarden.yaml"),
    "version: 1\nexceptions:\n  - concern: socket-mount\n    match: { file: \"*.yml\", object: proxy }\n    reason: reads container events until the socket proxy is deployed\n    owner: platform-team\n    expires: 2999-12-31\n",
  );
  mkdirSync(join(dir, "badpolicy"));
  writeFileSync(join(dir, "badpolicy", "compose.yml"), SOCKET_COMPOSE);
  writeFileSync(join(dir, "badpolicy", "sockwarden.yaml"), "version: 1\nrules: { socket-mount: sometimes }\n");
  // An inline suppression without a reason: suppresses nothing and is a policy finding itself.
  writeFileSync(join(dir, "reasonless.yml"), SOCKET_COMPOSE.replace("      - /var", "      # sockwarden:ignore socket-mount\n      - /var"));
  // Files other formats may want (by name): these go to the full CLI.
  writeFileSync(join(dir, ".gitlab-ci.yml"), "build:\n  image: docker:27\n  script:\n    - docker run -v /var/run/docker.sock:/var/run/docker.sock alpine true\n");
  writeFileSync(join(dir, "daemon.json"), '{ "hosts": ["tcp://0.0.0.0:2375"] }\n');
  writeFileSync(join(dir, "Dockerfile"), "FROM alpine:3\nRUN echo hi\n");
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("--version: answered by the dispatcher, the same text as the full CLI", async () => {
  const { bin } = await both(["--version"]);
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  assert.equal(bin.stdout, pkg.version + "\n");
});

test("a clean compose file: start bundle, exit 0", async () => {
  const { bin, path } = await both(["scan", "compose.yml"]);
  assert.equal(path, "start bundle");
  assert.equal(bin.code, 0);
  assert.match(bin.stdout, /0 findings, 0 suppressed, 0 errors in 1 file/);
});

test("a socket mount as JSON: start bundle, exit 1, the list item's line and column, the same fingerprint", async () => {
  const { bin, path } = await both(["scan", "socket.yml", "--format", "json"]);
  assert.equal(path, "start bundle");
  assert.equal(bin.code, 1);
  const f = (JSON.parse(bin.stdout) as { findings: { rule: string; severity: string; location: { line: number; column: number }; fingerprint: string }[] }).findings;
  assert.equal(f.length, 1);
  assert.deepEqual([f[0]!.rule, f[0]!.severity, f[0]!.location.line, f[0]!.location.column], ["runtime-socket-mount", "critical", 5, 9]);
  assert.match(f[0]!.fingerprint, /^[0-9a-f]{32}$/);
});

test("SARIF, markdown and text-to-file from the start bundle equal the full CLI's", async () => {
  for (const format of ["sarif", "markdown", "text"]) {
    const { path } = await both(["scan", "socket.yml", "-f", format]);
    assert.equal(path, "start bundle", format);
  }
  const a = await run(BIN, ["scan", "socket.yml", "-o", "a.txt", "--exit-zero"]);
  const b = await run(FULL_CLI, ["scan", "socket.yml", "-o", "b.txt", "--exit-zero"]);
  assert.deepEqual([a.code, b.code], [0, 0]);
  assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), readFileSync(join(dir, "b.txt"), "utf8"));
  assert.match(readFileSync(join(dir, "a.txt"), "utf8"), /socket\.yml:5:9/);
});

test("Kubernetes, Ansible and Tekton files: start bundle, same reports", async () => {
  const cases: [string, number][] = [
    ["k8s/pod-socket.yaml", 1],
    ["k8s/malformed.yaml", 1], // parse/shape errors per document, the other documents still judged
    ["k8s/deployment-yaml11.yaml", 1],
    ["ansible/playbook.yml", 1],
    ["tekton/task.yaml", 1],
  ];
  for (const [file, code] of cases) {
    const { bin, path } = await both(["scan", file, "-f", "json"]);
    assert.equal(path, "start bundle", file);
    assert.equal(bin.code, code, `${file}: ${bin.stderr}`);
    assert.ok((JSON.parse(bin.stdout) as { findings: unknown[] }).findings.length > 0, file);
  }
});

test("compose extends and .env interpolation read their other files from the start bundle too", async () => {
  for (const file of ["extends/compose.yml", "interpolation/compose.yml"]) {
    const { bin, path } = await both(["scan", file, "-f", "json"]);
    assert.equal(path, "start bundle", file);
    assert.equal(bin.stderr, "", file);
  }
});

test("a policy exception (file glob + object) suppresses the mount in the start bundle: exit 0, finding kept and marked", async () => {
  const { bin, path } = await both(["scan", "excepted/compose.yml", "-f", "json"]);
  assert.equal(path, "start bundle");
  assert.equal(bin.code, 0);
  const f = (JSON.parse(bin.stdout) as { findings: { suppressed: boolean; suppression?: { kind: string } }[] }).findings;
  assert.deepEqual(f.map((x) => [x.suppressed, x.suppression?.kind]), [[true, "exception"]]);
});

test("an invalid policy and a reason-less inline suppression answer alike", async () => {
  const bad = await both(["scan", "badpolicy/compose.yml"]);
  assert.equal(bad.path, "start bundle");
  assert.equal(bad.bin.code, 2);
  assert.match(bad.bin.stderr, /sockwarden\.yaml/);
  const reasonless = await both(["scan", "reasonless.yml", "-f", "json"]);
  assert.equal(reasonless.path, "start bundle");
  const rules = (JSON.parse(reasonless.bin.stdout) as { findings: { rule: string }[] }).findings.map((f) => f.rule).sort();
  assert.equal(rules.length, 2, rules.join());
  assert.ok(rules.includes("runtime-socket-mount"));
});

test("files other formats may want, directories, missing paths and other commands go to the full CLI", async () => {
  for (const args of [
    ["scan", ".gitlab-ci.yml"],
    ["scan", "daemon.json"],
    ["scan", "Dockerfile"],
    ["scan", "k8s"],
    ["scan", "no-such-file.yml"],
    ["scan", "compose.yml", "--format", "html"], // not a scan format: commander's error
    ["scan", "compose.yml", "extra.yml"], // one path only: commander's error
    ["rules"],
  ]) {
    const { path } = await both(args);
    assert.equal(path, "full CLI", args.join(" "));
  }
  const missing = await run(BIN, ["scan", "no-such-file.yml"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file or directory/);
});

// The start bundle's compiled code is kept between runs (src/cli/code-cache.ts), in the user's
// cache directory — here XDG_CACHE_HOME, a fresh temp dir per case.

test("code cache: written once, in <XDG_CACHE_HOME>/sockwarden, private; reused with the same answer", async () => {
  const xdg = mkdtempSync(join(dir, "xdg-"));
  const env = { XDG_CACHE_HOME: xdg };
  const first = await run(BIN, ["scan", "socket.yml", "-f", "json"], env);
  const full = await run(FULL_CLI, ["scan", "socket.yml", "-f", "json"]);
  assert.deepEqual([first.code, first.stdout, first.stderr], [full.code, full.stdout, full.stderr]);
  const files = () => {
    try {
      return readdirSync(join(xdg, "sockwarden"));
    } catch {
      return [];
    }
  };
  const made = files();
  assert.equal(made.length, 1, made.join());
  assert.match(made[0]!, /^scan-file-[0-9a-f]{8}-.*\.v8$/);
  const second = await run(BIN, ["scan", "socket.yml", "-f", "json"], env);
  assert.deepEqual([second.code, second.stdout, second.stderr], [full.code, full.stdout, full.stderr]);
  assert.deepEqual(files(), made, "the same file, not a new one");
  // A damaged cache is refused by V8 and rewritten; the answer does not change.
  writeFileSync(join(xdg, "sockwarden", made[0]!), "not a V8 code cache");
  const third = await run(BIN, ["scan", "socket.yml", "-f", "json"], env);
  assert.deepEqual([third.code, third.stdout, third.stderr], [full.code, full.stdout, full.stderr]);
  assert.notEqual(readFileSync(join(xdg, "sockwarden", made[0]!), "utf8"), "not a V8 code cache");
});

test("code cache: never from a directory others can write, nor when it cannot be made, nor when turned off", async () => {
  const full = await run(FULL_CLI, ["scan", "compose.yml"]);
  // Group- and world-writable: someone else could have put code there.
  const open = mkdtempSync(join(dir, "xdg-open-"));
  mkdirSync(join(open, "sockwarden"));
  chmodSync(join(open, "sockwarden"), 0o777);
  // A file where the directory should be: it cannot be made.
  const blocked = mkdtempSync(join(dir, "xdg-blocked-"));
  writeFileSync(join(blocked, "sockwarden"), "");
  // Turned off, as Node's own cache is.
  const off = mkdtempSync(join(dir, "xdg-off-"));
  for (const [xdg, extra] of [[open, {}], [blocked, {}], [off, { NODE_DISABLE_COMPILE_CACHE: "1" }]] as const) {
    const r = await run(BIN, ["scan", "compose.yml"], { XDG_CACHE_HOME: xdg, ...extra });
    assert.deepEqual([r.code, r.stdout, r.stderr], [full.code, full.stdout, full.stderr], xdg);
  }
  assert.deepEqual(readdirSync(join(open, "sockwarden")), []);
  assert.equal(readFileSync(join(blocked, "sockwarden"), "utf8"), "");
  assert.deepEqual(readdirSync(off), []);
});
