/**
 * The watcher: follows the daemon's `/events`, turns what appears (containers, execs, volumes,
 * plugins, images) into Workloads, lets the shared rules judge them, and sends each new finding
 * once to every sink. It never judges a configuration itself: `evaluate` does; the watcher only
 * adds facts about events (an exec into a socket holder, a container gone before inspect, a gap
 * in the stream, an image or plugin arriving) through ./rules.ts.
 *
 * Never losing events: the stream is reconnected with `since=<last timeNano>` (the daemon replays
 * from its buffer), a full audit runs on every reconnect, and a gap alert says that events may
 * have been missed. A create event is judged at once: the create event arrives before the
 * container can be started, let alone removed, so even a one-second container is judged on its
 * real configuration; when the inspect still loses the race (404), that is an alert too.
 */
import type { Endpoint } from "../engine/endpoint.js";
import { EngineClient } from "../engine/client.js";
import { EngineError } from "../engine/errors.js";
import { createTransport, type Transport } from "../engine/transport.js";
import { mapLimit } from "../engine/pool.js";
import { daemonDefaultsFromInfo, type DaemonDefaults } from "../engine/workload.js";
import type { Finding } from "../model/finding.js";
import type { ContainerRef } from "../model/location.js";
import type { Workload } from "../model/workload.js";
import { severityRank, type Severity } from "../model/severity.js";
import type { Policy } from "../policy/types.js";
import { imageAllowed } from "../policy/match.js";
import { evaluate } from "../rules/evaluate.js";
import { alertId, summarizeWorkload, type Alert, type AlertTrigger } from "./alert.js";
import { IMAGE_ARRIVAL_ACTIONS, PLUGIN_INSTALL_ACTIONS, actionLabel, eventFilters, eventKey, msToNano, nanoToIso, parseEventLine, timestampParam, type EngineEvent } from "./events.js";
import { createMetrics, type WatchMetrics } from "./metrics.js";
import { execIntoSocketHolder, imageNew, imageNotAllowed, inspectRace, pluginInstalled, streamGap, watchFinding } from "./rules.js";
import type { Sink, SinkHooks } from "./sinks/types.js";
import { emptyDaemonState, saveState, type DaemonState, type WatchStateFile } from "./state.js";
import { streamEvents } from "./stream.js";
import { containerWorkloads, pluginToWorkload, volumeToWorkload, type ContainerMapContext, type InspectLookups } from "./workload.js";
import { HostPathResolver, type KnownSocket } from "../audit/resolve.js";
import { stat } from "node:fs/promises";

export interface WatcherConfig {
  endpoint: Endpoint;
  policy: Policy;
  sinks: Sink[];
  state: WatchStateFile;
  /** Where to persist `state`; undefined = memory only. */
  statePath?: string;
  log(msg: string): void;
  onEvent?(e: EngineEvent): void;
  reconnect: { initialMs: number; maxMs: number };
  concurrency: number;
  requestTimeoutMs: number;
}

interface Known {
  findings: Finding[];
  /** Judged with a not-running state (created/exited): re-judge on `start`. */
  dormant?: boolean;
}

interface EmitContext {
  trigger: AlertTrigger;
  event?: EngineEvent;
  container?: ContainerRef;
  image?: string;
  workload?: Workload;
  /** State key to forget the memo by when the object goes away (`container:<id>` …). */
  subject: string;
  /** Remember the alert in the state file (dedupe); off for one-off watcher alerts. */
  remember?: boolean;
}

/** Host-path resolutions are refreshed this often (a socket may appear or go). */
const RESOLVER_TTL_MS = 30_000;
/** Resolved before the first judgment: the mounts escapes use most, so the first `-v /:/host`
 *  does not wait for a cold walk of `/` (0.1 s idle, seconds during a create storm). */
const WARM_PATHS = ["/", "/run", "/var/run", "/var/lib/docker"];

/** Remembers which paths were asked for, so a fresh resolver can be warmed with them. */
class TrackingResolver extends HostPathResolver {
  readonly paths = new Set<string>();
  override resolve(path: string) {
    if (this.paths.size < 10_000) this.paths.add(path);
    return super.resolve(path);
  }
}
const DORMANT = new Set(["created", "exited", "dead"]);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

function is404(e: unknown): boolean {
  return e instanceof EngineError && e.kind === "http" && e.details.status === 404;
}

function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

export class Watcher {
  readonly client: EngineClient;
  readonly metrics: WatchMetrics;
  private readonly transport: Transport;
  private readonly st: DaemonState;
  private readonly known = new Map<string, Known>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private lastTimeNano: bigint | undefined;
  private boundary = new Set<string>();
  private slots: number;
  private waiting: (() => void)[] = [];
  private stateDirty = false;
  private stateTimer: NodeJS.Timeout | undefined;
  private stateErrorLogged = false;
  private stopping = false;
  /** Events whose judging failed because the daemon went away: judged again after reconnect. */
  private retry: EngineEvent[] = [];
  private attempts = new WeakMap<EngineEvent, number>();
  private sweeping: Promise<void> | undefined;
  private readonly lookups: InspectLookups;
  private hostLabel: string | undefined;
  /** What the daemon stores in every container on its own (`/info`): learnt at start and again
   *  after every reconnect (a restarted daemon may have another default runtime). */
  private defaults: DaemonDefaults = {};
  /** The `/info` refresh after a reconnect: judging waits for it, so no container is mapped with
   *  the old daemon's defaults. */
  private defaultsFresh: Promise<void> = Promise.resolve();
  private knownSockets: KnownSocket[] = [];
  private resolver: { r: TrackingResolver; at: number; renewing?: boolean } | undefined;

  constructor(private readonly cfg: WatcherConfig) {
    this.client = new EngineClient(cfg.endpoint, { timeoutMs: cfg.requestTimeoutMs, maxSockets: cfg.concurrency + 2 });
    this.transport = createTransport(cfg.endpoint, { maxSockets: 2 });
    const key = cfg.endpoint.url;
    cfg.state.daemons[key] ??= emptyDaemonState();
    this.st = cfg.state.daemons[key]!;
    this.slots = Math.max(1, cfg.concurrency);
    this.metrics = createMetrics(() => this.current());
    const hooks: SinkHooks = {
      outcome: (kind, outcome, n = 1) => this.metrics.alerts.inc({ sink: kind, outcome }, n),
      log: (m) => cfg.log(m),
    };
    for (const s of cfg.sinks) s.bind?.(hooks);
    this.lookups = {
      container: (ref) => this.getOrUndefined(`/containers/${encodeURIComponent(ref)}/json`),
      volume: (name) => this.getOrUndefined(`/volumes/${encodeURIComponent(name)}`),
    };
  }

  /* ------------------------------------------------------------ lifecycle */

  /** The daemon's clock (`/info` SystemTime), so `since` never depends on our clock; also
   *  learns the host label and cgroup version the audit's mapping wants, and the daemon's own
   *  socket (by inode) when it is local. */
  async daemonNowNano(): Promise<bigint> {
    try {
      const info = await this.client.getJson<{ SystemTime?: string; Name?: string; CgroupVersion?: string; DefaultRuntime?: string }>("/info");
      this.learnInfo(info);
      const sp = this.cfg.endpoint.transport === "unix" ? this.cfg.endpoint.socketPath : undefined;
      if (sp && this.knownSockets.length === 0) {
        const st = await stat(sp).catch(() => undefined);
        if (st) this.knownSockets.push({ path: sp, runtime: "docker", dev: st.dev, ino: st.ino });
      }
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(info.SystemTime ?? "");
      if (m) {
        const ms = Date.parse(`${m[1]}${m[3]}`);
        if (Number.isFinite(ms)) return msToNano(ms) + BigInt((m[2] ?? "").padEnd(9, "0") || "0");
      }
    } catch {
      /* fall back to our clock */
    }
    return msToNano(Date.now());
  }

  private learnInfo(info: { Name?: string }): void {
    if (info.Name) this.hostLabel = info.Name;
    this.defaults = daemonDefaultsFromInfo(info);
  }

  /** After a reconnect: the daemon may have restarted with another configuration. On failure the
   *  defaults known so far stay. */
  private refreshInfo(): Promise<void> {
    const p = this.client.getJson<{ Name?: string; CgroupVersion?: string; DefaultRuntime?: string }>("/info").then(
      (info) => this.learnInfo(info),
      (e: Error) => this.cfg.log(`could not read /info after reconnecting (${e.message}); keeping the daemon defaults known so far`),
    );
    this.defaultsFresh = p;
    return p;
  }

  /** Where the stream starts: the last event the state file remembers for this daemon (so
   *  a restarted watcher replays what happened while it was down), else now. */
  async initialSince(): Promise<void> {
    const now = await this.daemonNowNano();
    this.mapContext(); // start warming the host-path resolver (local daemons)
    if (this.st.lastEventTimeNano) this.lastTimeNano = BigInt(this.st.lastEventTimeNano);
    else {
      this.lastTimeNano = now;
      // Remembered even if no event comes: the next run (or --once) replays from here.
      this.st.lastEventTimeNano = this.lastTimeNano.toString();
      this.markDirty();
    }
  }

  /**
   * Follow the stream until `stop()`. `opened` resolves at the first successful connection.
   * On every reconnect after a drop: count it, alert the gap, run a full audit, re-judge what
   * failed while the daemon was away.
   */
  follow(opened: () => void): Promise<void> {
    const run = async () => {
      let attempt = 0;
      let droppedAt: Date | undefined;
      let dropWhy = "";
      let daemonWasDown = false;
      let first = true;
      while (!this.stopping) {
        const query: Record<string, string> = { filters: eventFilters() };
        if (this.lastTimeNano !== undefined) query.since = timestampParam(this.lastTimeNano);
        try {
          const how = await streamEvents(
            this.client,
            this.transport,
            query,
            {
              onOpen: () => {
                attempt = 0;
                if (first) {
                  first = false;
                  opened();
                } else if (droppedAt) {
                  this.metrics.reconnects.inc();
                  this.cfg.log(`event stream back after ${Math.round((Date.now() - droppedAt.getTime()) / 100) / 10} s; replaying since the last event and running a full audit`);
                  this.reconnected(droppedAt, dropWhy, daemonWasDown);
                  droppedAt = undefined;
                  daemonWasDown = false;
                }
              },
              onLine: (line) => this.onLine(line),
            },
            this.abort.signal,
            this.cfg.requestTimeoutMs,
          );
          if (how === "aborted") break;
          dropWhy = "the daemon ended the event stream";
        } catch (e) {
          dropWhy = (e as Error).message;
          if (e instanceof EngineError && e.kind === "daemon-down") daemonWasDown = true;
        }
        if (this.stopping) break;
        if (!droppedAt) {
          droppedAt = new Date();
          this.cfg.log(`event stream lost (${dropWhy}); reconnecting`);
        }
        const delay = Math.min(this.cfg.reconnect.maxMs, this.cfg.reconnect.initialMs * 2 ** Math.min(attempt, 20));
        attempt++;
        // Jitter (±20 %) so many watchers do not hammer a restarting daemon in step.
        await sleep(delay * (0.8 + Math.random() * 0.4), this.abort.signal);
      }
    };
    return run();
  }

  private reconnected(droppedAt: Date, why: string, daemonWasDown: boolean): void {
    const now = new Date();
    const f = watchFinding(
      streamGap,
      {
        key: droppedAt.toISOString(),
        message:
          `The event stream from ${this.client.describe} was down from ${droppedAt.toISOString()} to ${now.toISOString()} (${why}). ` +
          `Events since ${this.lastTimeNano !== undefined ? nanoToIso(this.lastTimeNano) : "the start"} were requested again` +
          (daemonWasDown ? ", but the daemon was unreachable and may have restarted: events from before its restart are gone from its memory" : ", but the daemon keeps only its last 256 events") +
          ". A full audit is running to catch what still exists; a container created and removed in the gap cannot be seen.",
      },
      this.cfg.policy,
      { location: {}, object: "watcher", subjectKey: `gap:${droppedAt.toISOString()}` },
      now,
    );
    if (f && !f.suppressed) this.emit(f, { trigger: "watcher", subject: "watcher", remember: false });
    const again = this.retry.splice(0);
    this.track(
      this.refreshInfo().then(() => this.sweep("reconnect", droppedAt)).then(() => {
        for (const e of again) this.dispatch(e);
      }),
    );
  }

  /** Stop following; wait (up to `deadline`) for judgments in flight; persist the state. */
  async stop(deadline: number): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await Promise.race([this.idle(), sleep(Math.max(0, deadline - Date.now()))]);
    if (this.stateTimer) clearTimeout(this.stateTimer);
    this.saveNow();
    this.client.close();
    this.transport.close();
  }

  /** Resolves when everything received so far has been judged and handed to the sinks. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Replay `[since, until]` from the daemon's buffer and return (for `--once`). */
  async replay(untilNano: bigint): Promise<void> {
    if (this.lastTimeNano === undefined || this.lastTimeNano >= untilNano) return;
    await streamEvents(
      this.client,
      this.transport,
      { filters: eventFilters(), since: timestampParam(this.lastTimeNano), until: timestampParam(untilNano) },
      { onOpen: () => undefined, onLine: (l) => this.onLine(l) },
      this.abort.signal,
      this.cfg.requestTimeoutMs,
    );
    await this.idle();
  }

  /* ------------------------------------------------------------ events */

  private onLine(line: string): void {
    const e = parseEventLine(line);
    if (!e) return;
    const k = eventKey(e);
    if (this.lastTimeNano !== undefined) {
      if (e.timeNano < this.lastTimeNano) {
        /* older than what we have: a replay overlap (the daemon sends >= since) */
        if (this.boundary.has(k)) return;
      } else if (e.timeNano === this.lastTimeNano) {
        if (this.boundary.has(k)) return;
      } else {
        this.boundary = new Set();
      }
    }
    if (this.lastTimeNano === undefined || e.timeNano >= this.lastTimeNano) this.lastTimeNano = e.timeNano;
    this.boundary.add(k);
    this.st.lastEventTimeNano = this.lastTimeNano.toString();
    this.markDirty();
    this.metrics.events.inc({ type: actionLabel(e.type), action: actionLabel(e.action) });
    try {
      this.cfg.onEvent?.(e);
    } catch {
      /* an observer's bug must not stop the watcher */
    }
    this.dispatch(e);
  }

  private dispatch(e: EngineEvent): void {
    const id = e.actorId;
    switch (e.type) {
      case "container":
        if (!id) return;
        if (e.action === "create") this.chain(`container:${id}`, () => this.onContainerCreate(e));
        else if (e.action === "exec_create") this.chain(`container:${id}`, () => this.onExec(e));
        else if (e.action === "start" || e.action === "update") this.chain(`container:${id}`, () => this.onContainerChange(e));
        else if (e.action === "destroy") this.chain(`container:${id}`, async () => this.forget(`container:${id}`));
        return;
      case "volume":
        if (!id) return;
        if (e.action === "create") this.chain(`volume:${id}`, () => this.onVolume(e));
        else if (e.action === "destroy") this.chain(`volume:${id}`, async () => this.forget(`volume:${id}`));
        return;
      case "plugin":
        if (!id) return;
        if (PLUGIN_INSTALL_ACTIONS.has(e.action)) this.chain(`plugin:${id}`, () => this.onPlugin(e));
        else if (e.action === "remove") this.chain(`plugin:${id}`, async () => this.forget(`plugin:${id}`));
        return;
      case "image":
        if (id && IMAGE_ARRIVAL_ACTIONS.has(e.action)) this.chain(`image:${id}`, () => this.onImage(e));
        else if (id && e.action === "delete") this.chain(`image:${id}`, async () => void this.known.delete(`image:${id}`));
        return;
      default:
        return; // network events are counted only
    }
  }

  /** Jobs for one object run in event order; different objects run in parallel (bounded). */
  private chain(key: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const p: Promise<void> = prev
      .then(fn)
      .catch((err: unknown) => this.cfg.log(`${key}: ${(err as Error).message}`))
      .finally(() => {
        if (this.chains.get(key) === p) this.chains.delete(key);
      });
    this.chains.set(key, p);
    this.track(p);
    return p;
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) => this.cfg.log((err as Error).message));
    this.inflight.add(q);
    void q.finally(() => this.inflight.delete(q));
  }

  /** Bound the requests in flight: the engine client's timeout starts when a request is made,
   *  so hundreds queued in the HTTP agent would time out waiting for a socket. */
  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.slots === 0) await new Promise<void>((r) => this.waiting.push(r));
    else this.slots--;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.slots++;
    }
  }

  /** How containers are mapped. Mount sources are resolved on this host only when the daemon is
   *  local (a unix socket), like the audit; the resolver caches per path, so it is renewed every
   *  30 s to see sockets that appear or go. */
  private mapContext(): ContainerMapContext {
    const ctx: ContainerMapContext = { lookups: this.lookups, cgroupV1: this.defaults.cgroupnsHost === true };
    if (this.defaults.defaultRuntime) ctx.defaultRuntime = this.defaults.defaultRuntime;
    if (this.hostLabel) ctx.host = this.hostLabel;
    if (this.cfg.endpoint.transport === "unix") {
      this.resolver ??= { r: this.newResolver(WARM_PATHS), at: Date.now() };
      const cur = this.resolver;
      if (Date.now() - cur.at > RESOLVER_TTL_MS && !cur.renewing) {
        // Stale-while-revalidate: keep judging with the current one while a fresh one resolves
        // the same paths, then swap; a judgment never waits for a cold directory walk.
        cur.renewing = true;
        const next = this.newResolver([...cur.r.paths]);
        this.track(
          Promise.all([...cur.r.paths].map((p) => next.resolve(p).catch(() => undefined))).then(() => {
            this.resolver = { r: next, at: Date.now() };
          }),
        );
      }
      ctx.resolver = cur.r;
    }
    return ctx;
  }

  private warming: Promise<unknown> = Promise.resolve();

  private newResolver(warm: string[]): TrackingResolver {
    const r = new TrackingResolver({ known: [...this.knownSockets] });
    this.warming = Promise.all(warm.map((p) => r.resolve(p).catch(() => undefined)));
    return r;
  }

  /** Wait (at most `ms`) for the resolver's first warm-up, so start-up returns ready. */
  async warm(ms: number): Promise<void> {
    await Promise.race([this.warming, sleep(ms, this.abort.signal)]);
  }

  private async getOrUndefined<T>(path: string, query?: Record<string, string>): Promise<T | undefined> {
    try {
      return await this.limited(() => this.client.getJson<T>(path, query));
    } catch (e) {
      if (is404(e)) return undefined;
      throw e;
    }
  }

  /** A job failed on the way to the daemon. Daemon down: judge the event again after the
   *  stream reconnects (the reconnect audit runs first). A timeout or a cut connection while the
   *  daemon is up (a busy daemon): try again shortly, three times, then say so in the log. */
  private deferIfDaemonDown(e: EngineEvent, err: unknown): boolean {
    if (!(err instanceof EngineError) || this.stopping) return false;
    if (err.kind === "daemon-down") {
      if (this.retry.length < 10_000) this.retry.push(e);
      return true;
    }
    if (err.kind === "timeout" || err.kind === "protocol") {
      const n = (this.attempts.get(e) ?? 0) + 1;
      this.attempts.set(e, n);
      if (n > 3) return false;
      this.track(sleep(1000 * n, this.abort.signal).then(() => this.stopping || this.dispatch(e)));
      return true;
    }
    return false;
  }

  private async onContainerCreate(e: EngineEvent): Promise<void> {
    try {
      const inspect = await this.lookups.container(e.actorId);
      if (inspect === undefined) this.raceAlert(e);
      else await this.judgeContainer(inspect, { trigger: "event", event: e, asRunning: true });
    } catch (err) {
      if (!this.deferIfDaemonDown(e, err)) throw err;
    }
  }

  /** `start`/`update`: only re-judge what was judged dormant or changed; dedupe keeps alerts single. */
  private async onContainerChange(e: EngineEvent): Promise<void> {
    const k = this.known.get(`container:${e.actorId}`);
    if (k && !k.dormant && e.action === "start") return;
    try {
      const inspect = await this.lookups.container(e.actorId);
      if (inspect !== undefined) await this.judgeContainer(inspect, { trigger: "event", event: e, asRunning: false });
    } catch (err) {
      if (!this.deferIfDaemonDown(e, err)) throw err;
    }
  }

  /**
   * Judge one container with the shared rules. From a create event the container is judged as
   * it will run (`asRunning`): `docker run` is create + start, and the rules' "dormant container"
   * discount is for containers an audit finds idle, not for one being created right now.
   */
  private async judgeContainer(inspect: unknown, how: { trigger: AlertTrigger; event?: EngineEvent; asRunning: boolean }): Promise<void> {
    await this.defaultsFresh;
    const ws = await containerWorkloads(inspect, this.mapContext());
    const main = ws[0];
    if (!main) return;
    const real = main.source.container;
    if (!real) return;
    const judgedState = how.asRunning && DORMANT.has(real.state) ? "running" : real.state;
    main.source.container = { ...real, state: judgedState };
    let findings: Finding[];
    try {
      findings = evaluate({ workloads: ws }, this.cfg.policy, { reportPolicy: false }).filter((f) => !f.suppressed);
    } finally {
      main.source.container = real;
    }
    for (const f of findings) if (f.location.container?.id === real.id) f.location.container = real;
    const img = main.image?.value;
    if (img && this.cfg.policy.allow.images.length > 0 && !findings.some((f) => f.concern === "image" && f.location.container?.id === real.id) && !imageAllowed(img, this.cfg.policy.allow.images)) {
      const f = watchFinding(
        imageNotAllowed,
        { key: `container-image:${img}`, message: `Container ${real.name} runs image ${img}, which matches none of the policy's allow.images (${this.cfg.policy.allow.images.join(", ")}).` },
        this.cfg.policy,
        { location: { container: real }, object: main.source.object, subjectKey: real.id, subject: { container: real.name, image: img, labels: main.labels } },
        new Date(),
      );
      if (f && !f.suppressed) findings.push(f);
    }
    this.known.set(`container:${real.id}`, { findings, dormant: DORMANT.has(judgedState) });
    for (const f of findings) {
      const subjectId = f.location.container?.id ?? real.id;
      this.emit(f, { trigger: how.trigger, event: how.event, container: f.location.container ?? real, image: img, workload: main, subject: `container:${subjectId}` });
    }
  }

  private raceAlert(e: EngineEvent): void {
    const name = e.attributes.name ?? shortId(e.actorId);
    const image = e.attributes.image;
    const ref: ContainerRef = { id: e.actorId, name, state: "removed" };
    const f = watchFinding(
      inspectRace,
      {
        key: e.actorId,
        message:
          `Container ${name} (${shortId(e.actorId)}${image ? `, image ${image}` : ""}) was created at ${nanoToIso(e.timeNano)} and was gone before the watcher could inspect it: ` +
          "its configuration (mounts, privileges) is unknown. Containers that live for under a second are how socket abuse hides from audits.",
      },
      this.cfg.policy,
      { location: { container: ref }, object: `container:${name}`, subjectKey: e.actorId, subject: { container: name, ...(image ? { image } : {}) } },
      new Date(),
    );
    if (f && !f.suppressed) this.emit(f, { trigger: "event", event: e, container: ref, image, subject: `container:${e.actorId}` });
  }

  private async onExec(e: EngineEvent): Promise<void> {
    const key = `container:${e.actorId}`;
    if (!this.known.has(key)) {
      // Not judged yet (e.g. the watcher started after it): judge it now, with its real state.
      try {
        const inspect = await this.lookups.container(e.actorId);
        if (inspect !== undefined) await this.judgeContainer(inspect, { trigger: "event", event: e, asRunning: false });
      } catch (err) {
        if (this.deferIfDaemonDown(e, err)) return;
        throw err;
      }
    }
    const sockets = (this.known.get(key)?.findings ?? []).filter((f) => f.concern === "socket-mount" && f.location.container?.id === e.actorId);
    if (sockets.length === 0) return;
    const execId = e.attributes.execID ?? "";
    let detail = "";
    if (execId) {
      try {
        const x = await this.getOrUndefined<{ User?: string; Privileged?: boolean; ProcessConfig?: { entrypoint?: string; user?: string; privileged?: boolean } }>(`/exec/${encodeURIComponent(execId)}/json`);
        if (x) {
          const prog = (x.ProcessConfig?.entrypoint ?? "").split("/").pop() ?? "";
          const user = x.ProcessConfig?.user || x.User || "";
          const parts = [prog ? `program ${prog}` : "", user ? `user ${user}` : "the container's user", x.ProcessConfig?.privileged || x.Privileged ? "privileged" : ""].filter(Boolean);
          detail = ` (${parts.join(", ")})`;
        }
      } catch {
        /* the exec may be gone already; the event is enough */
      }
    }
    const ref = sockets[0]!.location.container!;
    const severity = sockets.map((f) => f.severity).reduce<Severity>((a, b) => (severityRank(b) > severityRank(a) ? b : a), "info");
    const f = watchFinding(
      execIntoSocketHolder,
      {
        key: execId || e.timeNano.toString(),
        severity,
        message: `A command was executed in container ${ref.name}${detail} at ${nanoToIso(e.timeNano)}; that container holds a runtime socket: ${sockets.map((s) => s.message.split(". ")[0]).join("; ")}.`,
      },
      this.cfg.policy,
      { location: { container: ref }, object: sockets[0]!.object, subjectKey: `${e.actorId}:exec:${execId}`, subject: { container: ref.name, ...(e.attributes.image ? { image: e.attributes.image } : {}) } },
      new Date(),
    );
    if (f && !f.suppressed) this.emit(f, { trigger: "event", event: e, container: ref, image: e.attributes.image, subject: key });
  }

  private async onVolume(e: EngineEvent): Promise<void> {
    let v: { Name?: string; Driver?: string; Options?: Record<string, string> | null; Labels?: Record<string, string> | null } | undefined;
    try {
      v = await this.lookups.volume(e.actorId);
    } catch (err) {
      if (this.deferIfDaemonDown(e, err)) return;
      throw err;
    }
    if (v) this.judgeVolume(v, "event", e);
  }

  private judgeVolume(v: { Name?: string; Driver?: string; Options?: Record<string, string> | null; Labels?: Record<string, string> | null }, trigger: AlertTrigger, e?: EngineEvent): void {
    const w = volumeToWorkload(v);
    const key = `volume:${v.Name ?? ""}`;
    if (!w) {
      this.known.set(key, { findings: [] });
      return;
    }
    const findings = evaluate({ workloads: [w] }, this.cfg.policy, { reportPolicy: false }).filter((f) => !f.suppressed);
    this.known.set(key, { findings });
    for (const f of findings) this.emit(f, { trigger, event: e, workload: w, subject: key });
  }

  private async onPlugin(e: EngineEvent): Promise<void> {
    let p: unknown;
    try {
      p = await this.getOrUndefined(`/plugins/${encodeURIComponent(e.actorId)}/json`);
    } catch (err) {
      if (this.deferIfDaemonDown(e, err)) return;
      throw err;
    }
    if (p !== undefined) this.judgePlugin(p, "event", e);
  }

  private judgePlugin(p: unknown, trigger: AlertTrigger, e?: EngineEvent): void {
    const w = pluginToWorkload(p);
    const o = (p ?? {}) as { Id?: string; Name?: string; Enabled?: boolean };
    const key = `plugin:${o.Id ?? o.Name ?? ""}`;
    const findings = evaluate({ workloads: [w] }, this.cfg.policy, { reportPolicy: false }).filter((f) => !f.suppressed);
    const asks = [
      w.capAdd.length ? `capabilities ${w.capAdd.map((c) => c.value).join(", ")}` : "",
      w.mounts.length ? `host mounts ${w.mounts.map((m) => m.hostPath).join(", ")}` : "",
      w.devices.length ? `devices ${w.devices.map((d) => d.value).join(", ")}` : "",
      Object.keys(w.namespaces).length ? `host ${Object.keys(w.namespaces).join("/")} namespace` : "",
    ].filter(Boolean);
    const installed = watchFinding(
      pluginInstalled,
      {
        key: o.Id ?? o.Name ?? "",
        severity: asks.length ? "high" : "medium",
        message: `Plugin ${o.Name ?? shortId(o.Id ?? "")} is installed${o.Enabled ? " and enabled" : ""}; it runs as root on the host${asks.length ? ` with ${asks.join("; ")}` : " and asks for no extra privileges"}.`,
      },
      this.cfg.policy,
      { location: {}, object: w.source.object, subjectKey: o.Id ?? o.Name ?? "", subject: { name: o.Name ?? "" } },
      new Date(),
    );
    if (installed && !installed.suppressed) findings.unshift(installed);
    this.known.set(key, { findings });
    for (const f of findings) this.emit(f, { trigger, event: e, workload: w, image: w.image?.value, subject: key });
  }

  private async onImage(e: EngineEvent): Promise<void> {
    let img: { Id?: string; RepoTags?: string[] | null } | undefined;
    try {
      img = await this.getOrUndefined(`/images/${encodeURIComponent(e.actorId)}/json`);
    } catch (err) {
      if (this.deferIfDaemonDown(e, err)) return;
      throw err;
    }
    if (!img?.Id) return;
    const names = [...(img.RepoTags ?? []).filter((t) => t !== "<none>:<none>")];
    if (e.attributes.name && !names.includes(e.attributes.name) && e.attributes.name.includes(":")) names.push(e.attributes.name);
    this.judgeImage(img.Id, names, "event", e);
  }

  private judgeImage(id: string, names: string[], trigger: AlertTrigger, e?: EngineEvent): void {
    const now = new Date();
    const shown = names[0] ?? shortId(id);
    const memo = this.st.images[id];
    const findings: Finding[] = [];
    if (!memo) {
      this.st.images[id] = { firstSeen: now.toISOString(), names };
      this.markDirty();
      if (this.st.imagesSeeded) {
        const f = watchFinding(
          imageNew,
          { key: id, message: `Image ${shown} (${shortId(id)}${names.length > 1 ? `; also ${names.slice(1).join(", ")}` : ""}) appeared on the host${e ? ` (${e.action} at ${nanoToIso(e.timeNano)})` : " while the watcher was not running"}.` },
          this.cfg.policy,
          { location: {}, object: `image:${shown}`, subjectKey: id, subject: { image: shown } },
          now,
        );
        if (f && !f.suppressed) findings.push(f);
      }
    } else {
      for (const n of names) if (!memo.names.includes(n)) memo.names.push(n);
    }
    const allow = this.cfg.policy.allow.images;
    if (allow.length > 0 && !(names.length ? names : [id]).some((n) => imageAllowed(n, allow))) {
      const f = watchFinding(
        imageNotAllowed,
        { key: `image:${id}`, message: `Image ${shown} (${shortId(id)}) matches none of the policy's allow.images (${allow.join(", ")}).` },
        this.cfg.policy,
        { location: {}, object: `image:${shown}`, subjectKey: id, subject: { image: shown } },
        now,
      );
      if (f && !f.suppressed) findings.push(f);
    }
    // Outside the allow-list is a standing fact (a gauge); "new" is a one-off event.
    this.known.set(`image:${id}`, { findings: findings.filter((f) => f.rule === imageNotAllowed.id) });
    for (const f of findings) this.emit(f, { trigger, event: e, image: shown, subject: `image:${id}` });
  }

  /** The object is gone: drop it from the gauges and forget its alerts (its id never returns). */
  private forget(key: string): void {
    this.known.delete(key);
    let changed = false;
    for (const [fp, m] of Object.entries(this.st.findings)) {
      if (m.subject === key) {
        delete this.st.findings[fp];
        changed = true;
      }
    }
    if (changed) this.markDirty();
  }

  /* ------------------------------------------------------------ full audit */

  /** List and judge everything that exists now. One at a time: a second request while one runs
   *  waits for it and then runs again (it may have been asked for because of a new gap). */
  sweep(reason: "start" | "reconnect" | "interval" | "once", gapFrom?: Date): Promise<void> {
    const prev = this.sweeping ?? Promise.resolve();
    const p = prev.then(() => this.sweepOnce(reason, gapFrom));
    this.sweeping = p.finally(() => {
      if (this.sweeping === p) this.sweeping = undefined;
    });
    return p;
  }

  /**
   * `gapFrom`: when the event stream was lost. A container created since then was created while
   * nobody watched: it is judged as its create event would have judged it (as it runs), even if
   * the sweep finds it already exited. Otherwise a one-shot `docker run --rm` in the gap would be
   * "dormant" here, and its create event, replayed just after, deduplicated against that.
   */
  private async sweepOnce(reason: string, gapFrom?: Date): Promise<void> {
    if (this.stopping && reason !== "once") return;
    const started = new Date().toISOString();
    const present = new Set<string>();
    try {
      const list = await this.limited(() => this.client.getJson<{ Id: string }[]>("/containers/json", { all: "1" }));
      for (const c of list) present.add(`container:${c.Id}`);
      await mapLimit(list, this.cfg.concurrency, async (c) => {
        // Through the container's chain, so a destroy event in flight cannot be undone.
        await this.chain(`container:${c.Id}`, async () => {
          const inspect = await this.lookups.container(c.Id);
          if (inspect !== undefined) await this.judgeContainer(inspect, { trigger: "audit", asRunning: gapFrom !== undefined && createdSince(inspect, gapFrom) });
        });
      });
      for (const k of [...this.known.keys()]) if (k.startsWith("container:") && !present.has(k) && !this.chains.has(k)) this.forget(k);

      const vols = await this.limited(() => this.client.getJson<{ Volumes?: { Name?: string; Driver?: string; Options?: Record<string, string> | null; Labels?: Record<string, string> | null }[] | null }>("/volumes"));
      for (const v of vols.Volumes ?? []) {
        present.add(`volume:${v.Name ?? ""}`);
        this.judgeVolume(v, "audit");
      }

      // Some engines (podman) have no plugin API: then plugin memos are simply not pruned.
      let pluginsListed = true;
      const plugins = await this.limited(() => this.client.getJson<unknown[]>("/plugins")).catch(() => {
        pluginsListed = false;
        return [] as unknown[];
      });
      for (const p of plugins) {
        const o = (p ?? {}) as { Id?: string; Name?: string };
        present.add(`plugin:${o.Id ?? o.Name ?? ""}`);
        this.judgePlugin(p, "audit");
      }

      const images = await this.limited(() => this.client.getJson<{ Id: string; RepoTags?: string[] | null }[]>("/images/json"));
      for (const im of images) this.judgeImage(im.Id, (im.RepoTags ?? []).filter((t) => t !== "<none>:<none>"), "audit");
      if (!this.st.imagesSeeded) {
        this.st.imagesSeeded = true;
        this.markDirty();
      }
      // Memos of objects that went away while nobody watched (their destroy event was never seen):
      // forget them, but only those older than this audit (newer ones were judged during it).
      for (const [fp, m] of Object.entries(this.st.findings)) {
        if (!(pluginsListed ? /^(container|volume|plugin):/ : /^(container|volume):/).test(m.subject) || present.has(m.subject) || this.chains.has(m.subject) || m.firstSeen >= started) continue;
        delete this.st.findings[fp];
        this.markDirty();
      }
      this.metrics.audits.inc({ outcome: "ok" });
    } catch (e) {
      this.metrics.audits.inc({ outcome: "failed" });
      this.cfg.log(`full audit (${reason}) failed: ${(e as Error).message}`);
    }
  }

  /* ------------------------------------------------------------ alerts */

  private emit(f: Finding, ctx: EmitContext): void {
    const now = new Date();
    const firstSeen = now.toISOString();
    if (ctx.remember !== false) {
      const memo = this.st.findings[f.fingerprint];
      if (memo) return; // already alerted for this container and finding
      this.st.findings[f.fingerprint] = { firstSeen, alertId: alertId(f.fingerprint), severity: f.severity, subject: ctx.subject };
      this.markDirty();
    }
    const a: Alert = {
      alertId: alertId(f.fingerprint),
      time: ctx.event ? nanoToIso(ctx.event.timeNano) : now.toISOString(),
      observedAt: now.toISOString(),
      trigger: ctx.trigger,
      firstSeen,
      finding: f,
    };
    if (ctx.event) {
      a.timeNano = ctx.event.timeNano.toString();
      a.event = { type: ctx.event.type, action: ctx.event.action };
      a.actor = { id: ctx.event.actorId };
      if (ctx.event.attributes.name) a.actor.name = ctx.event.attributes.name;
    }
    const image = ctx.image ?? ctx.event?.attributes.image;
    if (image) a.image = image;
    if (ctx.container) a.container = ctx.container;
    if (ctx.workload) a.config = summarizeWorkload(ctx.workload);
    for (const s of this.cfg.sinks) {
      try {
        s.send(a);
      } catch (e) {
        this.metrics.alerts.inc({ sink: s.kind, outcome: "failed" });
        this.cfg.log(`${s.describe}: ${(e as Error).message}`);
      }
    }
  }

  /** The findings of everything known now, one per fingerprint (a join's target counted once). */
  private current(): { findings: Iterable<Finding>; socketHolders: number } {
    const byFp = new Map<string, Finding>();
    const holders = new Set<string>();
    for (const [key, k] of this.known) {
      for (const f of k.findings) {
        byFp.set(f.fingerprint, f);
        if (f.concern === "socket-mount" && key.startsWith("container:") && f.location.container?.id === key.slice("container:".length)) holders.add(key);
      }
    }
    return { findings: byFp.values(), socketHolders: holders.size };
  }

  /* ------------------------------------------------------------ state */

  private markDirty(): void {
    this.stateDirty = true;
    if (!this.cfg.statePath || this.stateTimer || this.stopping) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      this.saveNow();
    }, 1000);
    this.stateTimer.unref();
  }

  saveNow(): void {
    if (!this.cfg.statePath || !this.stateDirty) return;
    try {
      saveState(this.cfg.statePath, this.cfg.state);
      this.stateDirty = false;
      this.stateErrorLogged = false;
    } catch (e) {
      if (!this.stateErrorLogged) this.cfg.log(`cannot write the state file ${this.cfg.statePath}: ${(e as Error).message} (alerts continue; a restart may repeat some)`);
      this.stateErrorLogged = true;
    }
  }
}

/** Was the container (an inspect document) created at or after `t`? Unknown dates: no. */
export function createdSince(inspect: unknown, t: Date): boolean {
  const created = (inspect as { Created?: unknown } | null)?.Created;
  if (typeof created !== "string") return false;
  const ms = Date.parse(created);
  return Number.isFinite(ms) && ms >= t.getTime();
}
