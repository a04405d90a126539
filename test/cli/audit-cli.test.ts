/**
 * `sockwarden audit` and `sockwarden inside` through the built CLI against a real private dockerd
 * (test/harness/dockerd.ts): what users type, what they get, and the exit codes CI relies on.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { terminate } from "./child.js";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";

const BIN = fileURLToPath(new URL("../../bin/sockwarden.js", import.meta.url));
let d: Dockerd;

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  d = await startDockerd();
  // A running container holding the docker socket as root, and a created (dormant) one binding /.
  await d.docker(["run", "-d", "--name", "sock", "-v", `${d.socket}:/var/run/docker.sock:ro`, "mini:latest", "sleep", "300"]);
  await d.docker(["create", "--name", "dormant", "-v", "/:/host", "mini:latest", "sleep", "300"]);
  await d.docker(["run", "-d", "--name", "clean", "mini:latest", "sleep", "300"]);
});
after(async () => d?.stop());

test("audit -H: the socket holder is critical, a clean container only has its image provenance noted; exit 1", async () => {
  const r = await run(["audit", "-H", d.host, "--format", "json", "--no-host-facts"]);
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.kind, "audit");
  const sock = j.findings.filter((f: any) => f.object === "container:sock" && f.concern === "socket-mount");
  assert.ok(sock.length >= 1, JSON.stringify(j.findings.map((f: any) => [f.object, f.concern])));
  assert.equal(sock[0].severity, "critical");
  assert.equal(sock[0].location.container.name, "sock");
  // The clean container's only finding is about its image: mini:latest was imported, never
  // pulled (no repository digest), which issue 4 makes a medium `image` finding.
  assert.deepEqual(j.findings.filter((f: any) => f.object === "container:clean").map((f: any) => [f.concern, f.severity]), [["image", "medium"]]);
  // Without --all the created container is not listed.
  assert.equal(j.findings.filter((f: any) => f.object === "container:dormant").length, 0);
});

test("audit --all includes the dormant container (bind of / : host-path), resolved through DOCKER_HOST too", async () => {
  const r = await run(["audit", "--all", "--format", "json", "--no-host-facts", "--no-events"], { DOCKER_HOST: d.host });
  const j = JSON.parse(r.stdout);
  const dormant = j.findings.filter((f: any) => f.object === "container:dormant");
  assert.ok(dormant.some((f: any) => f.concern === "host-path"));
  assert.equal(dormant[0].location.container.state, "created");
});

test("audit of a daemon that is down: clear message, exit 2 (nothing was audited)", async () => {
  // --no-host-facts: on a machine where other suites' daemons and proxies are listening, the local
  // host facts would (rightly) produce findings of their own and exit 1.
  const r = await run(["audit", "-H", "unix:///nonexistent/docker.sock", "--no-host-facts"]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /no socket at that path|cannot connect/);
});

test("audit --interval repeats: one JSON line per run, stops on SIGTERM with exit 0", async () => {
  const child = spawn(process.execPath, [BIN, "audit", "-H", d.host, "--format", "json", "--no-host-facts", "--no-events", "--interval", "1s"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (c) => (err += c));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (c) => {
      out += c;
      if (out.split("\n").filter(Boolean).length >= 2) resolve();
    });
    // Never hang: a child that exits early, or a run that takes far too long, fails the test.
    child.on("exit", (code) => reject(new Error(`audit --interval exited early (${code}): ${err}`)));
    setTimeout(() => reject(new Error(`no second report within 60 s; stderr: ${err}`)), 60_000).unref();
  });
  const code = await terminate(child);
  assert.equal(code, 0);
  const lines = out.split("\n").filter(Boolean);
  for (const l of lines.slice(0, 2)) assert.equal(JSON.parse(l).kind, "audit");
});

test("inside --print-sh prints a POSIX sh script; inside runs and answers with a verdict", async () => {
  const sh = await run(["inside", "--print-sh"]);
  assert.equal(sh.code, 0);
  assert.match(sh.stdout, /^#!\/bin\/sh/);
  const r = await run(["inside", "--format", "json"]);
  const j = JSON.parse(r.stdout);
  assert.ok(["can-control-host", "one-step-away", "no-path-found"].includes(j.verdict));
  assert.equal(r.code, j.verdict === "no-path-found" ? 0 : 1);
  for (const g of j.gids) assert.ok(Number.isInteger(g), `gid ${g}`);
});
