import { audit } from "../audit/index.js";
import { inside, insideScript, renderInsideText } from "../audit/inside.js";
import { parseDuration } from "../policy/load.js";
import { exitCodeFor } from "../report/summary.js";
import { renderJson } from "../report/json.js";
import type { Severity } from "../model/severity.js";
import type { Report } from "../model/report.js";
import type { EndpointFlags } from "../engine/index.js";
import { EXIT, UsageError, emit, useColor } from "./io.js";
import { renderReport, type ReportFormat } from "./render.js";

/** The audit command's flags; TLS and `--config` are the docker client's (EndpointFlags). */
export interface AuditFlags extends Omit<EndpointFlags, "host" | "context"> {
  host: string[];
  context: string[];
  allContexts?: boolean;
  hostsFile?: string;
  concurrency?: string;
  all?: boolean;
  fromDisk?: string;
  format: ReportFormat;
  output?: string;
  failOn: Severity;
  policy?: string;
  since?: string;
  until?: string;
  events: boolean;
  hostFacts: boolean;
  timeout?: string;
  interval?: string;
  exitZero?: boolean;
  color?: boolean;
}

/** `--since 1h`, `--since 2026-11-28T10:00:00Z` or unix seconds → unix seconds. */
function timeFlag(name: string, v: string | undefined, now: number): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) return Number(v);
  const d = parseDuration(v);
  if (d !== undefined) return Math.floor((now - d) / 1000);
  const t = Date.parse(v);
  if (!Number.isNaN(t)) return Math.floor(t / 1000);
  throw new UsageError(`${name} ${JSON.stringify(v)}: use a duration (1h, 30m), an RFC 3339 time or unix seconds`);
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw new UsageError(`${name} takes a positive whole number, not ${JSON.stringify(v)}`);
  return Number(v);
}

export async function auditCommand(flags: AuditFlags): Promise<number> {
  const fleet = flags.host.length > 1 || flags.context.length > 1 || flags.allContexts === true || flags.hostsFile !== undefined || (flags.host.length > 0 && flags.context.length > 0);
  if (fleet && flags.fromDisk) throw new UsageError("--from-disk reads one host's state directory: it does not combine with several --host/--context, --all-contexts or --hosts-file");
  const interval = flags.interval === undefined ? undefined : parseDuration(flags.interval);
  if (flags.interval !== undefined && (interval === undefined || interval < 1000)) throw new UsageError(`--interval ${JSON.stringify(flags.interval)}: use a duration of at least 1s (30s, 10m, 1h)`);
  const tls: Omit<EndpointFlags, "host" | "context"> = { tls: flags.tls, tlsverify: flags.tlsverify, tlscacert: flags.tlscacert, tlscert: flags.tlscert, tlskey: flags.tlskey, config: flags.config };
  const timeoutMs = positiveInt("--timeout", flags.timeout);
  const concurrency = positiveInt("--concurrency", flags.concurrency);

  const once = async (): Promise<Report> => {
    const now = Date.now();
    const common = { since: timeFlag("--since", flags.since, now), until: timeFlag("--until", flags.until, now), events: flags.events, hostFacts: flags.hostFacts ? ("auto" as const) : false, timeoutMs };
    if (fleet) {
      const { auditFleet, selectTargets } = await import("../fleet/index.js");
      let sel;
      try {
        sel = selectTargets({ hosts: flags.host, contexts: flags.context, allContexts: flags.allContexts, hostsFile: flags.hostsFile, config: flags.config });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      for (const p of sel.problems) process.stderr.write(`sockwarden: ${p}\n`);
      return auditFleet(sel.targets, { concurrency, all: flags.all, policyFile: flags.policy, failOn: flags.failOn, flags: tls, audit: common, progress: interval === undefined });
    }
    return audit({
      flags: { ...tls, host: flags.host[0], context: flags.context[0] },
      all: flags.all,
      fromDisk: flags.fromDisk,
      policyFile: flags.policy,
      failOn: flags.failOn,
      concurrency,
      ...common,
    });
  };

  if (interval === undefined) {
    const report = await once();
    emit(await renderReport(report, flags.format, useColor(flags.color, flags.output)), flags.output);
    if (flags.exitZero) return EXIT.OK;
    const code = exitCodeFor(report, flags.failOn);
    // One host that could not be audited at all (daemon down, socket refused) is not a pass: the
    // gate says so with exit 2, unless findings already fail it. A fleet reports such hosts as
    // error entries and judges the rest.
    if (code === EXIT.OK && !fleet && (report.summary.containersAudited ?? 0) === 0 && report.errors.some((e) => e.kind !== "notice")) return EXIT.USAGE;
    return code;
  }

  // Repeating audit (the node DaemonSet): one report per run, JSON as one line each so a log
  // pipeline gets one record per audit; runs until SIGTERM/SIGINT.
  let stop = false;
  let wake: (() => void) | undefined;
  const onSignal = () => {
    stop = true;
    wake?.();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  while (!stop) {
    try {
      const report = await once();
      const out = flags.format === "json" ? JSON.stringify(JSON.parse(renderJson(report))) : await renderReport(report, flags.format, false);
      emit(out, flags.output === undefined ? undefined : flags.output);
    } catch (e) {
      // A failed run is reported and the next one is tried: a node agent must not die on one bad read.
      process.stderr.write(`sockwarden audit: ${(e as Error).message}\n`);
    }
    if (stop) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, interval);
    });
  }
  return EXIT.OK;
}

export async function insideCommand(flags: { format: "text" | "json"; printSh?: boolean; timeout?: string }): Promise<number> {
  if (flags.printSh) {
    process.stdout.write(insideScript());
    return EXIT.OK;
  }
  const r = await inside({ timeoutMs: positiveInt("--timeout", flags.timeout) });
  emit(flags.format === "json" ? JSON.stringify(r, null, 2) : renderInsideText(r), undefined);
  return r.verdict === "no-path-found" ? EXIT.OK : EXIT.FINDINGS;
}
