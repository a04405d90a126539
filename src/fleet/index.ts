/**
 * Fleet audit: the single-host `audit` (src/audit) over many endpoints at once, bounded, merged
 * into one Report. One failing host is an `errors` entry (with `host` and the reason: daemon down,
 * permission denied, ssh failure, bad context…) and a `hosts[].error`, never a failed run.
 * Every finding carries `host` = the endpoint's label (the canonical URL as given, or the context
 * name): daemons often share a name (`docker info` Name), endpoints do not.
 */
import type { Finding, ScanError } from "../model/finding.js";
import type { HostSummary, Report } from "../model/report.js";
import { SEVERITIES, type Severity } from "../model/severity.js";
import type { Policy } from "../policy/types.js";
import { loadPolicy } from "../policy/load.js";
import { summarize } from "../report/summary.js";
import { TOOL } from "../version.js";
import { auditDetailed, type AuditOptions, type AuditResult } from "../audit/index.js";
import { EndpointError, EngineError, mapLimit, type EndpointFlags, type Env } from "../engine/index.js";
import { FleetInputError, dedupeTargets, targetLabel, type FleetTarget } from "./targets.js";
import { defaultProgress, silentProgress, type ProgressSink } from "./progress.js";

export interface FleetOptions {
  /** Hosts audited at the same time (default 8). */
  concurrency?: number;
  /** `--all`: created and exited containers too. */
  all?: boolean;
  policy?: Policy;
  policyFile?: string;
  failOn?: Severity;
  /** Flags shared by every endpoint: TLS (`--tlsverify`, `--tlscacert`…), `--config`. */
  flags?: Omit<EndpointFlags, "host" | "context">;
  env?: Env;
  /** Passed to each single-host audit (events window, timeouts, ssh program, host facts…). */
  audit?: Omit<AuditOptions, "flags" | "env" | "all" | "policy" | "policyFile" | "failOn" | "fromDisk">;
  /** A host still running after this long is given up on with a `timeout` error (default 10 minutes). */
  hostTimeoutMs?: number;
  /** `true`: stderr's progress line on a TTY (the default); `false`: silent; or a custom sink. */
  progress?: boolean | ProgressSink;
  now?: Date;
  /** Test seam: the single-host audit (default `auditDetailed`). */
  auditHost?: (opts: AuditOptions) => Promise<AuditResult>;
}

/** What a host's failure is called in `hosts[].error.kind` and at the front of its error message. */
const KIND_WORDS: Record<string, string> = {
  "daemon-down": "daemon down",
  "permission-denied": "permission denied",
  ssh: "ssh failure",
  tls: "TLS failure",
  timeout: "timeout",
  protocol: "not a Docker API",
  http: "daemon error",
  endpoint: "invalid endpoint",
  internal: "audit failed",
};

interface HostOutcome {
  label: string;
  target: FleetTarget;
  findings: Finding[];
  errors: (ScanError & { host?: string })[];
  summary: HostSummary;
}

function emptyCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

function classify(e: unknown): { kind: string; message: string } {
  if (e instanceof EngineError) return { kind: e.kind, message: e.message };
  if (e instanceof EndpointError) return { kind: "endpoint", message: e.message };
  return { kind: "internal", message: e instanceof Error ? e.message : String(e) };
}

function withTimeout<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new EngineError("timeout", `the audit of ${label} did not finish within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`)), ms);
  });
  return Promise.race([p, timer]).finally(() => clearTimeout(t));
}

async function auditOne(t: FleetTarget, label: string, opts: FleetOptions, policy: Policy, now: Date): Promise<HostOutcome> {
  const flags: EndpointFlags = { ...(opts.flags ?? {}), ...(t.context !== undefined ? { context: t.context } : { host: t.host }) };
  const run = opts.auditHost ?? auditDetailed;
  const summary: HostSummary = { host: label, bySeverity: emptyCounts(), findings: 0, suppressed: 0, containers: 0 };
  const fail = (kind: string, message: string, endpoint: string): HostOutcome => {
    summary.error = { kind, message };
    return { label, target: t, findings: [], errors: [{ file: endpoint, message: `${KIND_WORDS[kind] ?? kind}: ${message}`, host: label }], summary };
  };
  let res: AuditResult;
  try {
    res = await withTimeout(
      run({ ...(opts.audit ?? {}), flags, env: opts.env ?? process.env, all: opts.all ?? false, policy, ...(opts.failOn ? { failOn: opts.failOn } : {}), now }),
      opts.hostTimeoutMs ?? 600_000,
      label,
    );
  } catch (e) {
    const c = classify(e);
    return fail(c.kind, c.message, t.host ?? `context ${t.context}`);
  }
  const viaSsh = res.endpoint?.transport === "ssh";
  const endpoint = res.endpoint?.url ?? res.report.target;
  if (endpoint) summary.endpoint = endpoint;
  // The single-host audit does not throw when the daemon cannot be reached: it records it as an
  // unreachable fact (and, for permission denied, still reports what the host shows without the API).
  const unreachable = res.hosts.flatMap((h) => h.unreachable ?? []);
  // Without the API the facts carry this machine's hostname, not the daemon's name.
  const daemonName = res.workloads.find((w) => w.source.host)?.source.host ?? (unreachable.length ? undefined : res.hosts.find((h) => h.host)?.host);
  if (daemonName) summary.name = daemonName;
  const findings = res.report.findings.map((f) => ({ ...f, host: label }));
  const errors = res.report.errors.map((e) => ({ ...e, host: label }));
  if (unreachable.length) {
    const u = { ...unreachable[0]! };
    // Over ssh, the connection closing before any HTTP answer means the ssh process ended (refused,
    // auth failed, no docker on the remote): the engine can see the pipe close before ssh's own exit
    // status, and then calls it a protocol error. Name it for what it is.
    if (viaSsh && u.kind === "protocol" && /ECONNRESET|socket hang up|EPIPE/.test(u.message)) {
      u.kind = "ssh";
      const own = errors.find((e) => e.file === u.endpoint && e.message === u.message);
      u.message = `ssh to ${res.endpoint?.ssh?.host ?? u.endpoint} ended before the Docker API answered (connection refused, authentication failed, or no \`docker system dial-stdio\` on the remote): ${u.message}`;
      if (own) own.message = u.message;
    }
    summary.error = { kind: u.kind, message: u.message };
    // The audit's own error entry for the endpoint says the same; name the reason up front.
    const own = errors.find((e) => e.file === u.endpoint && e.message === u.message);
    const msg = `${KIND_WORDS[u.kind] ?? u.kind}: ${u.message}`;
    if (own) own.message = msg;
    else errors.unshift({ file: u.endpoint, message: msg, host: label });
  }
  const s = summarize(findings, [], opts.failOn ?? "high");
  summary.bySeverity = s.bySeverity;
  summary.findings = s.total;
  summary.suppressed = s.suppressed;
  summary.containers = res.workloads.length;
  summary.inventory = res.workloads.map((w) => ({ name: w.source.container?.name ?? w.source.object, image: w.image?.value ?? "", state: w.source.container?.state ?? "" }));
  return { label, target: t, findings, errors, summary };
}

/**
 * Audit every target, at most `concurrency` at a time, and merge the results: findings in target
 * order (each host's findings in the audit's own order), errors with `host`, `hosts[]` per target.
 * Throws only on bad input (no targets, bad concurrency, an invalid policy), never for a host.
 */
export async function auditFleet(targets: FleetTarget[], opts: FleetOptions = {}): Promise<Report> {
  const list = dedupeTargets(targets);
  if (!list.length) throw new FleetInputError("no endpoints to audit: give --host, --context, --all-contexts or --hosts-file");
  for (const t of list) {
    if ((t.host === undefined) === (t.context === undefined)) throw new FleetInputError(`a fleet target needs exactly one of host or context (got ${JSON.stringify(t)})`);
  }
  const concurrency = opts.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new FleetInputError(`--concurrency must be a whole number of at least 1 (got ${concurrency})`);
  // One policy for the whole fleet, read once (an invalid policy throws before any host is touched).
  const policy = opts.policy ?? loadPolicy({ file: opts.policyFile, root: process.cwd() });
  const now = opts.now ?? new Date();
  const progress = opts.progress === false ? silentProgress : opts.progress === true || opts.progress === undefined ? defaultProgress() : opts.progress;

  progress.start(list.length);
  const settled = await mapLimit(list, concurrency, async (t) => {
    const label = targetLabel(t);
    const out = await auditOne(t, label, opts, policy, now);
    progress.hostDone(label, !!out.summary.error, out.summary.error?.kind);
    return out;
  });
  progress.end();

  const outcomes: HostOutcome[] = settled.map((r, i) => {
    if (r.ok) return r.value;
    // auditOne catches everything; this is the belt to its braces.
    const label = targetLabel(list[i]!);
    const c = classify(r.error);
    return {
      label,
      target: list[i]!,
      findings: [],
      errors: [{ file: list[i]!.host ?? `context ${list[i]!.context}`, message: `${KIND_WORDS[c.kind] ?? c.kind}: ${c.message}`, host: label }],
      summary: { host: label, bySeverity: emptyCounts(), findings: 0, suppressed: 0, containers: 0, error: c },
    };
  });

  const findings = outcomes.flatMap((o) => o.findings);
  const errors = outcomes.flatMap((o) => o.errors);
  const failOn = opts.failOn ?? "high";
  const report: Report = {
    version: 1,
    tool: { ...TOOL },
    kind: "audit",
    target: outcomes.map((o) => o.label).join(", "),
    findings,
    errors,
    summary: summarize(findings, errors, failOn),
    hosts: outcomes.map((o) => o.summary),
  };
  report.summary.containersAudited = outcomes.reduce((n, o) => n + o.summary.containers, 0);
  report.summary.hosts = outcomes.length;
  return report;
}

export { FleetInputError, checkEndpoint, listContexts, parseHostsFile, readHostsFile, selectTargets, targetLabel, type FleetSelection, type FleetTarget } from "./targets.js";
export { progressLine, silentProgress, ttyProgress, type ProgressSink } from "./progress.js";
