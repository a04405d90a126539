/**
 * What a generated native policy must enforce, taken from the same modules the rule engine uses
 * (never retyped): socket names and well-known socket paths, sensitive host directories and the
 * read-only exemptions (src/model/hostpath.ts), the dangerous capabilities and the confinement
 * options the rules flag (asked of the rules themselves), and the policy's settings, allow-lists
 * and break-glass entries. Pure.
 */
import type { Concern } from "../../model/concern.js";
import {
  BENIGN_READONLY_PATHS,
  RUNTIME_SOCKET_NAMES,
  RUNTIME_SOCKET_PATTERNS,
  SENSITIVE_HOST_DIRS,
  normalizeHostPath,
} from "../../model/hostpath.js";
import { emptyWorkload } from "../../model/workload.js";
import { located } from "../../model/location.js";
import { LINUX_CAPABILITIES } from "../../policy/capabilities.js";
import { isExpired } from "../../policy/match.js";
import type { BreakGlass, Policy, PolicyException, RuleSetting } from "../../policy/types.js";
import { dangerousCapability, normalizeCapability } from "../../rules/capabilities.js";
import { confinementDisabled } from "../../rules/security-opt.js";
import type { RuleContext } from "../../rules/types.js";

/** The concerns a generated admission policy covers, in the order they are written. */
export const GENERATED_CONCERNS = ["socket-mount", "privileged", "host-namespace", "host-path", "capabilities", "security-opt"] as const satisfies readonly Concern[];
export type GeneratedConcern = (typeof GENERATED_CONCERNS)[number];

/** Every Kubernetes kind with a pod template that the webhook judges, with its REST resource
 *  and where its pod spec lives. */
export const WORKLOAD_RESOURCES = [
  { group: "", version: "v1", resource: "pods", kind: "Pod", podSpec: ["spec"] },
  { group: "", version: "v1", resource: "podtemplates", kind: "PodTemplate", podSpec: ["template", "spec"] },
  { group: "", version: "v1", resource: "replicationcontrollers", kind: "ReplicationController", podSpec: ["spec", "template", "spec"] },
  { group: "apps", version: "v1", resource: "deployments", kind: "Deployment", podSpec: ["spec", "template", "spec"] },
  { group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", podSpec: ["spec", "template", "spec"] },
  { group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", podSpec: ["spec", "template", "spec"] },
  { group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", podSpec: ["spec", "template", "spec"] },
  { group: "batch", version: "v1", resource: "jobs", kind: "Job", podSpec: ["spec", "template", "spec"] },
  { group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", podSpec: ["spec", "jobTemplate", "spec", "template", "spec"] },
] as const;

export interface GenerateOptions {
  /** The clock for break-glass expiry (expired entries are left out of the generated file). */
  now?: Date;
  /** Name prefix of the generated objects (default `sockwarden`). */
  name?: string;
}

export interface ConfinementFlags {
  seccomp: boolean;
  apparmor: boolean;
  procMount: boolean;
}

export interface GenFacts {
  settings: Record<GeneratedConcern, RuleSetting>;
  socketNames: string[];
  /** Anchored regexes (RE2- and JS-compatible) of the well-known socket paths. */
  socketPathRegexes: string[];
  /** Anchored regexes of the directories that hold a well-known socket (`/`, `/run`, `/var`, …). */
  socketParentRegexes: string[];
  sensitiveDirs: string[];
  benignReadOnly: string[];
  /** `allow.hostPaths`, normalized. */
  allowHostPaths: string[];
  /** Dangerous capabilities minus `allow.capabilities`. */
  dangerousCaps: string[];
  confinement: ConfinementFlags;
  breakGlass: BreakGlass[];
  expiredBreakGlass: BreakGlass[];
  /** Live exceptions the generated policies carry: only `namespace`, `name` and `kind` matches
   *  with `*`/`?` globs, which apply to the whole object. */
  carriedExceptions: PolicyException[];
  /** Live exceptions they cannot carry (container/image/file/object/label/host matches, other
   *  glob syntax): the generated policy is stricter for those objects. */
  exceptions: PolicyException[];
  /** Exceptions already expired at generation time (left out, as the webhook ignores them). */
  expiredExceptions: PolicyException[];
  now: Date;
}

export function settingOf(policy: Policy, c: Concern): RuleSetting {
  return policy.rules[c] ?? "deny";
}

export function genFacts(policy: Policy, opts: GenerateOptions = {}): GenFacts {
  const now = opts.now ?? new Date();
  const settings = Object.fromEntries(GENERATED_CONCERNS.map((c) => [c, settingOf(policy, c)])) as Record<GeneratedConcern, RuleSetting>;
  const glass = policy.webhook?.breakGlass ?? [];
  const live = policy.exceptions.filter((e) => !isExpired(e.expires, now));
  return {
    settings,
    socketNames: [...RUNTIME_SOCKET_NAMES],
    socketPathRegexes: uniq(RUNTIME_SOCKET_PATTERNS.map((p) => segsToRegex(segs(p)))),
    socketParentRegexes: socketParentRegexes(),
    sensitiveDirs: [...SENSITIVE_HOST_DIRS],
    benignReadOnly: [...BENIGN_READONLY_PATHS],
    allowHostPaths: uniq(policy.allow.hostPaths.map(normalizeHostPath)),
    dangerousCaps: dangerousCapabilities(policy.allow.capabilities),
    confinement: confinementFlags(),
    breakGlass: glass.filter((b) => !isExpired(b.expires, now)),
    expiredBreakGlass: glass.filter((b) => isExpired(b.expires, now)),
    carriedExceptions: live.filter(carriable),
    exceptions: live.filter((e) => !carriable(e)),
    expiredExceptions: policy.exceptions.filter((e) => isExpired(e.expires, now)),
    now,
  };
}

/** Object-level match keys a generated policy can test, and the glob characters it translates. */
const CARRIED_KEYS = new Set(["namespace", "name", "kind"]);
function carriable(e: PolicyException): boolean {
  const entries = Object.entries(e.match ?? {}).filter(([, v]) => v !== undefined);
  return entries.length > 0 && entries.every(([k, v]) => CARRIED_KEYS.has(k) && typeof v === "string" && !/[[\]{}()!+@\\]/.test(v));
}

/** A `*`/`?` text glob (src/policy/match.ts: `/` is an ordinary character) → anchored RE2/JS regex. */
export function globToRegex(glob: string): string {
  let out = "";
  for (const ch of glob) out += ch === "*" ? ".*" : ch === "?" ? "." : escapeRe(ch);
  return `^${out}$`;
}

function segs(p: string): string[] {
  return p.split("/").filter(Boolean);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `["run","user","*"]` → `^/run/user/[^/]+$` (`*` is one segment, as in hostpath.ts). */
function segsToRegex(ss: string[]): string {
  return `^/${ss.map((s) => (s === "*" ? "[^/]+" : escapeRe(s))).join("/")}$`;
}

/** Every strict prefix of a well-known socket path, and of `/var` + a `/run/…` one (hostpath.ts
 *  treats a parent of `/var/run` as a parent of every socket under `/run`). Cross-checked against
 *  socketExposure in the tests. */
function socketParentRegexes(): string[] {
  const out: string[] = [];
  for (const p of RUNTIME_SOCKET_PATTERNS) {
    const pat = segs(p);
    for (let n = 0; n < pat.length; n++) out.push(segsToRegex(pat.slice(0, n)));
    if (pat[0] === "run") {
      const v = ["var", ...pat];
      for (let n = 0; n <= pat.length; n++) {
        const prefix = v.slice(0, n);
        // A normalized path never starts with /var/run (it reads /run): leave those out.
        if (prefix[0] === "var" && prefix[1] === "run") continue;
        out.push(segsToRegex(prefix));
      }
    }
  }
  // The empty prefix is `/` itself (`^/$`).
  return uniq(out);
}

/** Ask the capability rule which names it flags (so the list is the rule's, allow-list applied). */
export function dangerousCapabilities(allowed: readonly string[]): string[] {
  const ctx: RuleContext = { allow: { hostPaths: [], capabilities: [...allowed], images: [] }, siblings: [] };
  const out: string[] = [];
  for (const cap of ["ALL", ...LINUX_CAPABILITIES]) {
    const w = emptyWorkload({ door: "webhook", object: "probe" });
    w.capAdd.push(located(cap));
    if (dangerousCapability.check(w, ctx).length > 0) out.push(normalizeCapability(cap));
  }
  return uniq(out);
}

/** Ask the confinement rule which of the Kubernetes-expressible settings it flags. */
function confinementFlags(): ConfinementFlags {
  const flags = (opt: string) => {
    const w = emptyWorkload({ door: "webhook", object: "probe" });
    w.securityOpt.push(located(opt));
    return confinementDisabled.check(w, { allow: { hostPaths: [], capabilities: [], images: [] }, siblings: [] }).length > 0;
  };
  // These three strings are what src/sources/kubernetes/map.ts produces for a pod.
  return { seccomp: flags("seccomp=unconfined"), apparmor: flags("apparmor=unconfined"), procMount: flags("procMount=Unmasked") };
}

/** For tests: does the generated socket regex set agree with socketExposure on this path? */
export function socketRelationByRegex(facts: GenFacts, normalized: string): "socket" | "parent" | undefined {
  const base = normalized.slice(normalized.lastIndexOf("/") + 1);
  if (facts.socketNames.includes(base)) return "socket";
  if (!normalized.startsWith("/")) return undefined;
  if (facts.socketPathRegexes.some((r) => new RegExp(r).test(normalized))) return "socket";
  if (facts.socketParentRegexes.some((r) => new RegExp(r).test(normalized))) return "parent";
  return undefined;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
