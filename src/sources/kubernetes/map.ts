import type { Pos } from "../../model/location.js";
import { located } from "../../model/location.js";
import { emptyWorkload, envVar, type ContainerRole, type Mount, type NamespaceName, type Workload } from "../../model/workload.js";
import { yget, ystr, ybool, ynum, yitems, yentries, type YValue, type YMap } from "../yamldoc.js";

/**
 * Kubernetes object → Workloads. Pure: no I/O, no judgement (rules judge), shared by the file
 * scanner (`door: "kubernetes"`, values carry positions) and the admission webhook
 * (`door: "webhook"`, values come from JSON through `jsonToY` and carry none).
 *
 * Decisions worth knowing (each one is tested):
 * - Container beats pod: every securityContext field is read from the container first, then
 *   from the pod. Fields that Kubernetes only defines on the container (`privileged`,
 *   `allowPrivilegeEscalation`, `capabilities`, `procMount`) are still honoured when written on
 *   the pod — a reviewer reading the file would believe them — but marked `uncertain`, because
 *   the API server drops or rejects them there.
 * - A hostPath volume becomes one Mount per `volumeMounts` entry that uses it (in every
 *   container, init and ephemeral container), with the mount's `readOnly` and `subPath` (appended
 *   to the host path as written: normalization is the rules' job, via src/model/hostpath.ts).
 * - A hostPath volume that no container mounts is still declared on the pod: an ephemeral
 *   container (`kubectl debug`) or the next edit can mount it without touching `volumes`. It is
 *   attached to the pod's first container with `via: "hostPath volume `x` (declared, not mounted)"`
 *   so it is not lost; it has no `target`.
 * - `hostUsers: false` maps to a private user namespace; `true`/absent is the default and not
 *   recorded (it is not a host-namespace finding).
 * - Positions: `at` is the position of the key that carries the value (`hostPID: true`,
 *   `path: /var/run/docker.sock`, `privileged: yes`), or of the list item for list values
 *   (capabilities, groups, env). A container's `at` is its `name:` key.
 */

export type K8sDoor = "kubernetes" | "webhook";

export interface ObjectMeta {
  kind: string;
  /** As written, or `default` when the object names none. */
  namespace: string;
  name: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  file?: string;
  door: K8sDoor;
  /** Where each annotation key is written (legacy seccomp/AppArmor annotations point there). */
  annotationPos?: Record<string, Pos | undefined>;
}

export interface MapResult {
  workloads: Workload[];
  /** The object (or part of it) could not be read: what was skipped is not checked. */
  errors: string[];
  /** Informational: e.g. an object with an empty pod spec (nothing to check, and the API server
   *  would reject it anyway). */
  notices: string[];
}

/** Kinds whose pod template is at `spec.template` (DeploymentConfig: OpenShift, same shape). */
const SPEC_TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "DeploymentConfig"]);
/** `List` nesting is legal but a List of Lists of … is not a real manifest: stop somewhere. */
const MAX_LIST_DEPTH = 8;

export function workloadsFromObject(obj: YValue, opts: { file?: string; door?: K8sDoor } = {}): MapResult {
  const out: MapResult = { workloads: [], errors: [], notices: [] };
  visitObject(obj, { file: opts.file, door: opts.door ?? "kubernetes" }, out, 0);
  return out;
}

function visitObject(obj: YValue, opts: { file?: string; door: K8sDoor }, out: MapResult, depth: number): void {
  if (obj.kind !== "map") return;
  const kind = ystr(yget(obj, "kind"));
  if (!kind) return;
  const items = yget(obj, "items");
  if (kind === "List" || (kind.endsWith("List") && items !== undefined)) {
    if (depth >= MAX_LIST_DEPTH) {
      out.errors.push(`${kind}${lineSuffix(obj.pos)}: List nested deeper than ${MAX_LIST_DEPTH} levels; inner items not scanned`);
      return;
    }
    if (items === undefined || (items.kind === "scalar" && items.value === null)) return;
    if (items.kind !== "seq") {
      out.errors.push(`${kind}${lineSuffix(items.pos)}: \`items\` is not a list; nothing scanned`);
      return;
    }
    for (const it of items.items) visitObject(it, opts, out, depth + 1);
    return;
  }

  let template: YValue | undefined;
  let where: string;
  if (kind === "Pod") {
    template = undefined;
    where = "spec";
  } else if (SPEC_TEMPLATE_KINDS.has(kind)) {
    template = yget(yget(obj, "spec"), "template");
    where = "spec.template";
  } else if (kind === "CronJob") {
    template = yget(yget(yget(yget(obj, "spec"), "jobTemplate"), "spec"), "template");
    where = "spec.jobTemplate.spec.template";
  } else if (kind === "PodTemplate") {
    template = yget(obj, "template");
    where = "template";
  } else if (hasPodTemplateShape(yget(yget(obj, "spec"), "template"))) {
    // CRDs that wrap a pod template the same way (Argo Rollout, Knative Service/Configuration…).
    template = yget(yget(obj, "spec"), "template");
    where = "spec.template";
  } else {
    return; // Service, ConfigMap, other CRDs…: nothing that runs a container.
  }

  const md = yget(obj, "metadata");
  const name = ystr(yget(md, "name")) ?? (ystr(yget(md, "generateName")) ? `${ystr(yget(md, "generateName"))}*` : "(unnamed)");
  const namespace = ystr(yget(md, "namespace")) ?? "default";
  const annotations = stringMap(yget(md, "annotations"));
  const labels = stringMap(yget(md, "labels"));
  const annotationPos = keyPositions(yget(md, "annotations"));
  let podSpec: YValue | undefined;
  if (kind === "Pod") {
    podSpec = yget(obj, "spec");
  } else {
    const tmd = yget(template, "metadata");
    // The pod carries the template's metadata: its annotations/labels win over the owner's.
    Object.assign(annotations, stringMap(yget(tmd, "annotations")));
    Object.assign(labels, stringMap(yget(tmd, "labels")));
    Object.assign(annotationPos, keyPositions(yget(tmd, "annotations")));
    podSpec = yget(template, "spec");
    where += ".spec";
  }
  const objName = `${kind} ${namespace}/${name}`;
  if (podSpec === undefined || (podSpec.kind === "scalar" && podSpec.value === null)) {
    out.notices.push(`${objName}${lineSuffix(obj.pos)}: no pod spec at \`${where}\`; nothing to check`);
    return;
  }
  const r = podSpecToWorkloads(podSpec, { kind, namespace, name, annotations, labels, file: opts.file, door: opts.door, annotationPos });
  out.workloads.push(...r.workloads);
  out.errors.push(...r.errors);
  out.notices.push(...r.notices);
}

function hasPodTemplateShape(template: YValue | undefined): boolean {
  const spec = yget(template, "spec");
  return yget(spec, "containers")?.kind === "seq" || yget(spec, "initContainers")?.kind === "seq";
}

interface HostPathVolume {
  name: string;
  path: string;
  type?: string;
  at?: Pos;
  mounted: boolean;
}

const CONTAINER_LISTS: [string, ContainerRole][] = [
  ["containers", "container"],
  ["initContainers", "init"],
  ["ephemeralContainers", "ephemeral"],
];

/** One pod spec → one Workload per container, init container and ephemeral container. */
export function podSpecToWorkloads(podSpec: YValue, meta: ObjectMeta): MapResult {
  const out: MapResult = { workloads: [], errors: [], notices: [] };
  const objName = `${meta.kind} ${meta.namespace}/${meta.name}`;
  if (podSpec.kind !== "map") {
    out.errors.push(`${objName}${lineSuffix(podSpec.pos)}: pod spec is not a map; nothing scanned`);
    return out;
  }
  const psc = asMap(yget(podSpec, "securityContext"));
  const volumes = hostPathVolumes(podSpec, objName, out.errors);

  for (const [field, role] of CONTAINER_LISTS) {
    const list = yget(podSpec, field);
    if (list === undefined || (list.kind === "scalar" && list.value === null)) continue;
    if (list.kind !== "seq") {
      out.errors.push(`${objName}${lineSuffix(keyAt(podSpec, field) ?? list.pos)}: \`${field}\` is not a list; those containers were not scanned`);
      continue;
    }
    list.items.forEach((c, i) => {
      if (c.kind !== "map") {
        out.errors.push(`${objName}${lineSuffix(c.pos)}: ${field}[${i}] is not a map; not scanned`);
        return;
      }
      out.workloads.push(containerWorkload(c, i, field, role, podSpec, psc, volumes, meta));
    });
  }

  // A pod spec without any container is invalid, but its pod-level settings (hostPID, hostPath
  // volumes, securityContext) are what a reader sees: keep them on one pod-level workload so
  // they are judged rather than silently dropped. Its object name says there is no container.
  if (out.workloads.length === 0 && noContainerLists(podSpec)) {
    const w = containerWorkload({ kind: "map", entries: new Map(), keyPos: new Map() }, 0, "containers", "container", podSpec, psc, volumes, meta);
    w.source.object = `${meta.kind} ${meta.namespace}/${meta.name} (pod spec without containers)`;
    if (podSpec.pos) w.source.at = podSpec.pos;
    else delete w.source.at;
    delete w.source.containerName;
    out.workloads.push(w);
  }

  // Declared but unmounted hostPath volumes: keep them (see the module comment).
  const first = out.workloads[0];
  for (const v of volumes.values()) {
    if (v.mounted || !first) continue;
    first.mounts.push(
      mount({
        type: "hostPath",
        source: v.path,
        hostPath: v.path,
        readOnly: false,
        via: `hostPath volume \`${v.name}\` (declared, not mounted)`,
        hostPathType: v.type,
        at: v.at,
      }),
    );
  }
  return out;
}

function containerWorkload(
  c: YMap,
  index: number,
  field: string,
  role: ContainerRole,
  podSpec: YValue,
  psc: YMap | undefined,
  volumes: Map<string, HostPathVolume>,
  meta: ObjectMeta,
  ): Workload {
  const cname = ystr(yget(c, "name")) ?? `${field}[${index}]`;
  const cAt = c.keyPos.get("name") ?? c.pos;
  const w = emptyWorkload(
    {
      door: meta.door,
      ...(meta.file !== undefined ? { file: meta.file } : {}),
      ...(cAt ? { at: cAt } : {}),
      object: `${meta.kind} ${meta.namespace}/${meta.name} container ${cname}`,
      kind: meta.kind,
      namespace: meta.namespace,
      name: meta.name,
      containerName: cname,
    },
    role,
  );
  w.labels = { ...meta.labels };
  w.annotations = { ...meta.annotations };

  const image = ystr(yget(c, "image"));
  if (image !== undefined) w.image = located(image, keyAt(c, "image"));

  const csc = asMap(yget(c, "securityContext"));
  const sc = (key: string) => scField(csc, psc, key);

  const priv = sc("privileged");
  const privV = ybool(priv?.value);
  if (priv && privV !== undefined) w.privileged = located(privV, priv.at, priv.podOnly ? podOnlyNote("privileged") : undefined);
  const ape = sc("allowPrivilegeEscalation");
  const apeV = ybool(ape?.value);
  if (ape && apeV !== undefined) w.allowPrivilegeEscalation = located(apeV, ape.at, ape.podOnly ? podOnlyNote("allowPrivilegeEscalation") : undefined);

  const ru = sc("runAsUser");
  const ruV = ynum(ru?.value);
  if (ru && ruV !== undefined) w.runAsUser = located(ruV, ru.at);
  const rg = sc("runAsGroup");
  const rgV = ynum(rg?.value);
  if (rg && rgV !== undefined) w.runAsGroup = located(rgV, rg.at);
  const rnr = sc("runAsNonRoot");
  const rnrV = ybool(rnr?.value);
  if (rnr && rnrV !== undefined) w.runAsNonRoot = located(rnrV, rnr.at);

  const caps = sc("capabilities");
  if (caps) {
    const note = caps.podOnly ? podOnlyNote("capabilities") : undefined;
    for (const it of yitems(yget(caps.value, "add"))) {
      const s = capName(it);
      if (s) w.capAdd.push(located(s, it.pos, note));
    }
    for (const it of yitems(yget(caps.value, "drop"))) {
      const s = capName(it);
      if (s) w.capDrop.push(located(s, it.pos, note));
    }
  }

  const pm = sc("procMount");
  if (pm && ystr(pm.value) === "Unmasked") w.securityOpt.push(located("procMount=Unmasked", pm.at, pm.podOnly ? podOnlyNote("procMount") : undefined));

  const seccomp = seccompOf(csc, psc, cname, meta);
  if (seccomp) w.securityOpt.push(located("seccomp=unconfined", seccomp.at));
  const apparmor = apparmorOf(csc, psc, cname, meta);
  if (apparmor) w.securityOpt.push(located("apparmor=unconfined", apparmor.at));

  // Pod-only: supplementary groups and fsGroup apply to every container's processes.
  for (const it of yitems(yget(psc, "supplementalGroups"))) {
    const g = ystr(it);
    if (g !== undefined) w.groups.push(located(g, it.pos));
  }
  const fsg = ystr(yget(psc, "fsGroup"));
  if (fsg !== undefined) w.groups.push(located(fsg, keyAt(psc, "fsGroup")));

  const ns: [string, NamespaceName][] = [
    ["hostPID", "pid"],
    ["hostNetwork", "network"],
    ["hostIPC", "ipc"],
  ];
  if (podSpec.kind === "map") {
    for (const [key, nsName] of ns) {
      if (ybool(yget(podSpec, key)) === true) w.namespaces[nsName] = located({ mode: "host", raw: `${key}: true` }, keyAt(podSpec, key));
    }
    if (ybool(yget(podSpec, "hostUsers")) === false) w.namespaces.userns = located({ mode: "private", raw: "hostUsers: false" }, keyAt(podSpec, "hostUsers"));
  }

  for (const it of yitems(yget(c, "env"))) {
    const n = ystr(yget(it, "name"));
    if (n === undefined) continue;
    // Only DOCKER_HOST & co keep a value (envVar drops the rest): no reporter can leak a secret.
    w.env.push(located(envVar(n, ystr(yget(it, "value"))), it.pos));
  }

  for (const vm of yitems(yget(c, "volumeMounts"))) {
    const vname = ystr(yget(vm, "name"));
    const vol = vname !== undefined ? volumes.get(vname) : undefined;
    if (!vol) continue;
    vol.mounted = true;
    const subPath = ystr(yget(vm, "subPath"));
    const subPathExpr = ystr(yget(vm, "subPathExpr"));
    const sub = subPath || subPathExpr;
    const m = mount({
      type: "hostPath",
      source: vol.path,
      hostPath: sub ? joinAsWritten(vol.path, sub) : vol.path,
      target: ystr(yget(vm, "mountPath")),
      readOnly: ybool(yget(vm, "readOnly")) === true,
      via: `hostPath volume \`${vol.name}\``,
      hostPathType: vol.type,
      at: vol.at,
    });
    if (!subPath && subPathExpr) m.uncertain = `subPathExpr \`${subPathExpr}\` is expanded from the container's environment at run time`;
    w.mounts.push(m);
  }
  return w;
}

function noContainerLists(podSpec: YMap): boolean {
  return CONTAINER_LISTS.every(([field]) => {
    const v = yget(podSpec, field);
    return v === undefined || (v.kind === "scalar" && v.value === null) || (v.kind === "seq" && v.items.length === 0);
  });
}

function hostPathVolumes(podSpec: YMap, objName: string, errors: string[]): Map<string, HostPathVolume> {
  const out = new Map<string, HostPathVolume>();
  const vols = yget(podSpec, "volumes");
  if (vols !== undefined && vols.kind !== "seq" && !(vols.kind === "scalar" && vols.value === null)) {
    errors.push(`${objName}${lineSuffix(keyAt(podSpec, "volumes") ?? vols.pos)}: \`volumes\` is not a list; hostPath volumes not checked`);
    return out;
  }
  for (const v of yitems(vols)) {
    const hp = yget(v, "hostPath");
    if (hp === undefined) continue;
    const name = ystr(yget(v, "name")) ?? "(unnamed)";
    const path = ystr(yget(hp, "path"));
    if (path === undefined) {
      errors.push(`${objName}${lineSuffix(keyAt(v, "hostPath") ?? hp.pos ?? v.pos)}: hostPath volume \`${name}\` has no path; not checked`);
      continue;
    }
    const type = ystr(yget(hp, "type"));
    out.set(name, { name, path, type: type || undefined, at: keyAt(hp, "path"), mounted: false });
  }
  return out;
}

/** A securityContext field, container first, then pod. `podOnly`: taken from the pod for a
 *  field Kubernetes defines only on containers. */
const CONTAINER_ONLY = new Set(["privileged", "allowPrivilegeEscalation", "capabilities", "procMount"]);
function scField(csc: YMap | undefined, psc: YMap | undefined, key: string): { value: YValue; at?: Pos; podOnly: boolean } | undefined {
  const cv = present(csc, key);
  if (cv) return { value: cv, at: keyAt(csc, key), podOnly: false };
  const pv = present(psc, key);
  if (pv) return { value: pv, at: keyAt(psc, key), podOnly: CONTAINER_ONLY.has(key) };
  return undefined;
}

function podOnlyNote(field: string): string {
  return `\`${field}\` is set in the pod's securityContext, where Kubernetes does not define it (the API server rejects or drops it)`;
}

/** Unconfined seccomp: container field > container legacy annotation > pod field > pod annotation.
 *  Returns where it is written, or undefined when the container is confined/default. */
function seccompOf(csc: YMap | undefined, psc: YMap | undefined, cname: string, meta: ObjectMeta): Hit {
  const cProf = present(csc, "seccompProfile");
  if (cProf) return profileUnconfined(cProf);
  const cAnn = `container.seccomp.security.alpha.kubernetes.io/${cname}`;
  if (meta.annotations[cAnn] !== undefined) return annUnconfined(meta, cAnn);
  const pProf = present(psc, "seccompProfile");
  if (pProf) return profileUnconfined(pProf);
  const pAnn = "seccomp.security.alpha.kubernetes.io/pod";
  if (meta.annotations[pAnn] !== undefined) return annUnconfined(meta, pAnn);
  return null;
}

/** AppArmor: container field > container annotation > pod field (there is no pod annotation). */
function apparmorOf(csc: YMap | undefined, psc: YMap | undefined, cname: string, meta: ObjectMeta): Hit {
  const cProf = present(csc, "appArmorProfile");
  if (cProf) return profileUnconfined(cProf);
  const cAnn = `container.apparmor.security.beta.kubernetes.io/${cname}`;
  if (meta.annotations[cAnn] !== undefined) return annUnconfined(meta, cAnn);
  const pProf = present(psc, "appArmorProfile");
  if (pProf) return profileUnconfined(pProf);
  return null;
}

// `null`: not unconfined. `{ at }`: unconfined, written there (`at` is undefined for webhook JSON).
type Hit = { at?: Pos } | null;
function profileUnconfined(prof: YValue): Hit {
  const t = ystr(yget(prof, "type"));
  if (t === undefined || t.toLowerCase() !== "unconfined") return null;
  return { at: keyAt(asMap(prof), "type") ?? prof.pos };
}
function annUnconfined(meta: ObjectMeta, key: string): Hit {
  if (meta.annotations[key]?.trim().toLowerCase() !== "unconfined") return null;
  return { at: meta.annotationPos?.[key] };
}

function capName(v: YValue): string | undefined {
  const s = ystr(v);
  if (s === undefined || s.trim() === "") return undefined;
  return s.trim().toUpperCase().replace(/^CAP_/, "");
}

/** `/var/run` + `docker.sock` → `/var/run/docker.sock`, without normalizing what was written. */
function joinAsWritten(base: string, sub: string): string {
  return base.endsWith("/") ? base + sub : `${base}/${sub}`;
}

function mount(m: Mount): Mount {
  // Drop undefined optional fields so workloads compare cleanly in tests and JSON.
  for (const k of Object.keys(m) as (keyof Mount)[]) if (m[k] === undefined) delete m[k];
  return m;
}

function present(m: YMap | undefined, key: string): YValue | undefined {
  const v = m?.entries.get(key);
  if (v === undefined || (v.kind === "scalar" && v.value === null)) return undefined;
  return v;
}

function asMap(v: YValue | undefined): YMap | undefined {
  return v?.kind === "map" ? v : undefined;
}

function keyAt(m: YValue | undefined, key: string): Pos | undefined {
  if (m?.kind !== "map") return undefined;
  return m.keyPos.get(key) ?? m.entries.get(key)?.pos;
}

function lineSuffix(p: Pos | undefined): string {
  return p ? ` (line ${p.line})` : "";
}

function stringMap(v: YValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of yentries(v)) {
    // YAML 1.1 reads an unquoted `2027-01-31` as a timestamp; Kubernetes (go-yaml) keeps the text.
    const d = val.kind === "scalar" && val.value instanceof Date ? val.value : undefined;
    const s = d ? (isNaN(d.getTime()) ? undefined : d.toISOString().replace(/T00:00:00\.000Z$/, "")) : ystr(val);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

function keyPositions(v: YValue | undefined): Record<string, Pos | undefined> {
  const out: Record<string, Pos | undefined> = {};
  if (v?.kind === "map") for (const k of v.entries.keys()) out[k] = v.keyPos.get(k) ?? v.entries.get(k)?.pos;
  return out;
}

/** JSON nesting beyond this is not a Kubernetes object (and would risk the stack). */
const MAX_JSON_DEPTH = 200;

export class JsonTooDeepError extends Error {}

/** Plain JSON (an AdmissionReview's `object`) → YValue without positions. Throws
 *  `JsonTooDeepError` beyond 200 levels of nesting. */
export function jsonToY(value: unknown, depth = 0): YValue {
  if (depth > MAX_JSON_DEPTH) throw new JsonTooDeepError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) return { kind: "seq", items: value.map((v) => jsonToY(v, depth + 1)) };
  if (value !== null && typeof value === "object") {
    const entries = new Map<string, YValue>();
    const keyPos = new Map<string, Pos | undefined>();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      entries.set(k, jsonToY(v, depth + 1));
      keyPos.set(k, undefined);
    }
    return { kind: "map", entries, keyPos };
  }
  return { kind: "scalar", value: value === undefined ? null : value };
}

