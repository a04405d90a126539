/**
 * `sockwarden watch` against a real private dockerd (test/harness/dockerd.ts): issue 7's Proof.
 * Expected severities are worked out from the rules by hand:
 * - `-v /:/host`, no user (root): sensitive-host-path on `/` writable = critical; runtime-socket-mount
 *   because `/` holds the runtime sockets, root = critical (judged as it runs: a create is a start
 *   to come).
 * - a bind of the daemon's socket file, root: runtime-socket-mount critical; an exec into it
 *   carries that severity.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUSYBOX, startDockerd, type Dockerd } from "../harness/dockerd.js";
import { startWatch, type EngineEvent, type WatchHandle } from "../../src/watch/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { MemorySink, metricValue, until } from "./helpers.js";

let d: Dockerd;
let tmp: string;
const handles: WatchHandle[] = [];

before(async () => {
  d = await startDockerd();
  tmp = mkdtempSync(join(tmpdir(), "swd-watch-"));
});
after(async () => {
  for (const h of handles) await h.stop().catch(() => undefined);
  await d?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function watch(extra: Parameters<typeof startWatch>[0] = {}) {
  const sink = new MemorySink();
  const events: EngineEvent[] = [];
  const logs: string[] = [];
  const h = await startWatch({
    host: d.host,
    policy: defaultPolicy(),
    sinks: [sink],
    state: false,
    log: (m) => logs.push(m),
    onEvent: (e) => events.push(e),
    reconnect: { initialMs: 100, maxMs: 2000 },
    ...extra,
  });
  handles.push(h);
  return { h, sink, events, logs };
}

const of = (name: string) => (a: { container?: { name: string } }) => a.container?.name === name;

test("a container started and removed within a second with -v /:/host: critical alerts with its real configuration", async () => {
  const { h, sink } = await watch();
  await d.docker(["run", "--rm", "--name", "blink", "-v", "/:/host", "mini:latest", "true"]);
  // `docker run --rm` returns once the container is gone: it no longer exists anywhere.
  assert.equal((await d.docker(["ps", "-aq", "--filter", "name=blink"])).stdout.trim(), "");
  await sink.waitFor((as) => as.filter(of("blink")).length >= 2, 60_000, "two alerts for blink");
  await h.idle();
  const mine = sink.alerts.filter(of("blink"));
  assert.deepEqual(mine.map((a) => `${a.finding.rule}:${a.finding.severity}`).sort(), ["runtime-socket-mount:critical", "sensitive-host-path:critical"]);
  for (const a of mine) {
    assert.equal(a.trigger, "event");
    assert.deepEqual(a.event, { type: "container", action: "create" });
    assert.equal(a.actor?.name, "blink");
    assert.equal(a.image, "mini:latest");
    assert.match(a.alertId, /^[0-9a-f]{24}$/);
    assert.match(a.timeNano!, /^\d{19}$/);
    // The real configuration, read by inspect before the container went away.
    assert.deepEqual(a.config?.mounts, [{ type: "bind", source: "/", target: "/host", readOnly: false }]);
    assert.equal(a.config?.image, "mini:latest");
    assert.equal(a.finding.object, "container:blink");
  }
  assert.notEqual(mine[0]!.alertId, mine[1]!.alertId);
  await h.stop();
});

test("exec into a socket-holding container alerts (without the command's arguments); a benign container and an exec into it do not", async () => {
  const { h, sink, events } = await watch();
  await d.docker(["run", "-d", "--name", "holder", "-v", `${d.socket}:/var/run/docker.sock`, "mini:latest", "sleep", "300"]);
  await sink.waitFor((as) => as.some((a) => of("holder")(a) && a.finding.rule === "runtime-socket-mount"), 60_000, "holder's socket alert");
  await d.docker(["exec", "holder", "echo", "s3cr3t-arg"]);
  await sink.waitFor((as) => as.some((a) => a.finding.rule === "watch-exec-into-socket-holder"), 60_000, "exec alert");
  const ex = sink.alerts.find((a) => a.finding.rule === "watch-exec-into-socket-holder")!;
  assert.equal(ex.container?.name, "holder");
  assert.equal(ex.finding.severity, "critical");
  assert.equal(ex.finding.concern, "event");
  assert.deepEqual(ex.event, { type: "container", action: "exec_create" });
  assert.match(ex.finding.message, /program echo/);
  assert.equal(JSON.stringify(sink.alerts).includes("s3cr3t-arg"), false, "exec arguments may be secrets: never in an alert");

  // Benign: no mounts, no privileges; and an exec into it.
  await d.docker(["run", "-d", "--name", "calm", "mini:latest", "sleep", "300"]);
  await d.docker(["exec", "calm", "true"]);
  await d.docker(["rm", "-f", "calm"]);
  const calmId = await until(() => events.find((e) => e.type === "container" && e.action === "destroy" && e.attributes.name === "calm")?.actorId, 60_000, "calm's destroy event");
  assert.ok(events.some((e) => e.action === "exec_create" && e.actorId === calmId), "the exec into calm was seen");
  await h.idle();
  assert.deepEqual(sink.alerts.filter((a) => a.container?.name === "calm" || a.actor?.id === calmId), []);
  await d.docker(["rm", "-f", "holder"]);
  await h.stop();
});

test("volume create with bind driver options is judged; a bind of a plain data dir is not", async () => {
  const { h, sink, events } = await watch();
  await d.docker(["volume", "create", "-d", "local", "-o", "type=none", "-o", "o=bind", "-o", "device=/run", "runvol"]);
  await d.docker(["volume", "create", "-d", "local", "-o", "type=none", "-o", "o=bind", "-o", `device=${tmp}`, "datavol"]);
  await until(() => events.some((e) => e.type === "volume" && e.actorId === "datavol"), 60_000, "datavol's event");
  await h.idle();
  const vol = sink.alerts.filter((a) => a.event?.type === "volume");
  // /run holds the runtime sockets: the socket rule (root by default: critical); the data dir: nothing.
  assert.deepEqual(vol.map((a) => [a.finding.object, a.finding.rule, a.finding.severity]), [["volume:runvol", "runtime-socket-mount", "critical"]]);
  await d.docker(["volume", "rm", "runvol", "datavol"]);
  await h.stop();
});

test("a webhook that hangs does not block the watcher, its drops are counted, and metrics carry no ids or paths", async () => {
  // A clean daemon, so the counts below are exactly what this test creates.
  const ids = (await d.docker(["ps", "-aq"])).stdout.split("\n").filter(Boolean);
  if (ids.length) await d.docker(["rm", "-f", ...ids]);
  const held: ServerResponse[] = [];
  const hook = createServer((_req, res) => void held.push(res)); // accepts, never answers
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  const port = (hook.address() as { port: number }).port;
  try {
    const mem = new MemorySink();
    const { h } = await watch({
      sinks: [mem, `webhook=http://127.0.0.1:${port}/hook`],
      webhook: { queueSize: 2, retries: 1, backoffMs: 20, timeoutMs: 60_000 },
      metrics: "127.0.0.1:0",
      flushTimeoutMs: 500,
    });
    const names = ["r1", "r2", "r3", "r4", "r5", "r6"];
    const created: string[] = [];
    for (const n of names) created.push((await d.docker(["create", "--name", n, "-v", "/:/host", "mini:latest", "true"])).stdout.trim());
    // 6 containers × 2 findings (socket-mount via "/", host-path "/") = 12 alerts, all reaching
    // the in-memory sink although the webhook has not answered a single one.
    const text0 = await until(async () => {
      const t = await (await fetch(`http://${h.metricsAddress}/metrics`)).text();
      return metricValue(t, "sockwarden_alerts_total", { sink: "memory", outcome: "sent" }) === 12 ? t : undefined;
    }, 60_000, "12 alerts in the memory sink");
    assert.equal(metricValue(text0, "sockwarden_containers_with_runtime_socket"), 6);
    assert.ok((metricValue(text0, "process_resident_memory_bytes") ?? 0) > 1024 * 1024, "the process's own figures follow the watcher's");
    assert.equal(metricValue(text0, "sockwarden_findings", { concern: "socket-mount", severity: "critical" }), 6);
    assert.equal(metricValue(text0, "sockwarden_findings", { concern: "host-path", severity: "critical" }), 6);
    assert.equal(metricValue(text0, "sockwarden_events_total", { type: "container", action: "create" }), 6);
    // One in flight, two waiting: at least 12 - 3 = 9 dropped already.
    assert.ok((metricValue(text0, "sockwarden_alerts_total", { sink: "webhook", outcome: "dropped" }) ?? 0) >= 9);
    for (const id of created) assert.equal(text0.includes(id.slice(0, 12)), false, "no container id in any label");
    assert.equal(text0.includes("/host"), false, "no path in any label");
    assert.equal(mem.alerts.length, 12);
    await h.stop(); // resolves although the webhook still hangs
    const t = await h.metrics();
    const sent = metricValue(t, "sockwarden_alerts_total", { sink: "webhook", outcome: "sent" }) ?? 0;
    const failed = metricValue(t, "sockwarden_alerts_total", { sink: "webhook", outcome: "failed" }) ?? 0;
    const dropped = metricValue(t, "sockwarden_alerts_total", { sink: "webhook", outcome: "dropped" }) ?? 0;
    assert.equal(sent, 0);
    assert.equal(sent + failed + dropped, 12, "every alert accounted for");
    await d.docker(["rm", "-f", ...created]);
  } finally {
    for (const r of held) r.destroy();
    hook.closeAllConnections();
    hook.close();
  }
});

test("killing and restarting dockerd while watching loses nothing started after the restart; the gap is alerted", async () => {
  const { h, sink, logs } = await watch({ reconnect: { initialMs: 200, maxMs: 3000 } });
  await d.docker(["run", "-d", "--name", "before", "-v", "/var/run:/hostrun", "mini:latest", "sleep", "300"]);
  await sink.waitFor((as) => as.some(of("before")), 60_000, "before's alert");
  await d.restart();
  // Right away, while the watcher may still be backing off: a one-shot container and a created one.
  await d.docker(["run", "--rm", "--name", "after1", "-v", "/:/host", "mini:latest", "true"]);
  await d.docker(["create", "--name", "after2", "--privileged", "mini:latest", "true"]);
  await sink.waitFor((as) => as.some(of("after1")) && as.some((a) => of("after2")(a) && a.finding.rule === "privileged-container"), 90_000, "alerts for after1 and after2");
  await sink.waitFor((as) => as.some((a) => a.finding.rule === "watch-event-gap"), 60_000, "gap alert");
  await h.idle();
  const gap = sink.alerts.find((a) => a.finding.rule === "watch-event-gap")!;
  assert.equal(gap.trigger, "watcher");
  assert.match(gap.finding.message, /may have restarted|256 events/);
  assert.ok((metricValue(await h.metrics(), "sockwarden_stream_reconnects_total") ?? 0) >= 1);
  assert.ok(logs.some((l) => /event stream lost/.test(l)));
  // The reconnect audit saw "before" again (stopped by the restart): no second alert for it.
  const beforeRules = sink.alerts.filter(of("before")).map((a) => a.finding.rule);
  assert.equal(new Set(beforeRules).size, beforeRules.length, `no duplicate alerts for before: ${beforeRules.join(", ")}`);
  const after1 = sink.alerts.filter(of("after1")).map((a) => `${a.finding.rule}:${a.finding.severity}`).sort();
  assert.deepEqual(after1, ["runtime-socket-mount:critical", "sensitive-host-path:critical"]);
  await d.docker(["rm", "-f", "before", "after2"]);
  await h.stop();
});

test("a restarted watcher replays from its state file: a container created and removed while it was down is alerted as gone; old findings are not repeated", async () => {
  const state = join(tmp, "state", "watch-state.json");
  const first = await watch({ state });
  await d.docker(["run", "-d", "--name", "keeper", "-v", "/:/host", "mini:latest", "sleep", "300"]);
  await first.sink.waitFor((as) => as.filter(of("keeper")).length >= 2, 60_000, "keeper's alerts");
  await first.h.stop();
  await d.docker(["run", "--rm", "--name", "ghost", "-v", "/:/host", "mini:latest", "true"]);
  const second = await watch({ state });
  await second.sink.waitFor((as) => as.some(of("ghost")), 60_000, "ghost's alert");
  await second.h.idle();
  const ghost = second.sink.alerts.filter(of("ghost"));
  assert.deepEqual(ghost.map((a) => a.finding.rule), ["watch-container-gone-before-inspect"]);
  assert.equal(ghost[0]!.container?.state, "removed");
  assert.equal(ghost[0]!.image, "mini:latest");
  assert.deepEqual(second.sink.alerts.filter(of("keeper")), [], "keeper was alerted by the first run");
  await d.docker(["rm", "-f", "keeper"]);
  await second.h.stop();
});

test("--once: one audit plus the events since the last run, then it stops by itself", async () => {
  const state = join(tmp, "once", "watch-state.json");
  const a = new MemorySink();
  const h1 = await startWatch({ host: d.host, policy: defaultPolicy(), sinks: [a], state, once: true, log: () => undefined });
  await h1.done;
  await d.docker(["create", "--name", "oncebad", "--pid", "host", "mini:latest", "true"]);
  const b = new MemorySink();
  const h2 = await startWatch({ host: d.host, policy: defaultPolicy(), sinks: [b], state, once: true, log: () => undefined });
  await h2.done;
  // Seen through the replayed create event (not only the audit): host-namespace for `--pid host`.
  // (The daemon adds `label=disable` to a --pid host container by itself; the audit's mapping
  // drops it as not the user's choice, so no confinement finding.)
  assert.deepEqual(b.alerts.filter(of("oncebad")).map((x) => `${x.finding.rule}:${x.trigger}`), ["host-namespace:event"]);
  await d.docker(["rm", "-f", "oncebad"]);
});

test("a plugin install is alerted with the privileges it was granted, judged by the shared rules", async () => {
  const { h, sink } = await watch();
  // `docker plugin create` from a local rootfs + config.json: no registry needed. The config asks
  // for CAP_SYS_ADMIN, a bind of /var/run and the host network.
  const pd = join(tmp, "plugin");
  mkdirSync(join(pd, "rootfs", "bin"), { recursive: true });
  copyFileSync(BUSYBOX, join(pd, "rootfs", "bin", "busybox"));
  chmodSync(join(pd, "rootfs", "bin", "busybox"), 0o755);
  symlinkSync("busybox", join(pd, "rootfs", "bin", "sh"));
  writeFileSync(
    join(pd, "config.json"),
    JSON.stringify({
      description: "test plugin",
      documentation: "",
      entrypoint: ["/bin/sh", "-c", "sleep 1000"],
      interface: { types: ["docker.volumedriver/1.0"], socket: "p.sock" },
      linux: { capabilities: ["CAP_SYS_ADMIN"] },
      mounts: [{ source: "/var/run", destination: "/hostrun", type: "bind", options: ["rbind"] }],
      network: { type: "host" },
    }),
  );
  await d.docker(["plugin", "create", "evil/plug:1", pd]);
  await sink.waitFor((as) => as.some((a) => a.finding.rule === "watch-plugin-installed"), 60_000, "plugin alert");
  await h.idle();
  const mine = sink.alerts.filter((a) => a.finding.object === "plugin:evil/plug:1");
  const installed = mine.find((a) => a.finding.rule === "watch-plugin-installed")!;
  // It asks for privileges: high (medium only for a plugin that asks for none).
  assert.equal(installed.finding.severity, "high");
  assert.match(installed.finding.message, /CAP_SYS_ADMIN/);
  assert.match(installed.finding.message, /\/var\/run/);
  assert.deepEqual(installed.event, { type: "plugin", action: "create" });
  // /var/run holds the runtime sockets and a plugin runs as root: the socket rule, critical.
  assert.equal(mine.find((a) => a.finding.rule === "runtime-socket-mount")?.finding.severity, "critical");
  assert.ok(mine.some((a) => a.finding.rule === "dangerous-capability"), "CAP_SYS_ADMIN");
  assert.ok(mine.some((a) => a.finding.rule === "host-namespace"), "host network");
  await d.docker(["plugin", "rm", "-f", "evil/plug:1"]);
  await h.stop();
});

test("images: one new to the host is alerted, and images outside allow.images (policy) are alerted for the image and its containers", async () => {
  const policy = defaultPolicy();
  policy.allow.images = ["mini:*"];
  const { h, sink } = await watch({ policy });
  await d.docker(["run", "--name", "base", "mini:latest", "true"]);
  await d.docker(["commit", "base", "made:1"]); // a new image id, named outside the allow-list
  await sink.waitFor((as) => as.some((a) => a.finding.rule === "watch-image-new"), 60_000, "image-new alert");
  await d.docker(["create", "--name", "frommade", "made:1", "true"]);
  await sink.waitFor((as) => as.some((a) => of("frommade")(a)), 60_000, "frommade's alert");
  await h.idle();
  const made = sink.alerts.filter((a) => a.finding.object === "image:made:1").map((a) => `${a.finding.rule}:${a.finding.severity}`).sort();
  assert.deepEqual(made, ["watch-image-new:info", "watch-image-not-allowed:medium"]);
  // The container is judged by the shared live-image rule (the audit's), on the allow-list only:
  // the watcher does not pass registry digests, so provenance is judged per image, not per container.
  const fm = sink.alerts.filter(of("frommade"));
  assert.deepEqual(fm.map((a) => `${a.finding.rule}:${a.finding.severity}`), ["live-image:medium"]);
  assert.match(fm[0]!.finding.message, /allow\.images/);
  assert.doesNotMatch(fm[0]!.finding.message, /never pulled/);
  // mini:latest is allowed and was on the host before the watcher started: nothing about it.
  assert.deepEqual(sink.alerts.filter((a) => a.finding.object === "image:mini:latest" || of("base")(a)), []);
  await d.docker(["rm", "-f", "base", "frommade"]);
  await h.stop();
});

test("--interval runs full audits periodically", async () => {
  const { h } = await watch({ interval: "1s" });
  // One audit at start, then one a second: wait for three (a hang guard, not a timing assertion).
  await until(async () => (metricValue(await h.metrics(), "sockwarden_audits_total", { outcome: "ok" }) ?? 0) >= 3, 60_000, "three audits");
  await h.stop();
});
