import type { Concern } from "../model/concern.js";
import type { Severity } from "../model/severity.js";
import type { Pos } from "../model/location.js";
import type { Workload } from "../model/workload.js";
import type { HostFacts } from "../model/hostfacts.js";
import type { DaemonEndpoint } from "../sources/types.js";

/** Rule metadata: the single source for `sockwarden rules`, docs/rules.md and SARIF's rule table. */
export interface RuleMeta {
  id: string;
  concern: Concern;
  defaultSeverity: Severity;
  title: string;
  /** What it means, in plain words (why this is host root, or not). */
  meaning: string;
  /** What to do about it. */
  decision: string;
  /** Anchor in docs/rules.md. */
  anchor: string;
}

/** What a rule reports for one workload; the engine turns it into a Finding. */
export interface RuleHit {
  message: string;
  /** Overrides the rule's default severity (severity reflects the combination, e.g. root + socket). */
  severity?: Severity;
  at?: Pos;
  uncertain?: string;
  /** Part of the fingerprint: the offending value (path, capability, flag). */
  key: string;
}

/** Read-only view of the policy that rules may consult (allow-lists). */
export interface RuleContext {
  allow: {
    hostPaths: string[];
    capabilities: string[];
    images: string[];
  };
  /** Other workloads from the same file or host (a compose project's services, a host's
   *  containers): lets a rule see that DOCKER_HOST points at a sibling socket proxy. */
  siblings: readonly Workload[];
}

export interface WorkloadRule {
  meta: RuleMeta;
  kind: "workload";
  check(w: Workload, ctx: RuleContext): RuleHit[];
}

export interface HostRule {
  meta: RuleMeta;
  kind: "host";
  check(h: HostFacts, ctx: RuleContext): RuleHit[];
}

export interface EndpointRule {
  meta: RuleMeta;
  kind: "endpoint";
  check(e: DaemonEndpoint, ctx: RuleContext): RuleHit[];
}

/** Findings the engine itself raises (expired exceptions, suppressions without a reason): they
 *  have metadata for the catalog, docs and SARIF, but no check of their own. */
export interface PolicyRule {
  meta: RuleMeta;
  kind: "policy";
}

export type Rule = WorkloadRule | HostRule | EndpointRule | PolicyRule;
