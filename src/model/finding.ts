import type { Concern } from "./concern.js";
import type { Severity } from "./severity.js";
import type { FindingLocation } from "./location.js";

export type SuppressionKind = "inline" | "exception" | "annotation" | "break-glass";

export interface Suppression {
  kind: SuppressionKind;
  reason: string;
  owner?: string;
  expires?: string;
  /** Where the suppression is written (`sockwarden.yaml:12`, `compose.yml:4`). */
  source?: string;
}

/** The policy's decision for a finding's concern: deny blocks (fails the gate, 403 at the proxy,
 *  denies admission); warn reports and lets through. */
export type Action = "deny" | "warn";

export interface Finding {
  rule: string;
  concern: Concern;
  severity: Severity;
  title: string;
  /** This occurrence, in plain words: what was found where, and why it matters here. */
  message: string;
  location: FindingLocation;
  object: string;
  suppressed: boolean;
  suppression?: Suppression;
  /** What the rule means and what to do: the reader never has to look elsewhere. */
  meaning: string;
  decision: string;
  action: Action;
  /** A value in the finding could not be resolved for sure (unset variable, template). */
  uncertain?: string;
  /** Stable across runs and line moves: rule + file/object + the offending value. */
  fingerprint: string;
  docs: string;
  host?: string;
}

export interface ScanError {
  file: string;
  line?: number;
  message: string;
  /** A notice is informational (e.g. a Helm template read best-effort); errors mean the file was not (fully) scanned. */
  kind?: "error" | "notice";
}
