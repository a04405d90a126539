/** SIGHUP reopens the file sink (log rotation); SIGTERM stops gracefully. The watcher runs as a
 *  child process on a real private dockerd, as the CLI would run it. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { until } from "./helpers.js";

let d: Dockerd;
let tmp: string;
let child: ChildProcess | undefined;

before(async () => {
  d = await startDockerd();
  tmp = mkdtempSync(join(tmpdir(), "swd-hup-"));
});
after(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await d?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const names = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { container?: { name: string } }).container?.name ?? "")
    : [];

test("SIGHUP reopens the file sink after rotation; SIGTERM stops with exit 0", async () => {
  const file = join(tmp, "alerts.jsonl");
  const script = join(dirname(fileURLToPath(import.meta.url)), "child-watch.ts");
  const opts = { host: d.host, sinks: [`file=${file}`], state: join(tmp, "state.json") };
  child = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(opts)], { cwd: process.cwd(), env: d.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child!.on("exit", (code) => r(code)));
  await until(() => out.includes("ready") || child!.exitCode !== null, 60_000, "the child to be ready");
  assert.ok(out.includes("ready"), `child failed to start: ${err}`);

  await d.docker(["create", "--name", "one", "-v", "/:/host", "mini:latest", "true"]);
  await until(() => names(file).includes("one"), 60_000, "one's alert in the file");
  renameSync(file, file + ".1"); // logrotate
  child.kill("SIGHUP");
  await until(() => err.includes("SIGHUP: reopening"), 60_000, "the SIGHUP log line");
  await d.docker(["create", "--name", "two", "-v", "/:/host", "mini:latest", "true"]);
  await until(() => names(file).includes("two"), 60_000, "two's alert in the new file");

  // Two findings each (socket-mount via "/", host-path "/"), each in its own file.
  assert.deepEqual(names(file + ".1"), ["one", "one"]);
  assert.deepEqual(names(file), ["two", "two"]);

  child.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.match(err, /SIGTERM: stopping/);
  assert.match(err, /stopped/);
  // The state file was written on the way out.
  assert.ok(existsSync(join(tmp, "state.json")));
});
