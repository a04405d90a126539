/**
 * Issue 4's traps, each on the real private dockerd: the audit must be right where a grep of
 * `{{.Mounts}}` for "docker.sock" in running containers is wrong. Expected concerns and severities
 * are worked out from the rules' stated reasoning (a socket the container's uid/gids can open is
 * critical, one it cannot open is high, a dormant holder is high, an empty directory or a missing
 * path named docker.sock is low, `:ro` never lowers).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { auditDetailed, type AuditResult } from "../../src/audit/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { parsePolicy } from "../../src/policy/load.js";
import { evaluate } from "../../src/rules/evaluate.js";
import type { Finding } from "../../src/model/finding.js";

let d: Dockerd;
let result: AuditResult;
let runningOnly: AuditResult;
let forwarder: Server;
let appServer: Server;
let fwdPort: number;
let dockerGid: number;

function gidOf(name: string): number {
  const line = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.startsWith(name + ":"));
  if (!line) throw new Error(`no ${name} group on this machine`);
  return Number(line.split(":")[2]);
}

before(async () => {
  d = await startDockerd();
  const D = d.dir;
  // The daemon made its socket root:docker 0660 (the docker group exists here): a container's uid/gids decide.
  dockerGid = gidOf("docker");
  mkdirSync(join(D, "links"));
  symlinkSync(d.socket, join(D, "links", "innocent"));
  mkdirSync(join(D, "empty", "docker.sock"), { recursive: true });
  mkdirSync(join(D, "app"));
  // A benign application socket: answers something, but not the Docker API.
  appServer = createServer((s) => s.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
  await new Promise<void>((r) => appServer.listen(join(D, "app", "app.sock"), r));
  // A loopback TCP forwarder to the daemon socket, like `socat TCP-LISTEN:… UNIX-CONNECT:…`.
  forwarder = createServer((c) => {
    const up = createConnection(d.socket);
    c.pipe(up).pipe(c);
    c.on("error", () => up.destroy());
    up.on("error", () => c.destroy());
  });
  await new Promise<void>((r) => forwarder.listen(0, "127.0.0.1", r));
  fwdPort = (forwarder.address() as { port: number }).port;

  await d.docker(["volume", "create", "--driver", "local", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${D}`, "sockvol"]);
  const S = d.socket;
  const run = (name: string, args: string[], cmd = ["sleep", "600"]) => d.docker(["run", "-d", "--name", name, "--network", "none", ...args, "mini:latest", ...cmd]);
  const create = (name: string, args: string[]) => d.docker(["create", "--name", name, "--network", "none", ...args, "mini:latest", "sleep", "600"]);
  await Promise.all([
    run("t-symlink", ["-v", `${join(D, "links", "innocent")}:/x`]),
    run("t-parent", ["-v", `${D}:/host`]),
    run("t-odd-dest", ["-v", `${S}:/opt/app/data.bin`]),
    run("t-ro", ["-v", `${S}:/var/run/docker.sock:ro`]),
    run("t-volume", ["-v", "sockvol:/v"]),
    create("t-holder", ["-v", `${S}:/var/run/docker.sock`]),
    run("t-containerd", ["-v", `${join(D, "exec", "containerd", "containerd.sock")}:/run/containerd/containerd.sock`]),
    run("t-groupadd", ["-u", "1000", "--group-add", String(dockerGid), "-v", `${S}:/var/run/docker.sock`]),
    run("t-nonroot", ["-u", "1000", "-v", `${S}:/var/run/docker.sock`]),
    run("t-exited", ["-v", `${S}:/var/run/docker.sock`], ["true"]),
    create("t-created", ["-v", `${S}:/var/run/docker.sock`]),
    run("t-pidtarget", ["--pid", "host", "-v", `${S}:/var/run/docker.sock`]),
    d.docker(["run", "-d", "--name", "t-nethost", "--network", "host", "-e", `DOCKER_HOST=tcp://127.0.0.1:${fwdPort}`, "-e", "API_TOKEN=s3cret-value", "mini:latest", "sleep", "600"]),
    create("t-device", ["--device", "/dev/zero:/dev/xdisk"]),
    run("t-appsock", ["-v", `${join(D, "app", "app.sock")}:/run/app.sock`]),
    create("t-missing", ["-v", `${join(D, "missing", "docker.sock")}:/var/run/docker.sock`]),
    run("t-emptydir", ["-v", `${join(D, "empty", "docker.sock")}:/var/run/docker.sock`]),
    run("t-clean", ["-u", "1000"]),
  ]);
  // Need their sources first.
  await Promise.all([
    run("t-volfrom", ["--volumes-from", "t-holder"]),
    run("t-pidjoin", ["--pid", "container:t-pidtarget"]),
  ]);
  // t-exited has exited by now (`true`); wait for it to be sure.
  await d.docker(["wait", "t-exited"]);
  // Someone uses the socket by hand: an exec into a holder (an `event` finding).
  await d.docker(["exec", "t-ro", "id"]);
  const env = { ...d.env };
  [result, runningOnly] = await Promise.all([
    auditDetailed({ flags: { host: d.host }, env, all: true, policy: defaultPolicy(), events: true }),
    auditDetailed({ flags: { host: d.host }, env, all: false, policy: defaultPolicy(), events: false, hostFacts: false }),
  ]);
});

after(async () => {
  forwarder?.close();
  appServer?.close();
  await d?.stop();
});

function of(name: string, r: AuditResult = result): Finding[] {
  return r.report.findings.filter((f) => f.object === `container:${name}`);
}
function concern(name: string, c: string): Finding[] {
  return of(name).filter((f) => f.concern === c);
}
function only(name: string, c: string): Finding {
  const fs = concern(name, c);
  assert.equal(fs.length, 1, `${name}: exactly one ${c} finding, got ${JSON.stringify(fs.map((f) => [f.rule, f.severity, f.message]), null, 1)}`);
  return fs[0]!;
}

test("report shape: audit kind, every container of --all, container location in findings", () => {
  assert.equal(result.report.kind, "audit");
  assert.equal(result.report.summary.containersAudited, 20);
  const f = only("t-ro", "socket-mount");
  assert.equal(f.location.container?.name, "t-ro");
  assert.equal(f.location.container?.state, "running");
  assert.match(f.location.container?.id ?? "", /^[0-9a-f]{64}$/);
});

test("a symlinked socket is followed to the daemon's socket: critical (root can open it)", () => {
  const f = only("t-symlink", "socket-mount");
  assert.equal(f.severity, "critical");
  assert.match(f.message, /resolves to .*docker\.sock/);
});

test("the socket's parent directory (not a well-known path): critical, found by the walk", () => {
  const f = only("t-parent", "socket-mount");
  assert.equal(f.rule, "resolved-socket-mount");
  assert.equal(f.severity, "critical");
  assert.ok(f.message.includes(d.socket), f.message);
});

test("an odd destination does not hide the socket; :ro does not lower the severity", () => {
  assert.equal(only("t-odd-dest", "socket-mount").severity, "critical");
  const ro = only("t-ro", "socket-mount");
  assert.equal(ro.severity, "critical");
  assert.match(ro.message, /read-only, which does not help/);
});

test("a named volume whose driver options bind the socket's directory: critical, via the volume", () => {
  const f = only("t-volume", "socket-mount");
  assert.equal(f.severity, "critical");
  assert.match(f.message, /named volume `sockvol`/);
});

test("volumes-from a created container: the running borrower is critical, the dormant holder high", () => {
  const f = only("t-volfrom", "socket-mount");
  assert.equal(f.severity, "critical");
  assert.match(f.message, /VolumesFrom t-holder/);
  assert.equal(only("t-holder", "socket-mount").severity, "high");
});

test("the containerd socket is a runtime socket too: critical", () => {
  const f = only("t-containerd", "socket-mount");
  assert.equal(f.severity, "critical");
  assert.match(f.message, /containerd/);
});

test("reachability: uid 1000 with --group-add <socket gid> is critical; uid 1000 without it is high", () => {
  assert.equal(only("t-groupadd", "socket-mount").severity, "critical");
  const nr = only("t-nonroot", "socket-mount");
  assert.equal(nr.severity, "high");
  assert.match(nr.message, /cannot open it/);
});

test("exited and created containers are reported (high, not dropped) with --all, and absent without it", () => {
  assert.equal(only("t-exited", "socket-mount").severity, "high");
  assert.equal(only("t-created", "socket-mount").severity, "high");
  assert.equal(only("t-exited", "socket-mount").location.container?.state, "exited");
  const names = new Set(runningOnly.workloads.map((w) => w.source.container?.name));
  assert.ok(!names.has("t-exited") && !names.has("t-created") && !names.has("t-holder"));
  assert.ok(names.has("t-ro"));
});

test("--pid container:<x> is resolved to what it joins: the host pid namespace and x's socket", () => {
  const ns = only("t-pidjoin", "host-namespace");
  assert.match(ns.message, /t-pidtarget/);
  const s = only("t-pidjoin", "socket-mount");
  assert.match(s.message, /pid namespace of container t-pidtarget/);
  assert.equal(s.severity, "critical");
});

test("--net host with DOCKER_HOST at a loopback TCP forwarder: critical; the forwarder itself is a host finding", () => {
  const f = only("t-nethost", "daemon-tcp");
  assert.equal(f.severity, "critical");
  const host = result.report.findings.filter((x) => x.object === "host" && x.rule === "docker-api-listener" && x.message.includes(`127.0.0.1:${fwdPort}`));
  assert.equal(host.length, 1, JSON.stringify(result.report.findings.filter((x) => x.object === "host").map((x) => x.message)));
  assert.equal(host[0]!.severity, "high");
  assert.match(host[0]!.message, /node/);
  // Env values other than DOCKER_HOST & co never reach the report.
  assert.ok(!JSON.stringify(result.report).includes("s3cret-value"));
  const w = result.workloads.find((x) => x.source.container?.name === "t-nethost")!;
  assert.deepEqual(w.env.find((e) => e.value.name === "API_TOKEN")?.value, { name: "API_TOKEN" });
});

test("a device is reported", () => {
  const f = only("t-device", "devices");
  assert.match(f.message, /\/dev\/zero/);
});

test("a benign application socket is not a runtime socket", () => {
  assert.equal(concern("t-appsock", "socket-mount").length, 0);
  assert.equal(concern("t-appsock", "host-path").length, 0);
});

test("a missing docker.sock path and an empty directory named docker.sock are at most low", () => {
  const m = only("t-missing", "socket-mount");
  assert.equal(m.severity, "low");
  const e = only("t-emptydir", "socket-mount");
  assert.equal(e.severity, "low");
  assert.match(e.message, /empty directory/);
});

test("clean control: nothing but the image provenance note", () => {
  const fs = of("t-clean");
  assert.deepEqual(fs.map((f) => f.concern), ["image"]);
  assert.equal(fs[0]!.severity, "medium");
  assert.match(fs[0]!.message, /never pulled from a registry/);
});

test("an exec into a container that holds the socket is an event finding", () => {
  const ev = result.report.findings.filter((f) => f.concern === "event");
  assert.equal(ev.length, 1, JSON.stringify(ev.map((f) => f.message)));
  assert.equal(ev[0]!.severity, "medium");
  assert.match(ev[0]!.message, /ran a command \(program id\) inside container t-ro, which holds a runtime socket/);
});

test("events in the window are read from the daemon", () => {
  // The setup created and started ~20 containers in the last minutes: their create events are in the host facts.
  const ev = result.hosts[0]!.events;
  assert.ok(ev.some((e) => e.type === "container" && e.action === "create" && e.attributes?.name === "t-clean"));
});

test("policy: an exception matching the container suppresses (kept, marked); allow.images accepts the local image", () => {
  const policy = parsePolicy(
    [
      "version: 1",
      "allow:",
      '  images: ["mini:*"]',
      "exceptions:",
      "  - concern: socket-mount",
      '    match: { container: "t-ro" }',
      "    reason: the test needs it",
      "    owner: audit-tests",
      "    expires: 2099-01-01",
    ].join("\n") + "\n",
    "sockwarden.yaml",
  );
  const fs = evaluate({ workloads: result.workloads, hosts: result.hosts }, policy, { now: new Date() });
  const ro = fs.filter((f) => f.object === "container:t-ro" && f.concern === "socket-mount");
  assert.equal(ro.length, 1);
  assert.equal(ro[0]!.suppressed, true);
  assert.equal(ro[0]!.suppression?.reason, "the test needs it");
  // Other containers' socket findings stay.
  assert.equal(fs.find((f) => f.object === "container:t-odd-dest" && f.concern === "socket-mount")?.suppressed, false);
  assert.equal(fs.filter((f) => f.concern === "image").length, 0);
});
