import type { Report } from "../model/report.js";
import type { Finding, ScanError } from "../model/finding.js";
import { SEVERITIES } from "../model/severity.js";

/**
 * The JSON report: the stable contract (README "JSON output").
 *
 * ```
 * {"version":1,"tool":{"name","version"},
 *  "findings":[{"rule","concern","severity","title","message","location":{"file","line","column"},
 *               "object","suppressed","meaning","decision", …}],
 *  "errors":[{"file","line","message", …}],
 *  "summary":{…}}
 * ```
 * Keys always come in this order (then any extra keys, alphabetically), so two runs over the
 * same input give byte-identical output and diffs of reports are readable. The contract's keys
 * are always present: `location.file/line/column` and `errors[].line` are `null` when there is
 * none (an audited container has no file), rather than missing.
 */
export function renderJson(report: Report): string {
  return JSON.stringify(jsonReport(report), null, 2) + "\n";
}

/** The same, as an object (for callers that embed it). */
export function jsonReport(report: Report): Record<string, unknown> {
  return ordered(
    {
      ...report,
      tool: ordered(report.tool, ["name", "version"]),
      findings: report.findings.map(jsonFinding),
      errors: report.errors.map(jsonError),
      summary: jsonSummary(report.summary),
    },
    ["version", "tool", "kind", "target", "findings", "errors", "summary"],
  );
}

const FINDING_KEYS = [
  "rule",
  "concern",
  "severity",
  "title",
  "message",
  "location",
  "object",
  "suppressed",
  "suppression",
  "meaning",
  "decision",
  "action",
  "uncertain",
  "fingerprint",
  "docs",
  "host",
];

function jsonFinding(f: Finding): Record<string, unknown> {
  const loc = f.location;
  const location = ordered(
    {
      ...loc,
      file: loc.file ?? null,
      line: loc.line ?? null,
      column: loc.column ?? null,
      ...(loc.container ? { container: ordered(loc.container, ["id", "name", "state"]) } : {}),
    },
    ["file", "line", "column", "container", "host"],
  );
  return ordered(
    {
      ...f,
      location,
      ...(f.suppression ? { suppression: ordered(f.suppression, ["kind", "reason", "owner", "expires", "source"]) } : {}),
    },
    FINDING_KEYS,
  );
}

function jsonError(e: ScanError & { host?: string }): Record<string, unknown> {
  return ordered({ ...e, line: e.line ?? null, kind: e.kind ?? "error" }, ["file", "line", "message", "kind", "host"]);
}

function jsonSummary(s: Report["summary"]): Record<string, unknown> {
  // Most severe first, every severity present (0 included): scripts can read `.critical` blindly.
  const bySeverity: Record<string, number> = {};
  for (const sev of [...SEVERITIES].reverse()) bySeverity[sev] = s.bySeverity[sev] ?? 0;
  return ordered({ ...s, bySeverity, byConcern: { ...s.byConcern } }, [
    "total",
    "bySeverity",
    "byConcern",
    "suppressed",
    "errors",
    "filesScanned",
    "containersAudited",
    "hosts",
    "failOn",
    "failed",
  ]);
}

/** `obj`'s keys in `order` first, then the rest alphabetically; `undefined` values dropped. */
function ordered<T extends object>(obj: T, order: readonly string[]): Record<string, unknown> {
  const src = obj as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src).sort()) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out;
}
