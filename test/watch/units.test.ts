/** Pure parts of the watcher and the sinks that need no daemon (real files, real HTTP servers). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { actionWord, eventKey, parseEventLine, timestampParam } from "../../src/watch/events.js";
import { defaultStatePath, loadState, saveState } from "../../src/watch/state.js";
import { parseListenAddress } from "../../src/watch/metrics.js";
import { FileSink, SinkSpecError, WebhookSink, sinkFromSpec } from "../../src/watch/sinks/index.js";
import { pluginToWorkload, volumeToWorkload } from "../../src/watch/workload.js";
import { alertId, type Alert } from "../../src/watch/alert.js";
import type { SinkOutcome } from "../../src/watch/sinks/types.js";

/** A minimal alert; sinks do not look inside. */
function alert(n: number): Alert {
  return {
    alertId: `a${n}`,
    time: "2026-01-01T00:00:00.000Z",
    observedAt: "2026-01-01T00:00:00.000Z",
    trigger: "event",
    firstSeen: "2026-01-01T00:00:00.000Z",
    finding: { rule: "r", concern: "event", severity: "high", title: "t", message: `m${n}`, location: {}, object: "o", suppressed: false, meaning: "", decision: "", action: "deny", fingerprint: `f${n}`, docs: "" },
  };
}

function counter() {
  const counts: Record<string, number> = {};
  const logs: string[] = [];
  return {
    counts,
    logs,
    hooks: { outcome: (k: string, o: SinkOutcome, n = 1) => void (counts[`${k}:${o}`] = (counts[`${k}:${o}`] ?? 0) + n), log: (m: string) => void logs.push(m) },
  };
}

test("events: timeNano is read exactly from the line (JSON.parse would round it)", () => {
  // A real 20.10 line (legacy fields present) and the API ≥ 1.52 shape without status/id/from.
  const legacy =
    '{"status":"exec_create: echo s3cret","id":"b867","from":"mini:latest","Type":"container","Action":"exec_create: echo s3cret","Actor":{"ID":"b867","Attributes":{"execID":"5902","image":"mini:latest","name":"s1"}},"scope":"local","time":1795901351,"timeNano":1795901351880523263}';
  const e = parseEventLine(legacy)!;
  assert.equal(e.timeNano, 1795901351880523263n);
  assert.notEqual(BigInt(JSON.parse(legacy).timeNano), 1795901351880523263n, "the reason for reading it from the text");
  assert.equal(e.type, "container");
  assert.equal(e.action, "exec_create", "the command after the colon is dropped (it may hold secrets)");
  assert.equal(e.actorId, "b867");
  assert.deepEqual(e.attributes, { execID: "5902", image: "mini:latest", name: "s1" });
  const modern = '\x1e{"Type":"volume","Action":"create","Actor":{"ID":"vb","Attributes":{"driver":"local"}},"scope":"local","time":1795901350,"timeNano":1795901350916276373}';
  const v = parseEventLine(modern)!;
  assert.deepEqual([v.type, v.action, v.actorId, v.timeNano], ["volume", "create", "vb", 1795901350916276373n]);
  // Only `time`: whole seconds.
  assert.equal(parseEventLine('{"Type":"image","Action":"tag","Actor":{"ID":"x"},"time":12}')!.timeNano, 12_000_000_000n);
  for (const bad of ["", "not json", "[]", '{"Type":"container"}', '{"Type":"container","Action":"create"}']) assert.equal(parseEventLine(bad), undefined, bad);
});

test("events: since/until parameter and the replay identity", () => {
  assert.equal(timestampParam(1795901351000000005n), "1795901351.000000005");
  assert.equal(timestampParam(1795901351880523263n), "1795901351.880523263");
  assert.equal(actionWord("health_status: healthy"), "health_status");
  const a = parseEventLine('{"Type":"container","Action":"start","Actor":{"ID":"c1"},"timeNano":5}')!;
  const b = parseEventLine('{"Type":"container","Action":"die","Actor":{"ID":"c1"},"timeNano":5}')!;
  assert.notEqual(eventKey(a), eventKey(b), "same time, different action: two events");
  assert.equal(eventKey(a), eventKey(parseEventLine('{"Type":"container","Action":"start","Actor":{"ID":"c1"},"timeNano":5}')!));
});

test("state: default path follows XDG_STATE_HOME (absolute only), else ~/.local/state", () => {
  assert.equal(defaultStatePath({ XDG_STATE_HOME: "/var/state" }, "/home/u"), "/var/state/sockwarden/watch-state.json");
  assert.equal(defaultStatePath({ XDG_STATE_HOME: "rel/dir" }, "/home/u"), "/home/u/.local/state/sockwarden/watch-state.json");
  assert.equal(defaultStatePath({}, "/home/u"), "/home/u/.local/state/sockwarden/watch-state.json");
});

test("state: atomic save and load round-trip; a corrupt file is moved aside, not fatal", () => {
  const dir = mkdtempSync(join(tmpdir(), "swd-state-"));
  try {
    const p = join(dir, "sub", "watch-state.json");
    assert.deepEqual(loadState(p).state, { version: 1, daemons: {} }, "missing file = empty state");
    const st = { version: 1 as const, daemons: { "unix:///x.sock": { lastEventTimeNano: "1795901351880523263", imagesSeeded: true, images: { "sha256:1": { firstSeen: "2026-01-01T00:00:00.000Z", names: ["mini:latest"] } }, findings: { fp1: { firstSeen: "2026-01-02T00:00:00.000Z", alertId: "abc", severity: "critical", subject: "container:c1" } } } } };
    saveState(p, st);
    assert.deepEqual(loadState(p).state, st);
    assert.deepEqual(readdirSync(join(dir, "sub")), ["watch-state.json"], "no temp file left behind");
    writeFileSync(p, "{ half written");
    const r = loadState(p);
    assert.deepEqual(r.state, { version: 1, daemons: {} });
    assert.match(r.problem!, /unusable.*moved it to .*corrupt-/);
    assert.equal(existsSync(p), false);
    assert.equal(readdirSync(join(dir, "sub")).filter((f) => f.startsWith("watch-state.json.corrupt-")).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("metrics: listen address parsing", () => {
  assert.deepEqual(parseListenAddress("127.0.0.1:9323"), { host: "127.0.0.1", port: 9323 });
  assert.deepEqual(parseListenAddress("[::1]:0"), { host: "::1", port: 0 });
  assert.deepEqual(parseListenAddress(":9323"), { port: 9323 });
  for (const bad of ["9323", "host", "1.2.3.4:99999", "a:b"]) assert.throws(() => parseListenAddress(bad), /ADDR:PORT|out of range/, bad);
});

test("sinks: specs; errors never echo a webhook URL (it may carry a token)", () => {
  assert.equal(sinkFromSpec("stdout").kind, "stdout");
  assert.equal(sinkFromSpec("file=/tmp/x.jsonl").kind, "file");
  const w = sinkFromSpec("webhook=https://user:tok3n@alerts.example/hook?key=s3cret");
  assert.equal(w.kind, "webhook");
  assert.equal(w.describe, "webhook https://alerts.example/hook");
  assert.throws(() => sinkFromSpec("webhook=ftp://tok3n@x/"), (e: Error) => e instanceof SinkSpecError && !e.message.includes("tok3n"));
  assert.throws(() => sinkFromSpec("webhook=not a url tok3n"), (e: Error) => e instanceof SinkSpecError && !e.message.includes("tok3n"));
  assert.throws(() => sinkFromSpec("file="), /needs a path/);
  assert.throws(() => sinkFromSpec("syslog"), /not available yet/);
  assert.throws(() => sinkFromSpec("kafka=x"), /unknown sink "kafka"/);
});

test("alert id: stable per fingerprint, different across fingerprints", () => {
  assert.match(alertId("f1"), /^[0-9a-f]{24}$/);
  assert.equal(alertId("f1"), alertId("f1"));
  assert.notEqual(alertId("f1"), alertId("f2"));
});

test("file sink: appends JSON lines; reopen() after a rename writes to a new file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "swd-file-"));
  try {
    const p = join(dir, "alerts.jsonl");
    writeFileSync(p, "existing\n");
    const s = new FileSink(p);
    const c = counter();
    s.bind(c.hooks);
    s.send(alert(1));
    renameSync(p, p + ".1"); // what logrotate does
    s.send(alert(2)); // still the old descriptor: lands in the renamed file
    s.reopen();
    s.send(alert(3));
    await s.close();
    const old = readFileSync(p + ".1", "utf8").split("\n").filter(Boolean);
    assert.equal(old[0], "existing", "append, not truncate");
    assert.deepEqual(old.slice(1).map((l) => (JSON.parse(l) as Alert).alertId), ["a1", "a2"]);
    assert.deepEqual(readFileSync(p, "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as Alert).alertId), ["a3"]);
    assert.equal(c.counts["file:sent"], 3);
    // A path that cannot be opened: counted as failed, logged, never thrown.
    const bad = new FileSink(join(dir, "no-such-dir", "x.jsonl"));
    bad.bind(c.hooks);
    bad.send(alert(4));
    assert.equal(c.counts["file:failed"], 1);
    assert.match(c.logs.join("\n"), /cannot write alert/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function listen(handler: (req: IncomingMessage, body: string, res: import("node:http").ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const a = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${a.port}/hook` };
}

test("webhook sink: retries 503s with backoff, then delivers the same JSON body", async () => {
  const bodies: string[] = [];
  const { server, url } = await listen((req, body, res) => {
    bodies.push(body);
    assert.equal(req.method, "POST");
    assert.equal(req.headers["content-type"], "application/json");
    res.writeHead(bodies.length <= 2 ? 503 : 200).end();
  });
  try {
    const s = new WebhookSink(url, { retries: 3, backoffMs: 5, timeoutMs: 5000 });
    const c = counter();
    s.bind(c.hooks);
    s.send(alert(7));
    await s.flush(Date.now() + 30_000);
    await s.close();
    // Two 503s then a 200: three identical POSTs, one alert sent.
    assert.equal(bodies.length, 3);
    assert.equal(new Set(bodies).size, 1);
    assert.equal((JSON.parse(bodies[0]!) as Alert).alertId, "a7");
    assert.deepEqual(c.counts, { "webhook:sent": 1 });
  } finally {
    server.close();
  }
});

test("webhook sink: a 400 is final (no retry), counted as failed", async () => {
  let n = 0;
  const { server, url } = await listen((_req, _body, res) => {
    n++;
    res.writeHead(400).end();
  });
  try {
    const s = new WebhookSink(url, { retries: 3, backoffMs: 5 });
    const c = counter();
    s.bind(c.hooks);
    s.send(alert(1));
    await s.flush(Date.now() + 30_000);
    await s.close();
    assert.equal(n, 1);
    assert.deepEqual(c.counts, { "webhook:failed": 1 });
  } finally {
    server.close();
  }
});

test("webhook sink: an endpoint that hangs never blocks send; the queue is bounded and every drop counted", async () => {
  const held: import("node:http").ServerResponse[] = [];
  const { server, url } = await listen((_req, _body, res) => void held.push(res)); // never answers
  try {
    const s = new WebhookSink(url, { queueSize: 3, retries: 0, timeoutMs: 60_000 });
    const c = counter();
    s.bind(c.hooks);
    for (let i = 0; i < 10; i++) s.send(alert(i)); // returns at once each time
    // The first is in flight, three wait, the other six pushed out the oldest waiting ones.
    assert.equal(s.queued, 3);
    assert.equal(c.counts["webhook:dropped"], 6);
    await s.flush(Date.now() + 200); // gives up at the deadline
    await s.close();
    // Shutdown: the in-flight one and the three waiting are dropped too; nothing sent or lost uncounted.
    assert.deepEqual(c.counts, { "webhook:dropped": 10 });
  } finally {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test("volume and plugin mapping: only host-binding volume options become mounts; plugin privileges become a workload", () => {
  assert.equal(volumeToWorkload({ Name: "plain", Driver: "local", Options: null }), undefined);
  assert.equal(volumeToWorkload({ Name: "nfs", Driver: "local", Options: { type: "nfs", o: "addr=10.0.0.1", device: ":/export" } }), undefined, "remote device");
  const v = volumeToWorkload({ Name: "vb", Driver: "local", Options: { type: "none", o: "bind", device: "/run" } })!;
  assert.equal(v.source.object, "volume:vb");
  assert.deepEqual(v.mounts.map((m) => [m.type, m.hostPath, m.readOnly]), [["volume", "/run", false]]);
  // Shape of GET /plugins/{name}/json (Config.Linux / Config.Mounts / Network / PidHost).
  const p = pluginToWorkload({
    Id: "abc",
    Name: "vieux/sshfs:latest",
    Enabled: true,
    Settings: { Mounts: [], Devices: [] },
    Config: { Linux: { Capabilities: ["CAP_SYS_ADMIN"], AllowAllDevices: false, Devices: [{ Path: "/dev/fuse" }] }, Mounts: [{ Source: "/var/run/docker.sock", Destination: "/run/docker.sock", Type: "bind", Options: ["rbind", "ro"] }], Network: { Type: "host" }, PidHost: false },
  });
  assert.equal(p.source.object, "plugin:vieux/sshfs:latest");
  assert.deepEqual(p.capAdd.map((c) => c.value), ["CAP_SYS_ADMIN"]);
  assert.deepEqual(p.mounts.map((m) => [m.hostPath, m.target, m.readOnly]), [["/var/run/docker.sock", "/run/docker.sock", true]]);
  assert.deepEqual(p.devices.map((d) => d.value), ["/dev/fuse"]);
  assert.equal(p.namespaces.network?.value.mode, "host");
  assert.equal(p.namespaces.pid, undefined);
});

test("startWatch: wrong options, sinks and an unreachable daemon are clear errors at start, not crashes later", async () => {
  const { startWatch } = await import("../../src/watch/index.js");
  const { defaultPolicy } = await import("../../src/policy/types.js");
  const dir = mkdtempSync(join(tmpdir(), "swd-start-"));
  try {
    const base = { policy: defaultPolicy(), state: false as const, log: () => undefined };
    await assert.rejects(startWatch({ ...base, host: `unix://${join(dir, "no.sock")}`, interval: "soon" }), /--interval wants a duration/);
    await assert.rejects(startWatch({ ...base, host: `unix://${join(dir, "no.sock")}`, interval: "10ms" }), /at least 1s/);
    await assert.rejects(startWatch({ ...base, host: `unix://${join(dir, "no.sock")}`, sinks: [] }), /no sink/);
    await assert.rejects(startWatch({ ...base, host: `unix://${join(dir, "no.sock")}`, sinks: [`file=${join(dir, "missing-dir", "a.jsonl")}`] }), /cannot open file .*a\.jsonl/);
    await assert.rejects(startWatch({ ...base, host: `unix://${join(dir, "no.sock")}`, sinks: ["file=" + join(dir, "a.jsonl")] }), (e: Error & { kind?: string }) => e.kind === "daemon-down" && /Is the docker daemon running/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
