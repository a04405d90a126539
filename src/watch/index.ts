/**
 * `sockwarden watch` as a library: `startWatch(opts)` → a running watcher with `stop()`.
 * The CLI (the lead's `src/cli/watch.ts`) only maps flags onto `WatchOptions`:
 *   -H/--host, --context      → host, context (resolved exactly like `audit` and the docker CLI)
 *   --policy FILE             → policyFile
 *   --sink SPEC (repeatable)  → sinks (`stdout`, `file=<path>`, `webhook=<url>`)
 *   --metrics ADDR:PORT       → metrics
 *   --interval DURATION       → interval (Go-style: `10m`, `1h30m`)
 *   --state FILE              → state
 *   --once                    → once
 * and sets `signals: true` (SIGHUP reopens file sinks; SIGTERM/SIGINT stop gracefully), then
 * awaits `handle.done`.
 */
import type { Writable } from "node:stream";
import { resolveEndpoint } from "../engine/contextstore.js";
import type { Endpoint, Env } from "../engine/endpoint.js";
import { loadPolicy, parseDuration } from "../policy/load.js";
import type { Policy } from "../policy/types.js";
import type { EngineEvent } from "./events.js";
import { metricsText, serveMetrics } from "./metrics.js";
import { FileSink, sinkFromSpec, type Sink, type WebhookOptions } from "./sinks/index.js";
import { defaultStatePath, loadState, type WatchStateFile } from "./state.js";
import { Watcher } from "./watcher.js";

export type { Alert, AlertTrigger, WorkloadSummary } from "./alert.js";
export type { EngineEvent } from "./events.js";
export type { Sink, SinkHooks, SinkOutcome, WebhookOptions } from "./sinks/index.js";
export { StreamSink, FileSink, WebhookSink, SinkSpecError, sinkFromSpec } from "./sinks/index.js";
export { defaultStatePath } from "./state.js";
export { WATCH_METAS } from "./rules.js";

export interface WatchOptions {
  /** `-H/--host`. */
  host?: string;
  /** `--context`. */
  context?: string;
  /** An endpoint resolved by the caller (wins over host/context). */
  endpoint?: Endpoint;
  /** Environment for endpoint resolution and the state path (default process.env). */
  env?: Env;
  /** The policy; default `loadPolicy({ file: policyFile })` from the working directory. */
  policy?: Policy;
  policyFile?: string;
  /** Sink specs or instances. Default: the policy's `watch.sinks`, else `["stdout"]`. */
  sinks?: (string | Sink)[];
  /** Serve Prometheus metrics at `ADDR:PORT` (`/metrics`); port 0 picks a free one. */
  metrics?: string;
  /** Periodic full audit: milliseconds or a Go-style duration. Default the policy's `watch.interval`, else none. */
  interval?: number | string;
  /** One full audit plus a replay of the events since the last run (from the state file), then stop. */
  once?: boolean;
  /** State file path; `false` keeps state in memory only. Default `defaultStatePath()`. */
  state?: string | false;
  /** Install SIGHUP (reopen files) and SIGTERM/SIGINT (graceful stop) handlers. Default false. */
  signals?: boolean;
  webhook?: WebhookOptions;
  /** Reconnect backoff (defaults 250 ms doubling to 10 s). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** Inspects in flight at once (default 8). */
  concurrency?: number;
  /** Per-request timeout to the daemon (default 15 s). */
  requestTimeoutMs?: number;
  /** How long `stop()` waits for judgments and sinks to drain (default 5 s). */
  flushTimeoutMs?: number;
  /** Diagnostics (default: stderr). Never receives alert content or credentials. */
  log?: (message: string) => void;
  /** Observer called for every event received (after dedupe). */
  onEvent?: (e: EngineEvent) => void;
  /** Where the `stdout` sink writes (default process.stdout). */
  stdout?: Writable;
}

export interface WatchHandle {
  /** Stop following, let judgments in flight finish, flush and close the sinks, save the state. */
  stop(): Promise<void>;
  /** Resolves once stopped (by `stop()`, a signal, or the end of `--once`). */
  done: Promise<void>;
  endpoint: Endpoint;
  /** `host:port` the metrics server listens on, when `metrics` was given. */
  metricsAddress?: string;
  /** Resolves when every event received so far has been judged and handed to the sinks. */
  idle(): Promise<void>;
  /** The metrics in Prometheus text format (also without a metrics server). */
  metrics(): Promise<string>;
  /** Reopen file sinks (what SIGHUP does). */
  reopen(): void;
  /** Run a full audit now. */
  audit(): Promise<void>;
}

export class WatchOptionError extends Error {
  override name = "WatchOptionError";
}

function intervalMs(v: number | string | undefined): number | undefined {
  if (v === undefined || v === "" || v === 0) return undefined;
  const ms = typeof v === "number" ? v : parseDuration(v);
  if (ms === undefined || !Number.isFinite(ms)) throw new WatchOptionError(`--interval wants a duration such as 30s, 10m or 1h, got "${v}"`);
  if (ms < 1000) throw new WatchOptionError(`--interval must be at least 1s, got "${v}"`);
  return ms;
}

/** Start watching. Rejects with a clear error when the options, the policy, a sink, the state
 *  file or the first connection to the daemon is wrong; after that it never stops by itself
 *  (except `once`): a dropped stream is reconnected forever with backoff. */
export async function startWatch(opts: WatchOptions = {}): Promise<WatchHandle> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((m: string) => void process.stderr.write(`sockwarden watch: ${m}\n`));
  const endpoint = opts.endpoint ?? resolveEndpoint({ flags: { ...(opts.host ? { host: opts.host } : {}), ...(opts.context ? { context: opts.context } : {}) }, env });
  const policy = opts.policy ?? loadPolicy({ ...(opts.policyFile ? { file: opts.policyFile } : {}), env });
  const every = intervalMs(opts.interval ?? policy.watch?.interval);

  const specs = opts.sinks ?? policy.watch?.sinks ?? ["stdout"];
  if (specs.length === 0) throw new WatchOptionError("no sink: give at least one --sink (stdout, file=<path>, webhook=<url>)");
  const sinks = specs.map((s) => (typeof s === "string" ? sinkFromSpec(s, { ...(opts.webhook ? { webhook: opts.webhook } : {}), ...(opts.stdout ? { stdout: opts.stdout } : {}) }) : s));
  for (const s of sinks) {
    if (s instanceof FileSink) {
      try {
        s.open();
      } catch (e) {
        throw new WatchOptionError(`cannot open ${s.describe}: ${(e as Error).message}`);
      }
    }
  }

  const statePath = opts.state === false ? undefined : opts.state || defaultStatePath(env);
  let state: WatchStateFile = { version: 1, daemons: {} };
  if (statePath) {
    const loaded = loadState(statePath);
    state = loaded.state;
    if (loaded.problem) log(loaded.problem);
  }

  const w = new Watcher({
    endpoint,
    policy,
    sinks,
    state,
    ...(statePath ? { statePath } : {}),
    log,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    reconnect: { initialMs: opts.reconnect?.initialMs ?? 250, maxMs: opts.reconnect?.maxMs ?? 10_000 },
    concurrency: Math.max(1, opts.concurrency ?? 8),
    requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
  });

  /** Run before the watcher stops (timers, signal handlers). */
  const cleanup: (() => void)[] = [];
  /** Awaited after the watcher stopped (the follow loop, the metrics server). */
  const after: (() => Promise<void>)[] = [];
  let stopped: Promise<void> | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const flushMs = opts.flushTimeoutMs ?? 5000;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const deadline = Date.now() + flushMs;
      for (const c of cleanup.splice(0)) c();
      await w.stop(deadline);
      for (const a of after.splice(0)) await a().catch(() => undefined);
      await Promise.all(sinks.map((s) => s.flush(deadline).catch(() => undefined)));
      await Promise.all(sinks.map((s) => s.close().catch(() => undefined)));
      resolveDone();
    })();
    return stopped;
  };

  try {
    // Fail fast on a wrong endpoint, TLS or permissions: the first contact must work.
    await w.client.apiVersion();
  } catch (e) {
    await Promise.all(sinks.map((s) => s.close().catch(() => undefined)));
    w.client.close();
    throw e;
  }

  let metricsAddress: string | undefined;
  if (opts.metrics) {
    const { server, address } = await serveMetrics(w.metrics.registry, opts.metrics);
    metricsAddress = address;
    after.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );
  }

  const handle: WatchHandle = {
    stop,
    done,
    endpoint,
    ...(metricsAddress ? { metricsAddress } : {}),
    idle: () => w.idle(),
    metrics: () => metricsText(w.metrics.registry),
    reopen: () => {
      for (const s of sinks) s.reopen?.();
    },
    audit: () => w.sweep("interval"),
  };

  if (opts.signals) {
    const onHup = () => {
      log("SIGHUP: reopening file sinks");
      handle.reopen();
    };
    const onTerm = (sig: string) => () => {
      log(`${sig}: stopping (flushing sinks)`);
      void stop();
    };
    const term = onTerm("SIGTERM");
    const int = onTerm("SIGINT");
    process.on("SIGHUP", onHup);
    process.on("SIGTERM", term);
    process.on("SIGINT", int);
    cleanup.push(() => {
      process.off("SIGHUP", onHup);
      process.off("SIGTERM", term);
      process.off("SIGINT", int);
    });
  }

  await w.initialSince();
  if (opts.once) {
    try {
      await w.replay(await w.daemonNowNano());
      await w.sweep("once");
      await w.idle();
    } finally {
      await stop();
    }
    return handle;
  }

  // Follow first, audit second: anything that happens during the audit is in the stream.
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  const following = w.follow(opened);
  after.push(() => following.catch(() => undefined));
  await Promise.race([open, done]);
  await w.sweep("start");
  await w.warm(10_000);
  if (every) {
    const t = setInterval(() => void w.sweep("interval"), every);
    cleanup.push(() => clearInterval(t));
  }
  return handle;
}
