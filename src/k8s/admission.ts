import type { Finding } from "../model/finding.js";
import type { Concern } from "../model/concern.js";
import type { Workload } from "../model/workload.js";
import { severityRank } from "../model/severity.js";
import type { BreakGlass, Policy } from "../policy/types.js";
import { isExpired } from "../policy/match.js";
import { evaluate } from "../rules/evaluate.js";
import { workloadsFromObject, jsonToY, JsonTooDeepError } from "../sources/kubernetes/map.js";

/**
 * AdmissionReview (admission.k8s.io/v1) in, decision out. Pure: no I/O, the clock is a parameter.
 * The pod spec becomes Workloads through the scanner's own Kubernetes mapping and the shared rules
 * decide; this module only turns findings into an admission response.
 *
 * Fail closed: anything that cannot be read or judged is denied, with a message saying why.
 *
 * Decisions worth knowing:
 * - `sockwarden.io/ignore*` annotations are NOT honoured here: whoever creates the pod writes its
 *   annotations, so they would let anyone waive the rule for themselves. At admission only the
 *   policy file's owned, expiring exceptions (and break-glass namespaces) admit a risky pod; the
 *   response warns when such an annotation is present.
 * - UPDATE whose pod spec is unchanged (labels, annotations, finalizers, replicas) is admitted
 *   with warnings: it adds no exposure, and denying it would block deleting or scaling a workload
 *   that existed before the policy (as Pod Security Admission does).
 * - DELETE and CONNECT are admitted: they create nothing.
 */

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";

/** Kubernetes truncates warnings longer than this; issue 6 asks for less than 120 characters. */
export const MAX_WARNING_LENGTH = 119;
const MAX_WARNINGS = 20;
const MAX_DENY_LINES = 8;

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: "AdmissionReview";
  response: AdmissionResponse;
}

export type AdmissionOutcome = "allowed" | "denied" | "error";

export interface AdmissionDecision {
  review: AdmissionReviewResponse;
  outcome: AdmissionOutcome;
  /** The concern that decided (the most severe denying one; else the most severe warning,
   *  exception or break-glass one), `none` when nothing fired. For metrics. */
  concern: Concern | "none";
  findings: Finding[];
  /** What to log (no object content, no env values). */
  summary: { uid: string; operation?: string; kind?: string; namespace?: string; name?: string; dryRun: boolean; reason?: string };
}

export interface AdmissionOptions {
  now?: Date;
}

interface ReqInfo {
  uid: string;
  operation?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  dryRun: boolean;
}

/** Judge one AdmissionReview (already parsed from JSON). Never throws. */
export function reviewAdmission(body: unknown, policy: Policy, opts: AdmissionOptions = {}): AdmissionDecision {
  const now = opts.now ?? new Date();
  const info: ReqInfo = { uid: "", dryRun: false };
  try {
    return decide(body, policy, now, info);
  } catch (e) {
    // A bug in a rule or the mapping must not admit what was never judged.
    return errorDecision(info, `sockwarden could not judge this request (${e instanceof Error ? e.message : String(e)}); denied because the webhook fails closed`, 500);
  }
}

/** A deny for a request whose body could not be read at all (bad JSON, too large). */
export function rejectUnreadable(uid: string, message: string, code = 400): AdmissionDecision {
  return errorDecision({ uid, dryRun: false }, message, code);
}

function decide(body: unknown, policy: Policy, now: Date, info: ReqInfo): AdmissionDecision {
  if (!isObj(body)) return errorDecision(info, "request body is not a JSON object (expected an admission.k8s.io/v1 AdmissionReview)", 400);
  const req = body.request;
  if (isObj(req) && typeof req.uid === "string") info.uid = req.uid;
  if (body.apiVersion !== ADMISSION_API_VERSION || body.kind !== "AdmissionReview") {
    return errorDecision(info, `expected apiVersion ${ADMISSION_API_VERSION} and kind AdmissionReview, got ${short(body.apiVersion)} ${short(body.kind)}`, 400);
  }
  if (!isObj(req)) return errorDecision(info, "AdmissionReview has no `request`", 400);
  if (typeof req.uid !== "string" || req.uid === "") return errorDecision(info, "AdmissionReview request has no `uid`", 400);
  info.operation = typeof req.operation === "string" ? req.operation : undefined;
  info.dryRun = req.dryRun === true;
  info.namespace = typeof req.namespace === "string" && req.namespace !== "" ? req.namespace : undefined;
  info.name = typeof req.name === "string" && req.name !== "" ? req.name : undefined;
  const reqKind = isObj(req.kind) && typeof req.kind.kind === "string" ? req.kind.kind : undefined;
  info.kind = reqKind;

  if (info.operation === "DELETE" || info.operation === "CONNECT") return allow(info, [], [], {}, "none");
  if (info.operation !== "CREATE" && info.operation !== "UPDATE") {
    return errorDecision(info, `unsupported operation ${short(req.operation)} (expected CREATE or UPDATE)`, 400);
  }
  if (!isObj(req.object)) return errorDecision(info, "AdmissionReview request has no `object` to judge", 400);

  const mapped = mapObject(req.object, isObj(req.oldObject) ? req.oldObject : undefined, info);
  if (mapped.errors.length > 0) {
    return errorDecision(info, `sockwarden could not read the ${info.kind ?? "object"}: ${mapped.errors.slice(0, 3).join("; ")}; denied because the webhook fails closed`, 400);
  }
  if (mapped.workloads.length === 0) return allow(info, [], [], {}, "none");

  const ignoreAnnotations = [...new Set(mapped.workloads.flatMap((w) => Object.keys(w.annotations ?? {}).filter((k) => k.startsWith("sockwarden.io/ignore"))))];
  // Annotation suppressions are the requester's own word: not honoured at admission (see above).
  for (const w of mapped.workloads) delete w.annotations;
  const findings = evaluate({ workloads: mapped.workloads }, policy, { now, reportPolicy: false });

  const warnings: string[] = [];
  const audit: Record<string, string> = {};
  if (ignoreAnnotations.length) warnings.push(clip(`sockwarden: ${ignoreAnnotations[0]} is ignored at admission; use an exception in sockwarden.yaml`));

  const active = findings.filter((f) => !f.suppressed);
  const deniers = active.filter((f) => f.action === "deny");
  const warners = active.filter((f) => f.action === "warn");
  const excepted = findings.filter((f) => f.suppressed);

  for (const f of warners) warnings.push(clip(`sockwarden ${f.concern}, ${containerOf(f)}: ${firstSentence(f.message)}`));
  if (excepted.length) {
    audit["allowed-by-exception"] = JSON.stringify(
      excepted.map((f) => ({ concern: f.concern, rule: f.rule, object: f.object, reason: f.suppression?.reason, owner: f.suppression?.owner, expires: f.suppression?.expires, source: f.suppression?.source })),
    );
  }

  const ns = namespaceOf(mapped.workloads, info);
  const glass = breakGlassFor(policy, ns, now);
  if (glass.expired) warnings.push(clip(`sockwarden: break-glass for namespace ${ns} expired on ${glass.expired.expires}; not applied`));

  const unchangedUpdate = info.operation === "UPDATE" && mapped.specUnchanged === true;
  if (deniers.length && !glass.active && !unchangedUpdate) {
    return deny(info, findings, deniers, warnings, audit);
  }
  if (deniers.length && glass.active) {
    const g = glass.active;
    audit["break-glass"] = JSON.stringify({ namespace: g.namespace, reason: g.reason, owner: g.owner, expires: g.expires, concerns: uniq(deniers.map((f) => f.concern)) });
    warnings.unshift(clip(`sockwarden: admitted by break-glass (${g.namespace}, owner ${g.owner}, until ${g.expires}): ${uniq(deniers.map((f) => f.concern)).join(", ")}`));
  } else if (deniers.length && unchangedUpdate) {
    audit["unchanged-spec"] = JSON.stringify({ concerns: uniq(deniers.map((f) => f.concern)) });
    warnings.unshift(clip(`sockwarden: pod spec unchanged by this update; still violates: ${uniq(deniers.map((f) => f.concern)).join(", ")}`));
  }
  const deciding = [...deniers, ...warners, ...excepted];
  return allow(info, findings, warnings, audit, topConcern(deciding));
}

interface Mapped {
  workloads: Workload[];
  errors: string[];
  /** UPDATE: is the judged pod spec the same as in `oldObject`? */
  specUnchanged?: boolean;
}

function mapObject(object: Record<string, unknown>, oldObject: Record<string, unknown> | undefined, info: ReqInfo): Mapped {
  const kind = typeof object.kind === "string" ? object.kind : info.kind;
  // The API server may omit metadata.namespace (and name, with generateName) on CREATE: the
  // request carries them.
  const md = isObj(object.metadata) ? { ...object.metadata } : {};
  if (typeof md.namespace !== "string" || md.namespace === "") if (info.namespace) md.namespace = info.namespace;
  if ((typeof md.name !== "string" || md.name === "") && info.name) md.name = info.name;
  info.name ??= typeof md.name === "string" ? md.name : undefined;
  let obj: Record<string, unknown> = { ...object, kind, metadata: md };
  let oldSpec = oldObject ? podSpecJson(oldObject) : undefined;

  // Clusters before 1.22 send `EphemeralContainers` for pods/ephemeralcontainers: judge the new
  // ephemeral containers inside the pod they join (its volumes, namespaces, securityContext).
  if (kind === "EphemeralContainers") {
    const pod = oldObject && isObj(oldObject.spec) ? oldObject : { spec: {} };
    obj = { apiVersion: "v1", kind: "Pod", metadata: md, spec: { ...(pod.spec as Record<string, unknown>), ephemeralContainers: object.ephemeralContainers } };
    oldSpec = oldObject ? podSpecJson(oldObject) : undefined;
  }
  const r = workloadsFromObject(jsonToYSafe(obj), { door: "webhook" });
  const m: Mapped = { workloads: r.workloads, errors: r.errors };
  if (oldSpec !== undefined) {
    const newSpec = podSpecJson(obj);
    m.specUnchanged = newSpec !== undefined && canonical(newSpec) === canonical(oldSpec);
  }
  return m;
}

function jsonToYSafe(v: unknown) {
  try {
    return jsonToY(v);
  } catch (e) {
    if (e instanceof JsonTooDeepError) throw new Error(e.message);
    throw e;
  }
}

/** The pod spec the mapping judges, for the unchanged-update comparison. */
function podSpecJson(o: Record<string, unknown>): unknown {
  const spec = isObj(o.spec) ? o.spec : undefined;
  switch (o.kind) {
    case "Pod":
      return spec;
    case "CronJob":
      return dig(spec, "jobTemplate", "spec", "template", "spec");
    case "PodTemplate":
      return dig(o, "template", "spec");
    default:
      return dig(spec, "template", "spec");
  }
}

function dig(o: unknown, ...keys: string[]): unknown {
  let cur = o;
  for (const k of keys) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** JSON with sorted keys: two specs equal in content compare equal whatever the key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

function namespaceOf(ws: Workload[], info: ReqInfo): string {
  return info.namespace ?? ws[0]?.source.namespace ?? "default";
}

function breakGlassFor(policy: Policy, ns: string, now: Date): { active?: BreakGlass; expired?: BreakGlass } {
  const entries = (policy.webhook?.breakGlass ?? []).filter((b) => b.namespace === ns);
  const active = entries.find((b) => !isExpired(b.expires, now));
  const expired = active ? undefined : entries.find((b) => isExpired(b.expires, now));
  return { ...(active ? { active } : {}), ...(expired ? { expired } : {}) };
}

function deny(info: ReqInfo, findings: Finding[], deniers: Finding[], warnings: string[], audit: Record<string, string>): AdmissionDecision {
  const top = [...deniers].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const lines = top.slice(0, MAX_DENY_LINES).map((f) => `[${f.concern}] ${f.object}: ${f.message}`);
  if (top.length > MAX_DENY_LINES) lines.push(`… and ${top.length - MAX_DENY_LINES} more`);
  const f0 = top[0]!;
  const wayOut =
    `To admit it anyway, add an exception with an owner and an expiry to sockwarden.yaml, e.g. ` +
    `exceptions: [{concern: ${f0.concern}, match: {namespace: ${nsOf(f0, info)}, name: ${nameOf(f0, info)}${f0.object.includes(" container ") ? `, container: ${f0.object.slice(f0.object.lastIndexOf(" container ") + 11)}` : ""}}, ` +
    `reason: "<why>", owner: <team>, expires: <YYYY-MM-DD>}].`;
  const message = `sockwarden denied this ${info.kind ?? "object"}:\n${lines.join("\n")}\n${wayOut}`;
  const response: AdmissionResponse = { uid: info.uid, allowed: false, status: { code: 403, reason: "Forbidden", message } };
  if (warnings.length) response.warnings = warnings.slice(0, MAX_WARNINGS);
  if (Object.keys(audit).length) response.auditAnnotations = audit;
  return { review: wrap(response), outcome: "denied", concern: f0.concern, findings, summary: { ...info, reason: lines[0] } };
}

function nsOf(f: Finding, info: ReqInfo): string {
  return info.namespace ?? /^\S+ ([^/]+)\//.exec(f.object)?.[1] ?? "default";
}
function nameOf(f: Finding, info: ReqInfo): string {
  return /^\S+ [^/]+\/(\S+)/.exec(f.object)?.[1] ?? info.name ?? "<name>";
}

function allow(info: ReqInfo, findings: Finding[], warnings: string[], audit: Record<string, string>, concern: Concern | "none"): AdmissionDecision {
  const response: AdmissionResponse = { uid: info.uid, allowed: true };
  const w = uniq(warnings);
  if (w.length) response.warnings = w.length > MAX_WARNINGS ? [...w.slice(0, MAX_WARNINGS - 1), `sockwarden: … and ${w.length - MAX_WARNINGS + 1} more warnings`] : w;
  if (Object.keys(audit).length) response.auditAnnotations = audit;
  return { review: wrap(response), outcome: "allowed", concern, findings, summary: { ...info } };
}

function errorDecision(info: ReqInfo, message: string, code: number): AdmissionDecision {
  const response: AdmissionResponse = { uid: info.uid, allowed: false, status: { code, reason: code === 400 ? "BadRequest" : code === 413 ? "RequestEntityTooLarge" : "InternalError", message } };
  return { review: wrap(response), outcome: "error", concern: "none", findings: [], summary: { ...info, reason: message } };
}

function wrap(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}

function topConcern(fs: Finding[]): Concern | "none" {
  if (!fs.length) return "none";
  return [...fs].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0]!.concern;
}

function containerOf(f: Finding): string {
  const i = f.object.lastIndexOf(" container ");
  return i >= 0 ? `container ${f.object.slice(i + 11)}` : f.object;
}

/** Warnings: one line, under 120 characters. */
export function clip(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length <= MAX_WARNING_LENGTH ? one : `${one.slice(0, MAX_WARNING_LENGTH - 1)}…`;
}

function firstSentence(s: string): string {
  const m = /^.*?[.!?](\s|$)/.exec(s);
  return (m ? m[0] : s).trim();
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function short(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? "undefined";
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
