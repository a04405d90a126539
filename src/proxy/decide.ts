/**
 * The proxy's one call into the shared rules: workloads in, allow or a denial out. The proxy never
 * judges a container itself; it only turns requests into Workloads and asks here.
 */
import type { Workload } from "../model/workload.js";
import type { Finding } from "../model/finding.js";
import type { Policy } from "../policy/types.js";
import { evaluate } from "../rules/evaluate.js";
import { severityRank } from "../model/severity.js";

export interface Denial {
  /** What was refused, for the 403 message. */
  what: string;
  /** A concern (`privileged`, `host-path` …) or a proxy reason (`endpoint`, `ownership`). */
  concern: string;
  /** How to get it through legitimately. */
  wayOut: string;
  /** Rule id when a rule decided. */
  rule?: string;
}

export interface Decision {
  allow: boolean;
  denial?: Denial;
  /** Findings the policy turned into warnings (logged, not blocking). */
  warnings: Finding[];
}

function firstSentence(s: string): string {
  const m = /^(.*?[.!?])(\s|$)/.exec(s);
  return (m ? m[1]! : s).replace(/`/g, "");
}

/** Judge workloads with the shared rules and the policy. Fail closed on any error. */
export function decide(workloads: Workload[], policy: Policy): Decision {
  let findings: Finding[];
  try {
    findings = evaluate({ workloads }, policy, { reportPolicy: false });
  } catch (e) {
    return { allow: false, warnings: [], denial: { what: "the request could not be judged", concern: "policy", wayOut: `internal error in the rules (${(e as Error).message}); report it` } };
  }
  const live = findings.filter((f) => !f.suppressed);
  // The message names the most severe reason (a socket over a sensitive directory, say).
  const deny = live.filter((f) => f.action === "deny").sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
  const warnings = live.filter((f) => f.action === "warn");
  if (!deny) return { allow: true, warnings };
  return {
    allow: false,
    warnings,
    denial: {
      what: `${deny.object}: ${deny.message.replace(/\s+$/, "")}`,
      concern: deny.concern,
      rule: deny.rule,
      wayOut: `${firstSentence(deny.decision)} Or add a policy exception for concern ${deny.concern} (with reason, owner and expiry) to sockwarden.yaml`,
    },
  };
}

/** The daemon's error shape, so every docker CLI prints it. */
export function denialMessage(d: Denial): string {
  return `sockwarden: denied: ${d.what} (${d.concern}): ${d.wayOut}`;
}
