/**
 * Fleet audit over two real private dockerd instances (each its own socket) plus one endpoint that
 * is deliberately down, and the context store. Expected values come from what each daemon runs:
 * - d1 runs `f1-sock` (root, binds the daemon socket: critical runtime-socket-mount) and `f1-clean`.
 * - d2 has `f2-holder` *created* with the socket bound (dormant holder: high) and runs `f2-clean`.
 * - `down` is a socket path in an empty temp dir: nothing listens, so "daemon down".
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { auditFleet, selectTargets } from "../../src/fleet/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import type { Report } from "../../src/model/report.js";

let d1: Dockerd;
let d2: Dockerd;
let tmp: string;
let down: string;
let report: Report;

before(async () => {
  [d1, d2] = await Promise.all([startDockerd(), startDockerd()]);
  tmp = mkdtempSync(join(tmpdir(), "swfleet-"));
  down = `unix://${join(tmp, "nobody-home.sock")}`;
  await Promise.all([
    d1.docker(["run", "-d", "--name", "f1-sock", "--network", "none", "-v", `${d1.socket}:/var/run/docker.sock`, "mini:latest", "sleep", "600"]),
    d1.docker(["run", "-d", "--name", "f1-clean", "--network", "none", "-u", "1000", "mini:latest", "sleep", "600"]),
    d2.docker(["create", "--name", "f2-holder", "--network", "none", "-v", `${d2.socket}:/var/run/docker.sock`, "mini:latest", "sleep", "600"]),
    d2.docker(["run", "-d", "--name", "f2-clean", "--network", "none", "-u", "1000", "mini:latest", "sleep", "600"]),
  ]);
  report = await auditFleet([{ host: d1.host }, { host: d2.host }, { host: down }], {
    policy: defaultPolicy(),
    all: true,
    progress: false,
    env: d1.env,
    audit: { events: false, probeListeners: false },
  });
});

after(async () => {
  await Promise.all([d1?.stop(), d2?.stop()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("every finding carries the host it came from; live hosts' findings are there", () => {
  assert.ok(report.findings.length > 0);
  for (const f of report.findings) assert.ok(f.host === d1.host || f.host === d2.host, `finding without a live host: ${f.host}`);
  const sock = report.findings.find((f) => f.rule === "runtime-socket-mount" && f.object === "container:f1-sock");
  assert.equal(sock?.host, d1.host);
  assert.equal(sock?.severity, "critical"); // root, can open the socket, running
  const holder = report.findings.find((f) => f.rule === "runtime-socket-mount" && f.object === "container:f2-holder");
  assert.equal(holder?.host, d2.host);
  assert.equal(holder?.severity, "high"); // dormant holder: one `docker start` away
  // d2's containers are not d1's findings and vice versa.
  assert.ok(!report.findings.some((f) => f.host === d1.host && f.object.startsWith("container:f2-")));
  assert.ok(!report.findings.some((f) => f.host === d2.host && f.object.startsWith("container:f1-")));
});

test("the down endpoint is one error entry with its host and the reason, not a failed run", () => {
  const errs = report.errors.filter((e) => e.host === down);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!.message, /^daemon down: cannot connect to the Docker daemon at unix:\/\/.*nobody-home\.sock: no socket at that path/);
  assert.ok(!report.errors.some((e) => e.host === d1.host || e.host === d2.host), JSON.stringify(report.errors));
});

test("summary per host, in the order given", () => {
  const hs = report.hosts!;
  assert.deepEqual(hs.map((h) => h.host), [d1.host, d2.host, down]);
  assert.equal(hs[0]!.containers, 2);
  assert.equal(hs[1]!.containers, 2);
  assert.equal(hs[2]!.containers, 0);
  assert.deepEqual(hs[2]!.error?.kind, "daemon-down");
  // The daemon's name is only known from a daemon that answered (not this machine's hostname).
  assert.equal(hs[2]!.name, undefined);
  assert.ok(hs[0]!.name);
  assert.equal(hs[0]!.error, undefined);
  assert.ok(hs[0]!.bySeverity.critical >= 1);
  assert.ok(hs[1]!.bySeverity.high >= 1);
  assert.deepEqual(hs[0]!.inventory!.map((c) => `${c.name} ${c.image} ${c.state}`).sort(), ["f1-clean mini:latest running", "f1-sock mini:latest running"]);
  assert.deepEqual(hs[1]!.inventory!.map((c) => `${c.name} ${c.state}`).sort(), ["f2-clean running", "f2-holder created"]);
  // The per-host counts add up to the fleet's.
  assert.equal(hs.reduce((n, h) => n + h.findings, 0), report.summary.total);
  assert.equal(report.summary.containersAudited, 4);
  assert.equal(report.summary.hosts, 3);
  assert.equal(report.summary.failed, true);
});

test("--all-contexts: the context store's contexts (and default) audited as a fleet", async () => {
  const cfg = join(tmp, "cfg");
  const ctx = (name: string, host: string) => {
    const id = createHash("sha256").update(name).digest("hex");
    mkdirSync(join(cfg, "contexts", "meta", id), { recursive: true });
    writeFileSync(join(cfg, "contexts", "meta", id, "meta.json"), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  };
  ctx("prod-b", d2.host);
  ctx("prod-a", d1.host);
  // A broken store entry: reported as a problem, the others still audited.
  mkdirSync(join(cfg, "contexts", "meta", "0000"), { recursive: true });
  writeFileSync(join(cfg, "contexts", "meta", "0000", "meta.json"), "{not json");
  // `default` follows DOCKER_HOST, here the dead endpoint (never the machine's own daemon).
  const env = { ...d1.env, DOCKER_CONFIG: cfg, DOCKER_HOST: down };
  const sel = selectTargets({ allContexts: true, env });
  assert.deepEqual(sel.targets, [{ context: "default" }, { context: "prod-a" }, { context: "prod-b" }]);
  assert.equal(sel.problems.length, 1);
  assert.match(sel.problems[0]!, /0000\/meta\.json/);
  const r = await auditFleet(sel.targets, { policy: defaultPolicy(), all: true, progress: false, env, audit: { events: false, probeListeners: false, hostFacts: false } });
  assert.deepEqual(r.hosts!.map((h) => [h.host, h.endpoint, h.error?.kind ?? "ok"]), [
    ["default", down, "daemon-down"],
    ["prod-a", d1.host, "ok"],
    ["prod-b", d2.host, "ok"],
  ]);
  assert.equal(r.findings.find((f) => f.object === "container:f1-sock" && f.rule === "runtime-socket-mount")?.host, "prod-a");
  assert.equal(r.findings.find((f) => f.object === "container:f2-holder" && f.rule === "runtime-socket-mount")?.host, "prod-b");
});

test("a context that does not exist is that target's error, the rest goes on", async () => {
  const env = { ...d1.env, DOCKER_CONFIG: join(tmp, "emptycfg") };
  const r = await auditFleet([{ context: "ghost" }, { host: d1.host }], { policy: defaultPolicy(), progress: false, env, audit: { events: false, hostFacts: false } });
  assert.equal(r.hosts![0]!.error?.kind, "endpoint");
  assert.match(r.errors[0]!.message, /^invalid endpoint: context "ghost" does not exist/);
  assert.equal(r.errors[0]!.host, "ghost");
  assert.ok(r.findings.some((f) => f.host === d1.host && f.object === "container:f1-sock"));
});
