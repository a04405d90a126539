/**
 * A closed stdout (`sockwarden rules | head -1`) is not an error of ours (src/cli/io.ts
 * guardClosedOutput): no stack trace, no message, exit status 141 (128 + SIGPIPE, what a shell
 * reports for `git log | head`), and a report asked for with `-o FILE` is still written whole.
 *
 * The built binary (run `npm run build` first) is spawned with its stdout a pipe whose reader is
 * closed before the child can write (the child needs tens of ms to start; the read end is closed
 * in the same tick as the spawn): every write then fails with EPIPE, whatever the output's size,
 * so the expected status is certain. One case uses a real `head -c 10` on an output far larger
 * than a pipe buffer (64 KiB), so EPIPE is certain there too. Each command is one of the paths:
 * the start bundle itself (--version), the one-file scan bundle (dist/start.cjs →
 * dist/scan-file.cjs), the full ESM CLI loaded by start.cjs (rules, directory scan, audit), and
 * the full CLI run directly (dist/cli.js).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";

const BIN = fileURLToPath(new URL("../../bin/sockwarden.js", import.meta.url));
const FULL_CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const EXAMPLES = fileURLToPath(new URL("../../examples/", import.meta.url));
const CLOSED = 141;

let dir: string;
let big: string;
let d: Dockerd;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sw-epipe-"));
  // 40 copies of the examples: a JSON report of several hundred KB, far more than a pipe holds.
  big = join(dir, "big");
  for (let i = 0; i < 40; i++) cpSync(EXAMPLES, join(big, `copy${i}`), { recursive: true });
  d = await startDockerd();
  await d.docker(["create", "--name", "ep-sock", "-v", `${d.socket}:/var/run/docker.sock`, "mini:latest", "sleep", "60"]);
  await d.docker(["create", "--name", "ep-plain", "mini:latest", "sleep", "60"]);
});

after(async () => {
  await d?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <entry> ...args` to its end; `closedStdout`: the reader of its stdout is gone from the start. */
function run(entry: string, args: string[], opts: { closedStdout?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [entry, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1", ...d.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    if (opts.closedStdout) c.stdout.destroy();
    else c.stdout.on("data", (b: Buffer) => (stdout += b));
    c.stderr.on("data", (b: Buffer) => (stderr += b));
    const t = setTimeout(() => c.kill("SIGKILL"), 120_000); // a hang guard, not a timing assertion
    c.on("error", reject);
    c.on("close", (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `sockwarden ...args | head ...headArgs`, without a shell: what head printed, sockwarden's exit code and stderr. */
function throughHead(args: string[], headArgs: string[]): Promise<{ head: string; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const sw = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    const head = spawn("head", headArgs, { stdio: [sw.stdout, "pipe", "inherit"] });
    // head holds its own copy of the read end now; ours must go, or the pipe never closes.
    sw.stdout.destroy();
    let out = "";
    let err = "";
    head.stdout.on("data", (b: Buffer) => (out += b));
    sw.stderr.on("data", (b: Buffer) => (err += b));
    const t = setTimeout(() => sw.kill("SIGKILL"), 120_000); // a hang guard, not a timing assertion
    const closed = (c: ReturnType<typeof spawn>) => new Promise<number | null>((res, rej) => {
      c.on("error", rej);
      c.on("close", (code) => res(code));
    });
    Promise.all([closed(sw), closed(head)]).then(([code]) => {
      clearTimeout(t);
      resolve({ head: out, code, stderr: err });
    }, reject);
  });
}

const CASES: { name: string; entry: string; args: string[] }[] = [
  { name: "--version (start bundle)", entry: BIN, args: ["--version"] },
  { name: "rules", entry: BIN, args: ["rules"] },
  { name: "rules --format json", entry: BIN, args: ["rules", "--format", "json"] },
  { name: "rules --format markdown", entry: BIN, args: ["rules", "--format", "markdown"] },
  { name: "scan DIR --format json", entry: BIN, args: ["scan", EXAMPLES, "--format", "json"] },
  { name: "scan DIR --format sarif", entry: BIN, args: ["scan", EXAMPLES, "--format", "sarif"] },
  { name: "scan FILE --format json (one-file scan bundle)", entry: BIN, args: ["scan", join(EXAMPLES, "shop", "compose.yml"), "--format", "json"] },
  { name: "scan FILE --format sarif (one-file scan bundle)", entry: BIN, args: ["scan", join(EXAMPLES, "shop", "compose.yml"), "--format", "sarif"] },
  { name: "dist/cli.js rules (full CLI run directly)", entry: FULL_CLI, args: ["rules", "--format", "json"] },
  { name: "dist/cli.js scan FILE (full CLI run directly)", entry: FULL_CLI, args: ["scan", join(EXAMPLES, "shop", "compose.yml"), "--format", "json"] },
];

for (const c of CASES) {
  test(`closed stdout, ${c.name}: exit ${CLOSED}, nothing on stderr`, async () => {
    // The same command with a reader: it writes something, and ends with one of the documented codes.
    const normal = await run(c.entry, c.args);
    assert.ok(normal.stdout.length > 0, "writes to stdout");
    assert.ok([0, 1].includes(normal.code ?? -1), `normal exit ${normal.code}: ${normal.stderr}`);
    const r = await run(c.entry, c.args, { closedStdout: true });
    assert.equal(r.stderr, "", "no stack trace, no message");
    assert.equal(r.signal, null);
    assert.equal(r.code, CLOSED);
  });
}

test("the one-file scan with a closed stdout really ran from dist/scan-file.cjs", async () => {
  // NODE_DEBUG=module names each CommonJS file loaded (on stderr); the code cache is off so the bundle goes through the loader.
  const r = await run(BIN, ["scan", join(EXAMPLES, "shop", "compose.yml"), "--format", "json"], { closedStdout: true, env: { NODE_DEBUG: "module", NODE_DISABLE_COMPILE_CACHE: "1" } });
  assert.match(r.stderr, /scan-file\.cjs/);
  assert.doesNotMatch(r.stderr, /EPIPE|Error|at .*:\d+:\d+/);
  assert.equal(r.code, CLOSED);
});

test("audit --format json (private dockerd) with a closed stdout: exit 141, nothing on stderr", async () => {
  const args = ["audit", "-H", d.host, "--all", "--format", "json", "--no-host-facts", "--no-events"];
  const normal = await run(BIN, args);
  // ep-sock mounts the daemon's socket as root: a critical finding, so the normal exit is 1.
  assert.equal(normal.code, 1, normal.stderr);
  assert.ok(JSON.parse(normal.stdout).findings.some((f: { rule: string; object: string }) => f.rule === "runtime-socket-mount" && f.object === "container:ep-sock"));
  const r = await run(BIN, args, { closedStdout: true });
  assert.equal(r.stderr, "");
  assert.equal(r.code, CLOSED);
});

test("a real `head -c 10` on a report far larger than a pipe: head gets the first 10 bytes, sockwarden exits 141 quietly", async () => {
  const full = await run(BIN, ["scan", big, "--format", "json"]);
  assert.ok(full.stdout.length > 4 * 65536, `report of ${full.stdout.length} bytes`);
  const got = await throughHead(["scan", big, "--format", "json"], ["-c", "10"]);
  assert.equal(got.head, full.stdout.slice(0, 10));
  assert.equal(got.stderr, "");
  assert.equal(got.code, CLOSED);
});

test("a real `head -1` on `rules`: no stack trace whether or not the cut came before the last write", async () => {
  // `rules` writes line by line and its whole text fits in a pipe: head may exit before or after
  // the last write, so the status is 0 (all written) or 141 (cut); never a crash (1) with a stack.
  const got = await throughHead(["rules"], ["-1"]);
  assert.match(got.head, /^runtime-socket-mount\s/);
  assert.equal(got.stderr, "");
  assert.ok(got.code === 0 || got.code === CLOSED, `exit ${got.code}`);
});

test("-o FILE with a closed stdout: the report file is written whole and the exit code is the scan's own", async () => {
  const out = join(dir, "report.json");
  const normal = await run(BIN, ["scan", big, "--format", "json"]);
  // The examples have critical findings (a socket mount as root): exit 1.
  assert.equal(normal.code, 1);
  const r = await run(BIN, ["scan", big, "--format", "json", "-o", out], { closedStdout: true });
  assert.equal(r.stderr, "");
  // Nothing was meant for stdout, so nothing was cut: the documented code stands.
  assert.equal(r.code, 1);
  assert.equal(readFileSync(out, "utf8"), normal.stdout);
});
