// `sockwarden watch` under a burst: N containers created as fast as the daemon allows.
//
//   node --import tsx bench/watch.ts [--containers 500] [--concurrency 16] [--inspect-concurrency 8]
//
// On a private dockerd (test/harness/dockerd.ts) with the watcher running (in-process, memory
// sink, no state file), creates N containers through the Engine API, `concurrency` requests at
// a time. One in two is risky, in two shapes: `-v /:/host` (two findings: the socket rule, as /
// holds the runtime sockets, and the host-path rule) and `--privileged` (one finding).
// Checks: every risky container alerted, no (container, rule) alerted twice, no benign one
// alerted. Prints
//   - create rate (what the daemon allowed) and the watcher's events/s over the same burst;
//   - alert latency p50/p99: alert handed to the sink − the create event's timeNano;
//   - the floor for that latency, measured in the same run: a bare /events reader that only
//     parses lines (no inspect, no rules): event received − timeNano.
// Asserts nothing about time (shared, noisy machines); exits 1 only if the correctness checks fail.
import { createTransport } from "../src/engine/transport.js";
import { EngineClient } from "../src/engine/client.js";
import { mapLimit } from "../src/engine/pool.js";
import { resolveEndpoint } from "../src/engine/contextstore.js";
import { defaultPolicy } from "../src/policy/types.js";
import { startWatch, type EngineEvent } from "../src/watch/index.js";
import { eventFilters, parseEventLine } from "../src/watch/events.js";
import { streamEvents } from "../src/watch/stream.js";
import { startDockerd } from "../test/harness/dockerd.js";
import { MemorySink } from "../test/watch/helpers.js";

const args = process.argv.slice(2);
const flag = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const N = flag("--containers", 500);
const CONC = flag("--concurrency", 16);
const INSPECT = flag("--inspect-concurrency", 8);

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const ms = (x: number) => `${x.toFixed(1)} ms`;
const nowNano = () => BigInt(Date.now()) * 1_000_000n + BigInt(Math.round((performance.now() % 1) * 1e6));

const d = await startDockerd();
let failed = false;
try {
  const endpoint = resolveEndpoint({ flags: { host: d.host }, env: {} });
  const client = new EngineClient(endpoint, { maxSockets: CONC + 2 });

  // The floor: a bare reader of the same stream.
  const bare = new Map<string, number>(); // container id → ms from timeNano to receipt
  const bareAbort = new AbortController();
  const bareTransport = createTransport(endpoint);
  let bareOpen!: () => void;
  const bareOpened = new Promise<void>((r) => (bareOpen = r));
  const bareDone = streamEvents(client, bareTransport, { filters: eventFilters() }, {
    onOpen: () => bareOpen(),
    onLine: (l) => {
      const e = parseEventLine(l);
      if (e && e.type === "container" && e.action === "create") bare.set(e.actorId, Number(nowNano() - e.timeNano) / 1e6);
    },
  }, bareAbort.signal).catch(() => undefined);
  await bareOpened;

  const sink = new MemorySink();
  const createEvents = new Map<string, EngineEvent>();
  let firstEventAt = 0;
  let lastEventAt = 0;
  let events = 0;
  const h = await startWatch({
    endpoint,
    policy: defaultPolicy(),
    sinks: [sink],
    state: false,
    concurrency: INSPECT,
    log: (m) => process.stderr.write(`watch: ${m}\n`),
    onEvent: (e) => {
      events++;
      lastEventAt = Date.now();
      firstEventAt ||= lastEventAt;
      if (e.type === "container" && e.action === "create") createEvents.set(e.actorId, e);
    },
  });

  const kinds = Array.from({ length: N }, (_, i) => (i % 4 === 0 ? "root-bind" : i % 4 === 2 ? "privileged" : "benign"));
  // Worked out by hand: `/` holds the runtime sockets (socket rule) and is the whole host
  // (host-path rule); `--privileged` is the privileged rule only (the `label=disable` the daemon
  // adds to a privileged container's SecurityOpt by itself is dropped by the audit's mapping).
  const expectedRules: Record<string, string[]> = { "root-bind": ["runtime-socket-mount", "sensitive-host-path"], privileged: ["privileged-container"], benign: [] };
  const t0 = Date.now();
  const created = await mapLimit(kinds, CONC, async (kind, i) => {
    const body: Record<string, unknown> = { Image: "mini:latest", Cmd: ["true"], HostConfig: {} };
    if (kind === "root-bind") (body.HostConfig as Record<string, unknown>).Binds = ["/:/host"];
    if (kind === "privileged") (body.HostConfig as Record<string, unknown>).Privileged = true;
    const r = await client.postJson<{ Id: string }>("/containers/create", body, { name: `bw-${i}` });
    return r.Id;
  });
  const createWall = Date.now() - t0;
  const ids = created.map((c) => (c.ok ? c.value : ""));
  const createErrors = created.filter((c) => !c.ok).length;

  const riskyIds = new Set(ids.filter((id, i) => id && kinds[i] !== "benign"));
  const expectedAlerts = ids.reduce((n, id, i) => n + (id ? expectedRules[kinds[i]!]!.length : 0), 0);
  await sink.waitFor((as) => as.filter((a) => a.event?.action === "create").length >= expectedAlerts, 300_000, `${expectedAlerts} alerts`).catch((e: Error) => {
    process.stderr.write(`${e.message.slice(0, 300)}\n`);
  });
  await h.idle();
  const judgedAt = Math.max(...sink.arrived, lastEventAt);

  // Correctness.
  const byContainer = new Map<string, string[]>();
  for (const a of sink.alerts) {
    const id = a.container?.id;
    if (!id) continue;
    const list = byContainer.get(id) ?? [];
    list.push(a.finding.rule);
    byContainer.set(id, list);
  }
  let missing = 0;
  let twice = 0;
  let benignAlerted = 0;
  let wrong = 0;
  ids.forEach((id, i) => {
    if (!id) return;
    const got = byContainer.get(id) ?? [];
    const want = expectedRules[kinds[i]!]!;
    if (want.length === 0 && got.length > 0) benignAlerted++;
    if (want.length > 0 && got.length === 0) missing++;
    if (new Set(got).size !== got.length) twice++;
    if ([...got].sort().join(",") !== want.join(",")) {
      if (wrong === 0) process.stderr.write(`first unexpected rule set: ${kinds[i]} got [${[...got].sort().join(",")}] want [${want.join(",")}]\n`);
      wrong++;
    }
  });

  // Latency: alert arrival − the create event's timeNano.
  const latency: number[] = [];
  sink.alerts.forEach((a, i) => {
    if (a.event?.action !== "create" || !a.timeNano) return;
    latency.push(Number(BigInt(sink.arrived[i]!) * 1_000_000n - BigInt(a.timeNano)) / 1e6);
  });
  const firstPerContainer = new Map<string, number>();
  sink.alerts.forEach((a, i) => {
    if (a.event?.action !== "create" || !a.timeNano || !a.container) return;
    if (!firstPerContainer.has(a.container.id)) firstPerContainer.set(a.container.id, Number(BigInt(sink.arrived[i]!) * 1_000_000n - BigInt(a.timeNano)) / 1e6);
  });
  const bareLat = [...bare.values()];
  if (args.includes("--trace")) {
    const slow = sink.alerts.map((a, i) => ({ i, rule: a.finding.rule, name: a.container?.name, lat: a.timeNano ? Number(BigInt(sink.arrived[i]!) * 1_000_000n - BigInt(a.timeNano)) / 1e6 : 0 })).sort((x, y) => y.lat - x.lat).slice(0, 8);
    for (const s of slow) process.stderr.write(`slow: #${s.i} ${s.name} ${s.rule} ${s.lat.toFixed(0)} ms\n`);
  }

  const rate = (n: number, msv: number) => (msv > 0 ? (n / (msv / 1000)).toFixed(0) : "n/a");
  console.log(`sockwarden watch bench: ${N} containers (${riskyIds.size} risky), ${CONC} creates in flight, watcher inspects ${INSPECT} at a time, dockerd ${(await client.getJson<{ Version: string }>("/version")).Version}`);
  console.log(`  daemon create rate        ${rate(N - createErrors, createWall)} containers/s (${createWall} ms for ${N - createErrors}; ${createErrors} create errors)`);
  if (createEvents.size !== N - createErrors) process.stderr.write(`create events seen by the watcher: ${createEvents.size}; by the bare reader: ${bare.size}\n`);
  console.log(`  watcher events            ${events} events in ${judgedAt - firstEventAt} ms from first event to last judgment = ${rate(events, judgedAt - firstEventAt)} events/s`);
  console.log(`  alerts                    ${sink.alerts.length} (expected ${expectedAlerts} from create events); missing risky ${missing}, duplicated ${twice}, benign alerted ${benignAlerted}, wrong rule set ${wrong}`);
  console.log(`  alert latency (all)       p50 ${ms(pct(latency, 50))}  p99 ${ms(pct(latency, 99))}  max ${ms(pct(latency, 100))}`);
  console.log(`  first alert per container p50 ${ms(pct([...firstPerContainer.values()], 50))}  p99 ${ms(pct([...firstPerContainer.values()], 99))}`);
  console.log(`  floor: bare /events read  p50 ${ms(pct(bareLat, 50))}  p99 ${ms(pct(bareLat, 99))}  (${bareLat.length} create events)`);
  console.log(`  ratio alert/floor         p50 ${(pct(latency, 50) / pct(bareLat, 50)).toFixed(1)}×  p99 ${(pct(latency, 99) / pct(bareLat, 99)).toFixed(1)}×`);
  failed = missing > 0 || twice > 0 || benignAlerted > 0 || wrong > 0 || createErrors > 0;
  if (failed) console.log("  FAILED: see the counts above");

  await h.stop();
  bareAbort.abort();
  await bareDone;
  bareTransport.close();
  client.close();
} finally {
  await d.stop();
}
process.exit(failed ? 1 : 0);
