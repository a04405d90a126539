/**
 * The CEL that enforces sockwarden's pod concerns, shared by the ValidatingAdmissionPolicy, the
 * Kyverno (validate.cel) and the Gatekeeper (K8sNativeValidation) generators. Pure strings.
 *
 * It mirrors src/sources/kubernetes/map.ts + the rules, field for field: container settings
 * before pod ones, init and ephemeral containers, hostPath volumes with each mount's subPath
 * (joined as written), volumes declared but not mounted (writable), legacy seccomp/AppArmor
 * annotations (the pod template's over its owner's).
 *
 * Path normalization (src/model/hostpath.ts normalizeHostPath) in CEL, which has no loops:
 * - `trim`, `split("/")`, drop `""` and `"."` segments: `//` and `/./` collapse, trailing `/` goes;
 * - `..`: segment k survives iff no later prefix balance exceeds its own, where the balance
 *   after segment j is (#`..` − #other) in segments 0..j (a `..` pops exactly the nearest
 *   surviving segment, and `..` above `/` is dropped). Indexes come from a literal list
 *   `0 … MAX-1` (`variables.idx`): CEL cannot count otherwise. A path with more segments, or a
 *   pod with more hostPath mounts, than MAX is denied (fail closed) by its own validation;
 * - `/var/run` → `/run` on the result.
 * Then the sets (socket names, socket paths and their parents, sensitive directories) are
 * matched on the normalized path with `in`, `startsWith` and anchored `matches()` (RE2).
 */
import { globToRegex, type GenFacts } from "./facts.js";

/** Most path segments / hostPath mounts the CEL normalizes (see above). */
export const CEL_MAX_INDEX = 64;
/** Separator used to flatten nested lists with join/split (CEL has no flatten in every
 *  version). A NUL cannot be part of a Linux path. */
const SEP = "\\u0000";

export interface CelVariable {
  name: string;
  expression: string;
}
export interface CelValidation {
  expression: string;
  message: string;
}

/** A CEL string literal (JSON escapes are valid CEL escapes). */
export function celStr(s: string): string {
  return JSON.stringify(s);
}
function celList(xs: readonly string[]): string {
  return `[${xs.map(celStr).join(", ")}]`;
}
/** `base.field` is set and not null. */
function P(base: string, field: string): string {
  return `(has(${base}.${field}) && ${base}.${field} != null)`;
}
/** `base.field` as a list, `[]` when absent. */
function L(base: string, field: string): string {
  return `(${P(base, field)} ? ${base}.${field} : [])`;
}
/** Field path → guarded access, `fallback` when any step is missing. */
function dig(root: string, path: readonly string[], fallback: string): string {
  const guards: string[] = [];
  let cur = root;
  for (const f of path) {
    guards.push(P(cur, f));
    cur = `${cur}.${f}`;
  }
  return `(${guards.join(" && ")} ? ${cur} : ${fallback})`;
}

/** The pod spec of any matched kind (Pod, CronJob, PodTemplate, the spec.template kinds). */
export function podSpecOf(obj: string): string {
  return (
    `(${obj}.kind == "Pod" ? ${dig(obj, ["spec"], "{}")} : ` +
    `${obj}.kind == "CronJob" ? ${dig(obj, ["spec", "jobTemplate", "spec", "template", "spec"], "{}")} : ` +
    `${obj}.kind == "PodTemplate" ? ${dig(obj, ["template", "spec"], "{}")} : ` +
    `${dig(obj, ["spec", "template", "spec"], "{}")})`
  );
}

function templateAnnotationsOf(obj: string): string {
  return (
    `(${obj}.kind == "Pod" ? {} : ` +
    `${obj}.kind == "CronJob" ? ${dig(obj, ["spec", "jobTemplate", "spec", "template", "metadata", "annotations"], "{}")} : ` +
    `${obj}.kind == "PodTemplate" ? ${dig(obj, ["template", "metadata", "annotations"], "{}")} : ` +
    `${dig(obj, ["spec", "template", "metadata", "annotations"], "{}")})`
  );
}

const V = (n: string) => `variables.${n}`;

/** The variables every validation below reads. `obj` is the admitted object's name in the
 *  target (`object` in VAP, Kyverno and Gatekeeper CEL). */
export function celVariables(obj = "object"): CelVariable[] {
  const ps = V("podSpec");
  const idx = Array.from({ length: CEL_MAX_INDEX }, (_, i) => String(i)).join(", ");
  const sub = (m: string) =>
    `((${P(m, "subPath")} && ${m}.subPath != "") ? ${m}.subPath : ((${P(m, "subPathExpr")} && ${m}.subPathExpr != "") ? ${m}.subPathExpr : ""))`;
  const joined = (v: string, m: string) =>
    `(${sub(m)} == "" ? ${v}.hostPath.path : (${v}.hostPath.path.endsWith("/") ? ${v}.hostPath.path + ${sub(m)} : ${v}.hostPath.path + "/" + ${sub(m)}))`;
  const mounted =
    `${V("containers")}.map(c, ${L("c", "volumeMounts")}.filter(m, ${P("m", "name")}).map(m, ` +
    `${V("hostPathVolumes")}.filter(v, v.name == m.name).map(v, ((${P("m", "readOnly")} && m.readOnly == true) ? "ro:" : "rw:") + ${joined("v", "m")}).join("${SEP}")` +
    `).join("${SEP}")).join("${SEP}").split("${SEP}").filter(e, e != "")`;
  const unmounted =
    `${V("hostPathVolumes")}.filter(v, !${V("containers")}.exists(c, ${L("c", "volumeMounts")}.exists(m, ${P("m", "name")} && m.name == v.name))).map(v, "rw:" + v.hostPath.path)`;
  const sg = `${V("mountSegs")}[i]`;
  const bal = `${V("mountBalance")}[i]`;
  const si = `${V("mountSegIdx")}[i]`;
  return [
    { name: "idx", expression: `[${idx}]` },
    { name: "podSpec", expression: podSpecOf(obj) },
    { name: "objectAnnotations", expression: dig(obj, ["metadata", "annotations"], "{}") },
    { name: "templateAnnotations", expression: templateAnnotationsOf(obj) },
    { name: "containers", expression: `${L(ps, "containers")} + ${L(ps, "initContainers")} + ${L(ps, "ephemeralContainers")}` },
    { name: "hostPathVolumes", expression: `${L(ps, "volumes")}.filter(v, ${P("v", "hostPath")})` },
    // "ro:<path>" / "rw:<path>" per container mount of a hostPath volume, plus declared but unmounted ones.
    { name: "hostPathMounts", expression: `${mounted} + ${unmounted}` },
    { name: "mountIdx", expression: `${V("idx")}.filter(i, i < size(${V("hostPathMounts")}))` },
    { name: "mountRaw", expression: `${V("hostPathMounts")}.map(e, e.substring(3).trim())` },
    { name: "mountReadOnly", expression: `${V("hostPathMounts")}.map(e, e.startsWith("ro:"))` },
    { name: "mountSegs", expression: `${V("mountRaw")}.map(p, p.split("/").filter(s, s != "" && s != "."))` },
    // Each path's own segment indexes, so the loops below run over its segments, not all of idx.
    { name: "mountSegIdx", expression: `${V("mountSegs")}.map(sg, ${V("idx")}.filter(k, k < size(sg)))` },
    {
      name: "mountBalance",
      expression: `${V("mountIdx")}.map(i, ${si}.map(k, 2 * ${si}.filter(j, j <= k && ${sg}[j] == "..").size() - (k + 1)))`,
    },
    {
      name: "mountKept",
      expression: `${V("mountIdx")}.map(i, ${si}.filter(k, ${sg}[k] != ".." && ${si}.all(j, j <= k || ${bal}[j] <= ${bal}[k])).map(k, ${sg}[k]))`,
    },
    {
      name: "mountPath",
      expression: `${V("mountIdx")}.map(i, (${V("mountRaw")}[i].startsWith("/") ? "/" : "") + ${V("mountKept")}[i].join("/"))`,
    },
    {
      name: "mountNorm",
      expression: `${V("mountPath")}.map(p, p == "/var/run" ? "/run" : (p.startsWith("/var/run/") ? "/run" + p.substring(8) : p))`,
    },
    { name: "mountBase", expression: `${V("mountKept")}.map(s, size(s) > 0 ? s[size(s) - 1] : "")` },
    { name: "mountPipe", expression: `${V("mountRaw")}.map(p, p.matches(${celStr("^[\\\\/]{2}\\.[\\\\/][pP][iI][pP][eE][\\\\/]")}))` },
  ];
}

/** One anchored alternation of anchored regexes (`^a$`, `^b$` → `^(?:a|b)$`). */
function anyRe(res: readonly string[]): string {
  return celStr(`^(?:${res.map((r) => r.slice(1, -1)).join("|")})$`);
}
function isUnder(p: string, dirs: readonly string[]): string {
  return `${celList(dirs)}.exists(d, d == "/" ? ${p}.startsWith("/") : (${p} == d || ${p}.startsWith(d + "/")))`;
}

/** The object's namespace, name and kind as the webhook's mapping names them (metadata first,
 *  then the request; `generateName*`; `default`). */
function exceptionSubject(obj: string): { namespace: string; name: string; kind: string } {
  const md = `${obj}.metadata`;
  return {
    namespace: `((${P(obj, "metadata")} && ${P(md, "namespace")} && ${md}.namespace != "") ? ${md}.namespace : ((${P("request", "namespace")} && request.namespace != "") ? request.namespace : "default"))`,
    name:
      `((${P(obj, "metadata")} && ${P(md, "name")} && ${md}.name != "") ? ${md}.name : ((${P("request", "name")} && request.name != "") ? request.name : ` +
      `((${P(obj, "metadata")} && ${P(md, "generateName")} && ${md}.generateName != "") ? ${md}.generateName + "*" : "(unnamed)")))`,
    kind: `${obj}.kind`,
  };
}

/** Is the object covered by a live exception for this concern (namespace/name/kind globs)? */
function exemption(facts: GenFacts, concern: string): string | undefined {
  const s = exceptionSubject("object");
  const alts = facts.carriedExceptions
    .filter((e) => e.concern === "*" || e.concern === concern)
    .map((e) => {
      const parts: string[] = [];
      if (e.match.namespace !== undefined) parts.push(`${s.namespace}.matches(${celStr(globToRegex(e.match.namespace))})`);
      if (e.match.name !== undefined) parts.push(`${s.name}.matches(${celStr(globToRegex(e.match.name))})`);
      // kind globs are case-insensitive in the webhook.
      if (e.match.kind !== undefined) parts.push(`${s.kind}.lowerAscii().matches(${celStr(globToRegex(e.match.kind.toLowerCase()))})`);
      return `(${parts.join(" && ")})`;
    });
  return alts.length ? alts.join(" || ") : undefined;
}

/** Per concern, the validations (`true` = fine), with the policy's carried exceptions. */
export function celValidations(facts: GenFacts): Record<string, CelValidation[]> {
  const raw = rawValidations(facts);
  const out: Record<string, CelValidation[]> = {};
  for (const [concern, vals] of Object.entries(raw)) {
    const ex = exemption(facts, concern);
    out[concern] = ex ? vals.map((v) => ({ ...v, expression: `(${ex}) || (${v.expression})` })) : vals;
  }
  return out;
}

function rawValidations(facts: GenFacts): Record<string, CelValidation[]> {
  const ps = V("podSpec");
  const n = `${V("mountNorm")}[i]`;
  const raw = `${V("mountRaw")}[i]`;
  const base = `${V("mountBase")}[i]`;
  const pipe = `${V("mountPipe")}[i]`;
  const socketFile = `(${base} in ${celList(facts.socketNames)} || (${n}.startsWith("/") && ${n}.matches(${anyRe(facts.socketPathRegexes)})))`;
  const socketParent = `(${n}.startsWith("/") && ${n}.matches(${anyRe(facts.socketParentRegexes)}))`;
  const sc = (c: string, f: string) => `(${P(c, "securityContext")} && ${P(`${c}.securityContext`, f)})`;
  /** container field, else pod field (map.ts honours pod-level values of container-only fields). */
  const field = (f: string, test: (x: string) => string) =>
    `(${sc("c", f)} ? ${test(`c.securityContext.${f}`)} : (${sc(ps, f)} && ${test(`${ps}.securityContext.${f}`)}))`;
  const capNorm = (a: string) => `(${a}.trim().upperAscii().startsWith("CAP_") ? ${a}.trim().upperAscii().substring(4) : ${a}.trim().upperAscii())`;
  const capCheck = (x: string) => `(${P(x, "add")} && ${x}.add.exists(a, ${capNorm("a")} in ${celList(facts.dangerousCaps)}))`;
  const annHas = (k: string) => `(${k} in ${V("templateAnnotations")} || ${k} in ${V("objectAnnotations")})`;
  const annGet = (k: string) => `(${k} in ${V("templateAnnotations")} ? ${V("templateAnnotations")}[${k}] : ${V("objectAnnotations")}[${k}])`;
  const unconfined = (x: string) => `(${P(x, "type")} && ${x}.type.lowerAscii() == "unconfined")`;
  const annUnconfined = (k: string) => `(${annHas(k)} && ${annGet(k)}.trim().lowerAscii() == "unconfined")`;
  const cname = `(${P("c", "name")} ? c.name : "")`;
  const seccompC = celStr("container.seccomp.security.alpha.kubernetes.io/");
  const apparmorC = celStr("container.apparmor.security.beta.kubernetes.io/");
  const seccomp =
    `(${sc("c", "seccompProfile")} ? ${unconfined("c.securityContext.seccompProfile")} : ` +
    `${annHas(`${seccompC} + ${cname}`)} ? ${annUnconfined(`${seccompC} + ${cname}`)} : ` +
    `${sc(ps, "seccompProfile")} ? ${unconfined(`${ps}.securityContext.seccompProfile`)} : ` +
    `${annUnconfined(celStr("seccomp.security.alpha.kubernetes.io/pod"))})`;
  const apparmor =
    `(${sc("c", "appArmorProfile")} ? ${unconfined("c.securityContext.appArmorProfile")} : ` +
    `${annHas(`${apparmorC} + ${cname}`)} ? ${annUnconfined(`${apparmorC} + ${cname}`)} : ` +
    `(${sc(ps, "appArmorProfile")} && ${unconfined(`${ps}.securityContext.appArmorProfile`)}))`;
  const hostNs = (f: string, what: string): CelValidation => ({
    expression: `!(${P(ps, f)} && ${ps}.${f} == true)`,
    message: `sockwarden [host-namespace]: ${f}: true shares the host's ${what} namespace with the pod.`,
  });
  const confinement: string[] = [];
  if (facts.confinement.seccomp) confinement.push(seccomp);
  if (facts.confinement.apparmor) confinement.push(apparmor);
  if (facts.confinement.procMount) confinement.push(field("procMount", (x) => `${x} == "Unmasked"`));

  return {
    "socket-mount": [
      {
        expression: `!${V("mountIdx")}.exists(i, (${pipe} && ${raw}.lowerAscii().contains("docker")) || (!${pipe} && (${socketFile} || ${socketParent})))`,
        message:
          "sockwarden [socket-mount]: a hostPath mounts a container runtime socket or a directory that holds one (/, /var, /run, /var/run, /run/containerd …): control of the runtime is root on the node. Remove the mount or use a filtering proxy.",
      },
    ],
    privileged: [
      {
        expression: `!${V("containers")}.exists(c, ${field("privileged", (x) => `${x} == true`)})`,
        message: "sockwarden [privileged]: a container (init and ephemeral included) runs privileged: it can mount the node's disks and load kernel modules.",
      },
    ],
    "host-namespace": [hostNs("hostPID", "PID"), hostNs("hostNetwork", "network"), hostNs("hostIPC", "IPC")],
    "host-path": [
      {
        expression:
          `!${V("mountIdx")}.exists(i, !${pipe} && ${n}.startsWith("/") && !${socketFile} && ` +
          `!(${V("mountReadOnly")}[i] && ${isUnder(n, facts.benignReadOnly)}) && ` +
          `${celList(facts.sensitiveDirs)}.exists(s, s == "/" ? ${n} == "/" : (${n} == s || ${n}.startsWith(s + "/") || s.startsWith(${n} + "/")))` +
          (facts.allowHostPaths.length ? ` && !${isUnder(n, facts.allowHostPaths)}` : "") +
          `)`,
        message:
          "sockwarden [host-path]: a hostPath mounts a sensitive host directory (/, /etc, /root, /var/lib/kubelet, /var/lib/docker …) or a parent of one. Mount only the data directory needed, or list it in allow.hostPaths.",
      },
    ],
    capabilities: [
      {
        expression: `!${V("containers")}.exists(c, ${sc("c", "capabilities")} ? ${capCheck("c.securityContext.capabilities")} : (${sc(ps, "capabilities")} && ${capCheck(`${ps}.securityContext.capabilities`)}))`,
        message: `sockwarden [capabilities]: a container adds a capability that leads out of the container (${facts.dangerousCaps.join(", ")}).`,
      },
    ],
    "security-opt": confinement.length
      ? [
          {
            expression: `!${V("containers")}.exists(c, ${confinement.join(" || ")})`,
            message: "sockwarden [security-opt]: a container switches off kernel confinement (seccomp Unconfined, AppArmor unconfined or procMount Unmasked).",
          },
        ]
      : [],
  };
}

/** Fail closed where the CEL cannot normalize (more than CEL_MAX_INDEX segments or mounts);
 *  tagged with the path concern of the policy it is added to. */
export function celLimitValidation(concern: "socket-mount" | "host-path"): CelValidation {
  return {
    expression: `size(${V("hostPathMounts")}) <= ${CEL_MAX_INDEX} && ${V("mountSegs")}.all(s, size(s) <= ${CEL_MAX_INDEX})`,
    message: `sockwarden [${concern}]: more than ${CEL_MAX_INDEX} hostPath mounts or path segments: this policy cannot normalize the paths, so it denies (fail closed).`,
  };
}

/** UPDATE that leaves the pod spec as it was: admitted (the webhook does the same, with a
 *  warning), so a workload that predates the policy can still be scaled, labelled, deleted. */
export function celUnchangedUpdate(): string {
  return `!(request.operation == "UPDATE" && oldObject != null && ${podSpecOf("oldObject")} == ${podSpecOf("object")})`;
}
