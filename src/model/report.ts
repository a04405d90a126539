import type { Finding, ScanError } from "./finding.js";
import type { Severity } from "./severity.js";
import type { Concern } from "./concern.js";

export interface ToolInfo {
  name: string;
  version: string;
}

export interface ReportSummary {
  /** Unsuppressed findings by severity. */
  bySeverity: Record<Severity, number>;
  byConcern: Partial<Record<Concern, number>>;
  total: number;
  suppressed: number;
  errors: number;
  filesScanned?: number;
  containersAudited?: number;
  hosts?: number;
  failOn?: Severity;
  /** Would this report fail the gate (exit code 1)? */
  failed?: boolean;
}

/** The stable JSON contract: `{version, tool, findings, errors, summary}` (+ door-specific extras). */
export interface Report {
  version: 1;
  tool: ToolInfo;
  kind: "scan" | "audit" | "inside" | "diff";
  findings: Finding[];
  errors: (ScanError & { host?: string })[];
  summary: ReportSummary;
  /** Scan root or audited endpoint(s), for humans. */
  target?: string;
}
