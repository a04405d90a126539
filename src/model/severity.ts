/** Severities, ordered. The order is the contract for `--fail-on` and for SARIF scores. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function isSeverity(s: unknown): s is Severity {
  return typeof s === "string" && (SEVERITIES as readonly string[]).includes(s);
}

export function atLeast(s: Severity, floor: Severity): boolean {
  return severityRank(s) >= severityRank(floor);
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/** One step down (critical → high …), never below info. */
export function lowerSeverity(s: Severity, steps = 1): Severity {
  return SEVERITIES[Math.max(0, severityRank(s) - steps)]!;
}

/** GitHub code scanning reads `security-severity` as a string score: >9 critical, 7–8.9 high, 4–6.9 medium. */
export const SECURITY_SEVERITY_SCORE: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.1",
};
