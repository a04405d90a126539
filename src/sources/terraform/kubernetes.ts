import type { Pos } from "../../model/location.js";
import type { Located } from "../../model/location.js";
import type { Workload } from "../../model/workload.js";
import type { YValue, YMap } from "../yamldoc.js";
import { workloadsFromObject } from "../kubernetes/map.js";
import { attr, isObj, type H } from "./hnode.js";
import type { LNode } from "./hcllocate.js";
import type { TfVars } from "./resolve.js";

/**
 * Terraform's kubernetes provider resources → the Kubernetes object they create → the shared
 * Kubernetes mapping (src/sources/kubernetes/map.ts). Reusing that mapping keeps one meaning for
 * hostPath volumes joined to volume mounts, container-over-pod security contexts, init
 * containers and host namespaces, whichever door the pod spec came through.
 *
 * The provider's schema is the Kubernetes API in snake_case with blocks for objects and repeated
 * blocks for lists (`container { … }` ×N = `containers: […]`). We rename keys, turn repeated
 * blocks into sequences where Kubernetes has a list, and keep every position (the key's, as the
 * YAML door does). Values the HCL left as expressions are resolved through `var.x` defaults or
 * kept as written; both are marked uncertain on the resulting workloads.
 */

export const TF_K8S_KINDS: Record<string, string> = {
  kubernetes_pod: "Pod",
  kubernetes_pod_v1: "Pod",
  kubernetes_deployment: "Deployment",
  kubernetes_deployment_v1: "Deployment",
  kubernetes_daemonset: "DaemonSet",
  kubernetes_daemon_set_v1: "DaemonSet",
  kubernetes_stateful_set: "StatefulSet",
  kubernetes_stateful_set_v1: "StatefulSet",
  kubernetes_job: "Job",
  kubernetes_job_v1: "Job",
  kubernetes_cron_job: "CronJob",
  kubernetes_cron_job_v1: "CronJob",
  kubernetes_replication_controller: "ReplicationController",
  kubernetes_replication_controller_v1: "ReplicationController",
};

/** Keys whose Kubernetes name is not the plain camelCase of the snake_case one. */
const RENAME: Record<string, string> = {
  container: "containers",
  init_container: "initContainers",
  ephemeral_container: "ephemeralContainers",
  volume: "volumes",
  volume_mount: "volumeMounts",
  volume_device: "volumeDevices",
  host_pid: "hostPID",
  host_ipc: "hostIPC",
  port: "ports",
  toleration: "tolerations",
  image_pull_secrets: "imagePullSecrets",
  host_aliases: "hostAliases",
  env_from: "envFrom",
};
/** Blocks that are lists in Kubernetes (a single block is still a one-item list). */
const LIST_KEYS = new Set(["container", "init_container", "ephemeral_container", "volume", "volume_mount", "volume_device", "env", "env_from", "port", "toleration", "image_pull_secrets", "host_aliases", "add", "drop", "supplemental_groups", "command", "args"]);
/** Maps whose keys are data, not schema: never renamed. */
const DATA_MAPS = new Set(["labels", "annotations", "node_selector", "match_labels"]);
/** Booleans that, when left as an unresolved expression, must be assumed on (they open the host)
 *  or off (`read_only`: a mount may be writable). */
const BOOL_IF_UNKNOWN: Record<string, boolean> = {
  privileged: true,
  host_pid: true,
  host_network: true,
  host_ipc: true,
  allow_privilege_escalation: true,
  read_only: false,
  // kubernetes_manifest spells them as the API does
  hostPID: true,
  hostNetwork: true,
  hostIPC: true,
  allowPrivilegeEscalation: true,
  readOnly: false,
};

function camel(k: string): string {
  return RENAME[k] ?? k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const posKey = (p: Pos | undefined) => (p ? `${p.line}:${p.column}` : "");

interface Conv {
  /** `kubernetes_manifest`: the object is written as the API has it (no renames, lists stay lists). */
  raw?: boolean;
  vars: TfVars;
  file: string;
  /** Positions of values that were resolved from a default or left as expressions. */
  uncertain: Map<string, string>;
}

function scalar(v: unknown, at: Pos | undefined, key: string, cv: Conv): YValue {
  let value: unknown = v;
  if (typeof v === "string" && v.includes("${")) {
    const b = key in BOOL_IF_UNKNOWN ? cv.vars.bool(v, BOOL_IF_UNKNOWN[key]!) : undefined;
    const r = b ?? cv.vars.str(v);
    if (r) {
      value = r.value;
      if (r.uncertain && at) cv.uncertain.set(posKey(at), r.uncertain);
    }
  }
  return { kind: "scalar", ...(at ? { pos: withFile(at, cv) } : {}), value };
}

function withFile(p: Pos, _cv: Conv): Pos {
  return { line: p.line, column: p.column };
}

/** An HCL object (block body or object constructor) → a YAML-like map with positions. */
function toMap(h: H, cv: Conv, rename: boolean, depth: number): YMap {
  const m: YMap = { kind: "map", entries: new Map(), keyPos: new Map(), ...(h.loc?.pos ? { pos: h.loc.pos } : h.at ? { pos: h.at } : {}) };
  if (!isObj(h.v) || depth > 60) return m;
  const loc = h.loc?.kind === "object" ? h.loc : undefined;
  for (const [k, v] of Object.entries(h.v)) {
    const ents = loc?.entries.filter((e) => e.key === k) ?? [];
    const first = ents[0];
    const outKey = rename ? camel(k) : k;
    const keyPos = first?.keyPos;
    const val = toValue(k, v, ents.map((e) => ({ loc: e.value, at: e.keyPos, block: e.block })), keyPos, cv, rename && !DATA_MAPS.has(k), depth + 1);
    m.entries.set(outKey, val);
    m.keyPos.set(outKey, keyPos);
  }
  return m;
}

/** One key's value. `locs`: the located entries for the key (one per repeated block, or the
 *  attribute's single entry). */
function toValue(key: string, v: unknown, locs: { loc: LNode; at: Pos; block: boolean }[], keyPos: Pos | undefined, cv: Conv, rename: boolean, depth: number): YValue {
  const isBlock = locs.some((l) => l.block);
  if (Array.isArray(v)) {
    // Repeated blocks or a tuple: pair each item with its located node.
    const hs: H[] = v.map((item, i) => {
      if (isBlock) return { v: item, loc: locs[i]?.loc, at: locs[i]?.at };
      const l = locs[0]?.loc;
      const it = l?.kind === "list" ? l.items[i] : undefined;
      return { v: item, loc: it, at: it?.pos ?? keyPos };
    });
    const allObjects = v.length > 0 && v.every(isObj);
    if (allObjects && !cv.raw && !LIST_KEYS.has(key)) return toMap(hs[0]!, cv, rename, depth); // a block that occurs once
    return {
      kind: "seq",
      ...(keyPos ? { pos: keyPos } : {}),
      items: hs.map((h) => (isObj(h.v) ? toMap(h, cv, rename, depth) : scalar(h.v, h.at, key, cv))),
    };
  }
  if (isObj(v)) {
    const h: H = { v, loc: locs[0]?.loc, at: keyPos };
    const m = toMap(h, cv, rename, depth);
    // `container = { … }` where Kubernetes has a list: a one-item list.
    return LIST_KEYS.has(key) && !cv.raw ? { kind: "seq", ...(keyPos ? { pos: keyPos } : {}), items: [m] } : m;
  }
  return scalar(v, keyPos, key, cv);
}

export interface TfK8sResult {
  workloads: Workload[];
  errors: string[];
  /** Informational: what could not be read for a known reason. */
  notices?: string[];
}

/** One `resource "kubernetes_*" "name"` block → Workloads (door `iac`, object
 *  `kubernetes_pod.name container c`). */
export function kubernetesResourceWorkloads(tfType: string, name: string, h: H, file: string, vars: TfVars): TfK8sResult {
  const kind = TF_K8S_KINDS[tfType];
  if (!kind) return { workloads: [], errors: [] };
  const cv: Conv = { vars, file, uncertain: new Map() };
  const body = toMap(h, cv, true, 0);
  const obj: YMap = { kind: "map", entries: new Map(body.entries), keyPos: new Map(body.keyPos), ...(h.at ? { pos: h.at } : {}) };
  obj.entries.set("kind", { kind: "scalar", value: kind });
  obj.entries.set("apiVersion", { kind: "scalar", value: "v1" });
  const r = workloadsFromObject(obj, { file });
  for (const w of r.workloads) {
    w.source.door = "iac";
    w.source.object = `${tfType}.${name} container ${w.source.containerName ?? "?"}`;
    markUncertain(w, cv.uncertain);
  }
  return { workloads: r.workloads, errors: r.errors.map((e) => `${tfType}.${name}: ${e}`) };
}

/** `resource "kubernetes_manifest" "x" { manifest = { apiVersion, kind, metadata, spec } }`: the
 *  object as the API has it. `manifest = yamldecode(file(…))` cannot be read here (a notice). */
export function kubernetesManifestWorkloads(name: string, h: H, file: string, vars: TfVars): TfK8sResult {
  const m = attr(h, "manifest");
  if (!m) return { workloads: [], errors: [] };
  if (!isObj(m.v)) return { workloads: [], errors: [], notices: [`kubernetes_manifest.${name}: the manifest is an expression (${String(m.v).slice(0, 60)}), known only when Terraform runs; not read`] };
  const cv: Conv = { raw: true, vars, file, uncertain: new Map() };
  const obj = toMap(m, cv, false, 0);
  const r = workloadsFromObject(obj, { file });
  for (const w of r.workloads) {
    w.source.door = "iac";
    w.source.object = `kubernetes_manifest.${name} container ${w.source.containerName ?? "?"}`;
    markUncertain(w, cv.uncertain);
  }
  return { workloads: r.workloads, errors: r.errors.map((e) => `kubernetes_manifest.${name}: ${e}`) };
}

/** Values that came from a default or stayed expressions carry the reason on the workload. */
function markUncertain(w: Workload, notes: Map<string, string>): void {
  const mark = (l: Located<unknown> | undefined) => {
    if (!l || l.uncertain) return;
    const n = notes.get(posKey(l.at));
    if (n) l.uncertain = n;
    else if (typeof l.value === "string" && l.value.includes("${")) l.uncertain = "unresolved Terraform expression";
  };
  for (const l of [w.image, w.user, w.runAsUser, w.runAsGroup, w.runAsNonRoot, w.privileged, w.allowPrivilegeEscalation]) mark(l as Located<unknown> | undefined);
  for (const list of [w.groups, w.capAdd, w.capDrop, w.devices, w.securityOpt, w.env, w.deviceCgroupRules]) for (const l of list as Located<unknown>[]) mark(l);
  for (const ns of Object.values(w.namespaces)) mark(ns as Located<unknown>);
  for (const m of w.mounts) {
    if (m.uncertain) continue;
    const n = notes.get(posKey(m.at));
    if (n) m.uncertain = n;
    else if ((m.hostPath ?? m.source ?? "").includes("${")) m.uncertain = "unresolved Terraform expression";
  }
}
