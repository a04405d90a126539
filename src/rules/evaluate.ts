import { createRequire } from "node:module";
import type { Workload } from "../model/workload.js";
import type { HostFacts } from "../model/hostfacts.js";
import type { Finding, Suppression } from "../model/finding.js";
import type { FindingLocation, Pos } from "../model/location.js";
import type { Concern } from "../model/concern.js";
import { severityRank } from "../model/severity.js";
import type { DaemonEndpoint } from "../sources/types.js";
import type { Policy, PolicyException } from "../policy/types.js";
import { exceptionMatches, isExpired, type MatchSubject } from "../policy/match.js";
import { annotationSuppressions } from "../policy/inline.js";
import type { RuleMeta, RuleHit, RuleContext } from "./types.js";
import { WORKLOAD_RULES, ENDPOINT_RULES, HOST_RULES, docsUrl } from "./index.js";
import { expiredException, suppressionWithoutReason } from "./policy-rules.js";

export interface EvaluateInput {
  workloads: Workload[];
  endpoints?: DaemonEndpoint[];
  hosts?: HostFacts[];
}

export interface EvaluateOptions {
  now?: Date;
  /** Report expired exceptions as findings (scan/audit: yes; proxy per request: no, it reports them once at start). */
  reportPolicy?: boolean;
}

/**
 * The one rule engine every door calls: run every rule over every workload / endpoint / host,
 * then apply the policy (off / warn / deny per concern, allow-lists, exceptions, annotation
 * suppressions). Suppressed findings are returned too, marked, never dropped.
 */
export function evaluate(input: EvaluateInput, policy: Policy, opts: EvaluateOptions = {}): Finding[] {
  // Rules are pure and must not throw. If one does (a bug), the error propagates on purpose:
  // enforcing doors then fail closed instead of admitting what was never judged.
  const now = opts.now ?? new Date();
  const out: Finding[] = [];
  const live = policy.exceptions.filter((e) => !isExpired(e.expires, now));
  const bySiblings = groupSiblings(input.workloads);
  const allow = policy.allow;

  for (const w of input.workloads) {
    const ctx: RuleContext = { allow, siblings: bySiblings.get(siblingKey(w)) ?? [] };
    for (const rule of WORKLOAD_RULES) {
      if (setting(policy, rule.meta.concern) === "off") continue;
      for (const hit of rule.check(w, ctx)) {
        const f = toFinding(rule.meta, hit, policy, {
          location: workloadLocation(w, hit.at),
          object: w.source.object,
          host: w.source.host,
          subjectKey: w.source.container?.id ?? w.source.object,
        });
        applySuppressions(f, subjectOf(w, f), live, w.annotations);
        out.push(f);
      }
    }
  }
  for (const e of input.endpoints ?? []) {
    const ctx: RuleContext = { allow, siblings: [] };
    for (const rule of ENDPOINT_RULES) {
      if (setting(policy, rule.meta.concern) === "off") continue;
      for (const hit of rule.check(e, ctx)) {
        const at = hit.at ?? e.at;
        const f = toFinding(rule.meta, hit, policy, {
          location: { file: at?.file ?? e.file, line: at?.line, column: at?.column },
          object: e.object,
          subjectKey: e.object,
        });
        applySuppressions(f, { concern: f.concern, file: f.location.file, object: e.object }, live, undefined);
        out.push(f);
      }
    }
  }
  for (const h of input.hosts ?? []) {
    const ctx: RuleContext = { allow, siblings: input.workloads.filter((w) => w.source.host === h.host) };
    for (const rule of HOST_RULES) {
      if (setting(policy, rule.meta.concern) === "off") continue;
      for (const hit of rule.check(h, ctx)) {
        const f = toFinding(rule.meta, hit, policy, { location: { host: h.host }, object: "host", host: h.host, subjectKey: `host:${h.host}` });
        applySuppressions(f, { concern: f.concern, object: "host", host: h.host }, live, undefined);
        out.push(f);
      }
    }
  }
  if (opts.reportPolicy !== false && setting(policy, "policy") !== "off") {
    for (const e of policy.exceptions) if (isExpired(e.expires, now)) out.push(expiredFinding(e, policy));
  }
  return sortFindings(out);
}

export function setting(policy: Policy, concern: Concern) {
  return policy.rules[concern] ?? "deny";
}


function siblingKey(w: Workload): string {
  return w.source.file ?? w.source.host ?? "";
}

function groupSiblings(ws: Workload[]): Map<string, Workload[]> {
  const m = new Map<string, Workload[]>();
  for (const w of ws) {
    const k = siblingKey(w);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(w);
  }
  return m;
}

export function workloadLocation(w: Workload, at: Pos | undefined): FindingLocation {
  const loc: FindingLocation = {};
  const p = at ?? w.source.at;
  const file = p?.file ?? w.source.file;
  if (file !== undefined) loc.file = file;
  if (p) {
    loc.line = p.line;
    loc.column = p.column;
  }
  if (w.source.container) loc.container = w.source.container;
  if (w.source.host) loc.host = w.source.host;
  return loc;
}

interface FindingPlace {
  location: FindingLocation;
  object: string;
  host?: string;
  subjectKey: string;
}

export function toFinding(meta: RuleMeta, hit: RuleHit, policy: Policy, place: FindingPlace): Finding {
  const f: Finding = {
    rule: meta.id,
    concern: meta.concern,
    severity: hit.severity ?? meta.defaultSeverity,
    title: meta.title,
    message: hit.uncertain ? `${hit.message} (Uncertain: ${hit.uncertain}.)` : hit.message,
    location: place.location,
    object: place.object,
    suppressed: false,
    meaning: meta.meaning,
    decision: meta.decision,
    action: setting(policy, meta.concern) === "warn" ? "warn" : "deny",
    fingerprint: fingerprint(meta.id, place.location.file ?? place.host ?? "", place.subjectKey, hit.key),
    docs: docsUrl(meta),
  };
  if (hit.uncertain) f.uncertain = hit.uncertain;
  if (place.host) f.host = place.host;
  return f;
}

/** Stable across runs and line moves: rule + file (or host) + object + offending value. The
 *  first 32 hex digits of a SHA-256: baselines and code-scanning alerts are keyed on it (README,
 *  SARIF partialFingerprints), so the function must never change. */
export function fingerprint(...parts: string[]): string {
  return nodeCrypto().createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 32);
}

// node:crypto takes longer to load than a one-file scan takes to judge, and a clean file needs no
// fingerprint: it loads with the first finding. process.getBuiltinModule (Node ≥ 20.16 / 22.3) is
// a synchronous load without the module system; older Node 20 and 22 releases use a require.
let cryptoModule: typeof import("node:crypto") | undefined;
function nodeCrypto(): typeof import("node:crypto") {
  const p = process as { getBuiltinModule?: (id: string) => unknown };
  return (cryptoModule ??= (p.getBuiltinModule ? p.getBuiltinModule("node:crypto") : createRequire(import.meta.url)("node:crypto")) as typeof import("node:crypto"));
}

function subjectOf(w: Workload, f: Finding): MatchSubject {
  const s: MatchSubject = { concern: f.concern, object: w.source.object, labels: w.labels };
  if (f.location.file) s.file = f.location.file;
  if (w.source.container) s.container = w.source.container.name;
  if (w.image) s.image = w.image.value;
  if (w.source.namespace) s.namespace = w.source.namespace;
  if (w.source.name) s.name = w.source.name;
  if (w.source.kind) s.kind = w.source.kind;
  if (w.source.host) s.host = w.source.host;
  if (w.source.containerName && !s.container) s.container = w.source.containerName;
  return s;
}

function applySuppressions(f: Finding, subject: MatchSubject, live: PolicyException[], annotations: Record<string, string> | undefined): void {
  if (annotations) {
    for (const a of annotationSuppressions(annotations)) {
      if (a.concern !== "*" && a.concern !== f.concern) continue;
      if (!a.reason) continue; // reason-less annotation: reported by the door as suppression-without-reason
      suppress(f, { kind: "annotation", reason: a.reason, source: `annotation ${a.key}` });
      return;
    }
  }
  for (const e of live) {
    if (e.concern !== "*" && e.concern !== f.concern) continue;
    if (!exceptionMatches(e, subject)) continue;
    suppress(f, { kind: "exception", reason: e.reason, owner: e.owner, expires: e.expires, source: e.line ? `${e.source}:${e.line}` : e.source });
    return;
  }
}

export function suppress(f: Finding, s: Suppression): void {
  f.suppressed = true;
  f.suppression = s;
}

function expiredFinding(e: PolicyException, policy: Policy): Finding {
  const meta = expiredException.meta;
  const where = e.line ? `${e.source}:${e.line}` : e.source;
  return toFinding(
    meta,
    {
      key: `${where}:${e.concern}:${e.expires}`,
      message: `The exception for ${e.concern} (${e.reason}; owner ${e.owner}) expired on ${e.expires}. It suppresses nothing any more.`,
    },
    policy,
    { location: { file: e.source, line: e.line, column: e.line ? 1 : undefined }, object: "policy", subjectKey: where },
  );
}

/** A finding for an inline suppression or annotation that has no reason (it suppresses nothing). */
export function reasonlessSuppressionFinding(file: string, line: number, concerns: string[], policy: Policy): Finding {
  return toFinding(
    suppressionWithoutReason.meta,
    {
      key: `${file}:${concerns.join(",")}`,
      message: `\`sockwarden:ignore ${concerns.join(",")}\` has no reason after \` -- \`, so it suppresses nothing.`,
    },
    policy,
    { location: { file, line, column: 1 }, object: "policy", subjectKey: `${file}:${line}` },
  );
}

export function sortFindings(fs: Finding[]): Finding[] {
  return fs.sort(
    (a, b) =>
      cmp(a.host ?? "", b.host ?? "") ||
      cmp(a.location.file ?? "", b.location.file ?? "") ||
      (a.location.line ?? 0) - (b.location.line ?? 0) ||
      (a.location.column ?? 0) - (b.location.column ?? 0) ||
      cmp(a.location.container?.name ?? "", b.location.container?.name ?? "") ||
      severityRank(b.severity) - severityRank(a.severity) ||
      cmp(a.rule, b.rule) ||
      cmp(a.fingerprint, b.fingerprint),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
