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

/** One audited endpoint of a fleet audit (`hosts[]`, additive): its counts, or why it could not be audited. */
export interface HostSummary {
  /** The label every finding of this endpoint carries in `host`: the endpoint as given (`ssh://ops@h1`) or the context name. */
  host: string;
  /** The endpoint URL it resolved to. */
  endpoint?: string;
  /** The daemon's own name (`docker info` Name), when it answered. */
  name?: string;
  /** Unsuppressed findings by severity, and their total. */
  bySeverity: Record<Severity, number>;
  findings: number;
  suppressed: number;
  /** Containers audited on this endpoint. */
  containers: number;
  /** Every audited container with its image (lets reports group clean containers and collapse by image). */
  inventory?: { name: string; image: string; state: string }[];
  /** Set when the endpoint could not be (fully) audited: daemon down, permission denied, ssh failure… */
  error?: { kind: string; message: string };
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
  /** Fleet audits: one entry per endpoint, in the order given. */
  hosts?: HostSummary[];
}
