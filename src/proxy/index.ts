/**
 * `startProxy`: the library entry of `sockwarden proxy`. The CLI parses flags and the policy
 * (`loadPolicy`), then calls this. A broken policy or proxy section throws before anything listens.
 */
import type { Server } from "node:net";
import type { Server as HttpServer } from "node:http";
import type { Policy } from "../policy/types.js";
import { DEFAULT_MAX_HEAD } from "./http1.js";
import { endpointPolicy } from "./presets.js";
import { listen, type ServerConfig } from "./server.js";
import { closeAgent, parseAddress } from "./upstream.js";
import { fileAuditLog, type AuditLog } from "./audit.js";
import { Metrics } from "./metrics.js";
import { BusyPoll, DEFAULT_BUSY_POLL_US, FirstByteTimes } from "./busypoll.js";
import { parseBusyPoll } from "../policy/load.js";

export interface ProxyOptions {
  /** Where to listen: `unix:///run/sockwarden/docker.sock` or `tcp://127.0.0.1:2375` (port 0 = any). */
  listen: string;
  /** The daemon: `unix:///var/run/docker.sock` or `tcp://127.0.0.1:2375`. */
  upstream: string;
  /** The loaded policy (its `proxy:` section supplies preset, endpoints, redact, ownership, auditLog). */
  policy: Policy;
  /** Overrides `proxy.preset` (flag wins over file). */
  preset?: string;
  /** Unix socket permissions (default 0o660) and group (name or gid). */
  socketMode?: number;
  socketGroup?: string | number;
  /** Mutual TLS; required for a non-loopback TCP listener. */
  tls?: { cert: string; key: string; ca: string };
  /** Accept bare-LF request lines (Jenkins docker-plugin's attach). Off by default. */
  allowBareLF?: boolean;
  /** Overrides `proxy.auditLog`; or pass an AuditLog object. */
  auditLog?: string | AuditLog;
  /** `host:port` for Prometheus `/metrics` (separate listener). */
  metricsListen?: string;
  /** Largest JSON body judged (default 8 MiB). */
  maxBody?: number;
  /** Resolve bind sources through symlinks on this host (default: true when upstream is a unix socket). */
  resolveSymlinks?: boolean;
  /** Overrides `proxy.busyPoll`: `250us`, `1ms`, `off` (see busypoll.ts). */
  busyPoll?: string;
}

export interface RunningProxy {
  address: string;
  metricsAddress?: string;
  /** Resolves when every finished request's audit record is written (records of Unix clients
   *  wait for their peer lookup, one `ss` run). */
  auditSettled(): Promise<void>;
  close(): Promise<void>;
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new Error(`policy ${where} must be a list of strings`);
  return v as string[];
}

export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const section = (opts.policy.proxy ?? {}) as Record<string, unknown>;
  const endpoints = (section.endpoints ?? {}) as Record<string, unknown>;
  const ep = endpointPolicy(opts.preset ?? (section.preset as string | undefined), strings(endpoints.allow, "proxy.endpoints.allow"), strings(endpoints.deny, "proxy.endpoints.deny"));
  const redact = strings(section.redact, "proxy.redact");
  const upstream = parseAddress(opts.upstream);
  const listenAddr = parseAddress(opts.listen);
  let audit: AuditLog | undefined;
  const auditOpt = opts.auditLog ?? (section.auditLog as string | undefined);
  if (typeof auditOpt === "string") audit = fileAuditLog(auditOpt);
  else if (auditOpt) audit = auditOpt;
  const metrics = new Metrics(ep.preset);
  const busySpec = opts.busyPoll ?? (section.busyPoll as string | undefined);
  const busyUs = busySpec === undefined ? DEFAULT_BUSY_POLL_US : parseBusyPoll(busySpec);
  if (typeof busyUs === "string") throw new Error(`busy-poll ${busyUs}`);
  const cfg: ServerConfig = {
    upstream,
    policy: opts.policy,
    endpoints: ep,
    redactEnv: redact.includes("env"),
    ownership: section.ownership === "label",
    allowBareLF: opts.allowBareLF ?? false,
    maxBody: opts.maxBody ?? 8 * 1024 * 1024,
    maxHead: DEFAULT_MAX_HEAD,
    resolveSymlinks: opts.resolveSymlinks ?? upstream.kind === "unix",
    metrics,
  };
  if (busyUs > 0) {
    cfg.busyPoll = { poll: new BusyPoll(busyUs), times: new FirstByteTimes() };
    metrics.busyPoll = cfg.busyPoll.poll;
  }
  if (audit) {
    cfg.audit = audit;
    cfg.auditPending = new Set();
  }
  const spec: Parameters<typeof listen>[0] = { address: listenAddr };
  if (opts.socketMode !== undefined) spec.mode = opts.socketMode;
  if (opts.socketGroup !== undefined) spec.group = opts.socketGroup;
  if (opts.tls) spec.tls = opts.tls;
  const { server, address, closeAll } = await listen(spec, cfg);
  let metricsServer: HttpServer | undefined;
  let metricsAddress: string | undefined;
  if (opts.metricsListen) {
    const m = /^(.*):([0-9]+)$/.exec(opts.metricsListen);
    if (!m) throw new Error(`metrics address must be host:port, got "${opts.metricsListen}"`);
    metricsServer = await metrics.serve(m[1]!.replace(/^\[|\]$/g, ""), Number(m[2]));
    const a = metricsServer.address();
    metricsAddress = typeof a === "object" && a ? `${a.address}:${a.port}` : opts.metricsListen;
  }
  const settled = async () => {
    while (cfg.auditPending?.size) await Promise.all([...cfg.auditPending]);
  };
  const out: RunningProxy = {
    address,
    auditSettled: settled,
    async close() {
      await closeServer(server, closeAll);
      closeAgent(upstream);
      if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
      // Records still waiting for a peer lookup are written before the log closes.
      await settled();
      await audit?.close();
    },
  };
  if (metricsAddress) out.metricsAddress = metricsAddress;
  return out;
}

function closeServer(s: Server, closeAll: () => void): Promise<void> {
  return new Promise((r) => {
    s.close(() => r());
    // Long-lived streams (events, attach) would hold close() forever.
    closeAll();
  });
}

export { endpointPolicy, PRESET_NAMES, presetKeys } from "./presets.js";
export { decide, denialMessage } from "./decide.js";
export type { AuditRecord, AuditLog } from "./audit.js";
export { memoryAuditLog } from "./audit.js";
