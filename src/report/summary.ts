import type { Finding, ScanError } from "../model/finding.js";
import type { Report, ReportSummary } from "../model/report.js";
import { CONCERNS, type Concern } from "../model/concern.js";
import { SEVERITIES, atLeast, type Severity } from "../model/severity.js";

/**
 * The summary every format prints, and the gate.
 *
 * Counting: `total`, `bySeverity` and `byConcern` count the findings that are *not* suppressed
 * (what the user still has to deal with); `suppressed` counts the others; `errors` counts
 * per-file errors, not notices (a symlink left out is a notice).
 *
 * The gate (`failed`, exit code 1): a finding fails it when it is not suppressed, the policy's
 * action for its concern is `deny`, and its severity is at or above `--fail-on`.
 * **A `warn` finding never fails the gate**, whatever its severity: `warn` is how a team
 * reports a concern without blocking on it (sockwarden.yaml `rules: { host-path: warn }`).
 * Per-file errors do not fail the gate by themselves either; they are reported in every format.
 * Exit code 2 (usage error, invalid policy, unreadable root) is the CLI's decision, not ours.
 */
export function summarize(findings: readonly Finding[], errors: readonly ScanError[], failOn: Severity): ReportSummary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const concernCounts = new Map<Concern, number>();
  let total = 0;
  let suppressed = 0;
  for (const f of findings) {
    if (f.suppressed) {
      suppressed++;
      continue;
    }
    total++;
    bySeverity[f.severity]++;
    concernCounts.set(f.concern, (concernCounts.get(f.concern) ?? 0) + 1);
  }
  // byConcern in the catalog's order, only concerns that occur (stable JSON).
  const byConcern: Partial<Record<Concern, number>> = {};
  for (const c of CONCERNS) {
    const n = concernCounts.get(c);
    if (n) byConcern[c] = n;
  }
  return {
    bySeverity,
    byConcern,
    total,
    suppressed,
    errors: errors.filter((e) => e.kind !== "notice").length,
    failOn,
    failed: findings.some((f) => failsGate(f, failOn)),
  };
}

/** Does this finding fail a gate at `failOn`? Unsuppressed, action deny, severity ≥ failOn. */
export function failsGate(f: Finding, failOn: Severity): boolean {
  return !f.suppressed && f.action === "deny" && atLeast(f.severity, failOn);
}

/** 0 = nothing unsuppressed with action deny at or above `failOn`; 1 = some. Computed from the
 *  findings themselves (not from `summary.failed`, which may have been made with another failOn). */
export function exitCodeFor(report: Pick<Report, "findings">, failOn: Severity): 0 | 1 {
  return report.findings.some((f) => failsGate(f, failOn)) ? 1 : 0;
}
