/**
 * `sockwarden diff OLD.json NEW.json`: what appeared, disappeared and changed severity between
 * two audit (or scan) reports, so a weekly audit shows drift.
 *
 * The core (`diffReports`) is pure. Findings are matched on a key:
 * - `host` + `fingerprint` when the finding has a fingerprint. The host is part of the key because
 *   a fingerprint is made from the rule, the daemon's own name, the object and the offending value:
 *   two daemons that call themselves the same (`docker info` Name) running a container of the same
 *   name would otherwise be one finding.
 * - else `rule` + `host` + `object` + where (container name, or file:line:column).
 * The same key twice in one report (possible when a report was edited or merged) is paired in order.
 *
 * A finding of a host that could not be audited in NEW (an `errors`/`hosts[].error` entry for it)
 * has not disappeared: nobody looked. Such findings are listed as `unverified`, not `disappeared`.
 */
import { readFileSync } from "node:fs";
import type { Finding } from "../model/finding.js";
import type { Report } from "../model/report.js";
import { SEVERITIES, isSeverity, severityRank, type Severity } from "../model/severity.js";
import { failsGate } from "./summary.js";

export interface SeverityChange {
  from: Severity;
  to: Severity;
  before: Finding;
  after: Finding;
}

export interface SuppressionChange {
  /** `suppressed`: the finding is now suppressed; `unsuppressed`: a suppression was removed or expired. */
  now: "suppressed" | "unsuppressed";
  before: Finding;
  after: Finding;
}

export interface ReportDiff {
  appeared: Finding[];
  disappeared: Finding[];
  severityChanged: SeverityChange[];
  suppressionChanged: SuppressionChange[];
  /** In OLD, absent from NEW, but NEW could not audit their host. */
  unverified: Finding[];
  /** Hosts NEW could not audit (from `hosts[].error`, or an error entry carrying `host`). */
  hostsNotAudited: string[];
  unchanged: number;
  old: { target?: string; findings: number };
  new: { target?: string; findings: number };
}

/** The matching key of a finding (see the module comment). */
export function findingKey(f: Finding): string {
  const host = f.host ?? f.location?.host ?? "";
  if (f.fingerprint) return `fp\u0000${host}\u0000${f.fingerprint}`;
  const loc = f.location ?? {};
  const where = loc.container?.name ?? `${loc.file ?? ""}:${loc.line ?? ""}:${loc.column ?? ""}`;
  return `rk\u0000${f.rule}\u0000${host}\u0000${f.object ?? ""}\u0000${where}`;
}

function hostsNotAudited(r: Report): string[] {
  const out = new Set<string>();
  for (const h of r.hosts ?? []) if (h.error) out.add(h.host);
  for (const e of r.errors ?? []) if (e.host && e.kind !== "notice") out.add(e.host);
  return [...out];
}

export function diffReports(oldR: Report, newR: Report): ReportDiff {
  const before = new Map<string, Finding[]>();
  for (const f of oldR.findings) {
    const k = findingKey(f);
    const list = before.get(k);
    if (list) list.push(f);
    else before.set(k, [f]);
  }
  const d: ReportDiff = {
    appeared: [],
    disappeared: [],
    severityChanged: [],
    suppressionChanged: [],
    unverified: [],
    hostsNotAudited: hostsNotAudited(newR),
    unchanged: 0,
    old: { ...(oldR.target !== undefined ? { target: oldR.target } : {}), findings: oldR.findings.length },
    new: { ...(newR.target !== undefined ? { target: newR.target } : {}), findings: newR.findings.length },
  };
  for (const after of newR.findings) {
    const list = before.get(findingKey(after));
    const prev = list?.shift();
    if (!prev) {
      d.appeared.push(after);
      continue;
    }
    let same = true;
    if (prev.severity !== after.severity) {
      d.severityChanged.push({ from: prev.severity, to: after.severity, before: prev, after });
      same = false;
    }
    if (!!prev.suppressed !== !!after.suppressed) {
      d.suppressionChanged.push({ now: after.suppressed ? "suppressed" : "unsuppressed", before: prev, after });
      same = false;
    }
    if (same) d.unchanged++;
  }
  const down = new Set(d.hostsNotAudited);
  for (const list of before.values()) {
    for (const f of list) {
      if (down.has(f.host ?? "")) d.unverified.push(f);
      else d.disappeared.push(f);
    }
  }
  const bySev = (a: Finding, b: Finding) => severityRank(b.severity) - severityRank(a.severity) || (a.host ?? "").localeCompare(b.host ?? "") || a.object.localeCompare(b.object) || a.rule.localeCompare(b.rule);
  d.appeared.sort(bySev);
  d.disappeared.sort(bySev);
  d.unverified.sort(bySev);
  d.severityChanged.sort((a, b) => bySev(a.after, b.after));
  return d;
}

/**
 * The findings of NEW that make the drift fail a gate at `failOn`: new ones, ones whose severity
 * went up, and ones whose suppression went away — each only if it fails the gate itself
 * (unsuppressed, action deny, severity ≥ failOn; the same gate as `scan`/`audit`).
 * A finding that went *down* in severity never fails the drift gate.
 */
export function driftFailures(d: ReportDiff, failOn: Severity): Finding[] {
  const out: Finding[] = [];
  for (const f of d.appeared) if (failsGate(f, failOn)) out.push(f);
  for (const c of d.severityChanged) if (severityRank(c.to) > severityRank(c.from) && failsGate(c.after, failOn)) out.push(c.after);
  for (const c of d.suppressionChanged) if (c.now === "unsuppressed" && failsGate(c.after, failOn) && !out.includes(c.after)) out.push(c.after);
  return out;
}

// ── renderers ─────────────────────────────────────────────────────────────────────────────────

function briefFinding(f: Finding): Record<string, unknown> {
  const o: Record<string, unknown> = {
    rule: f.rule,
    concern: f.concern,
    severity: f.severity,
    title: f.title,
    message: f.message,
    object: f.object,
    host: f.host ?? null,
    location: f.location ?? {},
    suppressed: !!f.suppressed,
    action: f.action,
    fingerprint: f.fingerprint ?? null,
  };
  return o;
}

/** JSON: stable key order, findings reduced to what identifies and explains them. */
export function renderDiffJson(d: ReportDiff, failOn: Severity): string {
  const failures = driftFailures(d, failOn);
  const out = {
    version: 1,
    kind: "diff",
    old: d.old,
    new: d.new,
    appeared: d.appeared.map(briefFinding),
    disappeared: d.disappeared.map(briefFinding),
    severityChanged: d.severityChanged.map((c) => ({ from: c.from, to: c.to, finding: briefFinding(c.after) })),
    suppressionChanged: d.suppressionChanged.map((c) => ({ now: c.now, finding: briefFinding(c.after) })),
    unverified: d.unverified.map(briefFinding),
    hostsNotAudited: d.hostsNotAudited,
    summary: {
      appeared: d.appeared.length,
      disappeared: d.disappeared.length,
      severityChanged: d.severityChanged.length,
      suppressionChanged: d.suppressionChanged.length,
      unverified: d.unverified.length,
      unchanged: d.unchanged,
      failOn,
      failed: failures.length > 0,
    },
  };
  return JSON.stringify(out, null, 2) + "\n";
}

/** One line per finding; control characters from the report are made visible (no terminal escapes). */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\n" || c === "\t" ? " " : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

function where(f: Finding): string {
  const parts: string[] = [];
  if (f.host) parts.push(f.host);
  if (f.location?.file) parts.push(`${f.location.file}${f.location.line ? `:${f.location.line}` : ""}`);
  parts.push(f.object);
  return oneLine(parts.join("  "));
}

export function renderDiffText(d: ReportDiff, failOn: Severity): string {
  const out: string[] = [];
  const sevCol = (s: string) => s.padEnd(8);
  out.push(`Drift: ${oneLine(d.old.target ?? "old report")} → ${oneLine(d.new.target ?? "new report")}`);
  out.push("");
  const section = (title: string, items: Finding[], mark: string) => {
    if (!items.length) return;
    out.push(`${title} (${items.length}):`);
    for (const f of items) {
      out.push(`  ${mark} ${sevCol(f.severity)}  ${f.concern}  ${where(f)}`);
      out.push(`      ${oneLine(f.title)}: ${oneLine(f.message)}`);
    }
    out.push("");
  };
  section("Appeared", d.appeared, "+");
  if (d.severityChanged.length) {
    out.push(`Severity changed (${d.severityChanged.length}):`);
    for (const c of d.severityChanged) {
      const dir = severityRank(c.to) > severityRank(c.from) ? "up" : "down";
      out.push(`  ~ ${c.from} → ${c.to} (${dir})  ${c.after.concern}  ${where(c.after)}`);
      out.push(`      ${oneLine(c.after.title)}: ${oneLine(c.after.message)}`);
    }
    out.push("");
  }
  if (d.suppressionChanged.length) {
    out.push(`Suppression changed (${d.suppressionChanged.length}):`);
    for (const c of d.suppressionChanged) out.push(`  ~ now ${c.now}  ${sevCol(c.after.severity)}  ${c.after.concern}  ${where(c.after)}`);
    out.push("");
  }
  section("Disappeared", d.disappeared, "-");
  if (d.hostsNotAudited.length) {
    out.push(`Not audited in the new report: ${d.hostsNotAudited.map(oneLine).join(", ")}`);
    section("Unverified (their host was not audited, so they may still be there)", d.unverified, "?");
    if (!d.unverified.length) out.push("");
  }
  const failures = driftFailures(d, failOn);
  out.push(
    `${d.appeared.length} appeared, ${d.disappeared.length} disappeared, ${d.severityChanged.length} changed severity, ` +
      `${d.suppressionChanged.length} changed suppression, ${d.unverified.length} unverified, ${d.unchanged} unchanged`,
  );
  out.push(failures.length ? `Gate (--fail-on ${failOn}): failed, ${failures.length} new or worse finding${failures.length === 1 ? "" : "s"} at or above ${failOn}` : `Gate (--fail-on ${failOn}): passed`);
  return out.join("\n") + "\n";
}

// ── reading reports ───────────────────────────────────────────────────────────────────────────

export class ReportFileError extends Error {
  override name = "ReportFileError";
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Check that `value` is a sockwarden JSON report well enough to diff; throw a message naming the first problem. */
export function parseReport(text: string, label: string): Report {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ReportFileError(`${label}: not valid JSON: ${(e as Error).message}`);
  }
  if (!isObj(v)) throw new ReportFileError(`${label}: not a sockwarden report (expected a JSON object with "version" and "findings")`);
  if (v.version !== 1) throw new ReportFileError(`${label}: unsupported report version ${JSON.stringify(v.version)} (this sockwarden reads version 1)`);
  if (!Array.isArray(v.findings)) throw new ReportFileError(`${label}: "findings" is missing or not an array`);
  v.findings.forEach((f, i) => {
    const at = `${label}: findings[${i}]`;
    if (!isObj(f)) throw new ReportFileError(`${at} is not an object`);
    for (const k of ["rule", "concern", "object"] as const) if (typeof f[k] !== "string") throw new ReportFileError(`${at}.${k} is missing or not a string`);
    if (!isSeverity(f.severity)) throw new ReportFileError(`${at}.severity is ${JSON.stringify(f.severity)}, expected one of ${SEVERITIES.join(", ")}`);
    for (const k of ["fingerprint", "host", "title", "message"] as const) if (f[k] !== undefined && f[k] !== null && typeof f[k] !== "string") throw new ReportFileError(`${at}.${k} is not a string`);
    if (f.location !== undefined && f.location !== null && !isObj(f.location)) throw new ReportFileError(`${at}.location is not an object`);
    // Normalize what the JSON reporter writes as null to what the model says is absent.
    if (f.host === null) delete f.host;
    if (f.fingerprint === null) delete f.fingerprint;
    if (!isObj(f.location)) f.location = {};
    f.title ??= "";
    f.message ??= "";
  });
  if (v.errors !== undefined && !Array.isArray(v.errors)) throw new ReportFileError(`${label}: "errors" is not an array`);
  if (v.hosts !== undefined && !Array.isArray(v.hosts)) throw new ReportFileError(`${label}: "hosts" is not an array`);
  const r = v as unknown as Report;
  r.errors = ((v.errors as unknown[] | undefined) ?? []).filter(isObj) as unknown as Report["errors"];
  if (r.hosts) r.hosts = r.hosts.filter((h) => isObj(h) && typeof h.host === "string");
  return r;
}

export function readReportFile(path: string): Report {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new ReportFileError(`${path}: cannot read: ${why}`);
  }
  return parseReport(text, path);
}

export interface DiffCommandOptions {
  format?: "json" | "text";
  /** Default `high`, as for `scan` and `audit`. */
  failOn?: Severity;
  /** Where the rendered diff goes (default process.stdout); messages go to `stderr`. */
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

/**
 * The CLI's `diff` command. Exit codes: 0 nothing new at or above `--fail-on`, 1 some new (or
 * worse, or no longer suppressed) finding at or above it, 2 a report could not be read or is not
 * a sockwarden JSON report (the message says which file and what is wrong).
 */
export function diffCommand(oldPath: string, newPath: string, opts: DiffCommandOptions = {}): 0 | 1 | 2 {
  const out = opts.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = opts.stderr ?? ((s: string) => void process.stderr.write(s));
  const failOn = opts.failOn ?? "high";
  let oldR: Report;
  let newR: Report;
  try {
    oldR = readReportFile(oldPath);
    newR = readReportFile(newPath);
  } catch (e) {
    if (!(e instanceof ReportFileError)) throw e;
    err(`sockwarden diff: ${e.message}\n`);
    return 2;
  }
  const d = diffReports(oldR, newR);
  out(opts.format === "json" ? renderDiffJson(d, failOn) : renderDiffText(d, failOn));
  return driftFailures(d, failOn).length > 0 ? 1 : 0;
}
