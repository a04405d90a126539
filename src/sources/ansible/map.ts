import { located, type Pos } from "../../model/location.js";
import { emptyWorkload, envVar, type Mount, type NamespaceName, type Workload } from "../../model/workload.js";
import { yentries, yget, yitems, type YValue } from "../yamldoc.js";
import { capName, deviceHostPath, namespaceFromMode, parseVolumeSpec } from "./dockeropts.js";
import { normalizeSecurityOpt } from "../terraform/docker.js";

/**
 * Ansible's `docker_container` / `community.docker.docker_container` task → one Workload (door
 * `iac`). Jinja templates (`{{ … }}`) are resolved only when the play runs: such values are kept as
 * written and marked uncertain; an unresolved boolean that would open the host is assumed on.
 */

export const MODULES = new Set([
  "docker_container",
  "community.docker.docker_container",
  "community.general.docker_container",
  // Swarm services: same option names for what matters here (mounts, user, groups, cap_add/cap_drop, env).
  "docker_swarm_service",
  "community.docker.docker_swarm_service",
]);
const NS_KEYS: [string, NamespaceName][] = [
  ["network_mode", "network"],
  ["pid_mode", "pid"],
  ["ipc_mode", "ipc"],
  ["uts", "uts"],
  ["userns_mode", "userns"],
  ["cgroupns_mode", "cgroupns"],
];

function jinja(s: string): string | undefined {
  const m = /\{\{.*?\}\}|\{%.*?%\}/.exec(s);
  if (!m) return undefined;
  const t = m[0].length > 60 ? m[0].slice(0, 57) + "…" : m[0];
  return `Ansible template \`${t}\` resolved only when the play runs`;
}

interface S {
  value: string;
  uncertain?: string;
}
function str(v: YValue | undefined): S | undefined {
  if (v?.kind !== "scalar" || v.value === null || v.value === undefined || typeof v.value === "object") return undefined;
  const s = String(v.value);
  const u = jinja(s);
  return u ? { value: s, uncertain: u } : { value: s };
}
function bool(v: YValue | undefined, ifUnknown: boolean): { value: boolean; uncertain?: string } | undefined {
  if (v?.kind !== "scalar") return undefined;
  if (typeof v.value === "boolean") return { value: v.value };
  const s = str(v);
  if (!s) return undefined;
  const low = s.value.trim().toLowerCase();
  if (["true", "yes", "on", "1"].includes(low)) return { value: true };
  if (["false", "no", "off", "0"].includes(low)) return { value: false };
  if (s.uncertain) return { value: ifUnknown, uncertain: s.uncertain };
  return undefined;
}
/** A list, or a comma-separated string (Ansible accepts both for list options). */
function list(v: YValue | undefined): { s: S; at?: Pos }[] {
  if (v?.kind === "seq") return v.items.flatMap((it) => (str(it) ? [{ s: str(it)!, ...(it.pos ? { at: it.pos } : {}) }] : []));
  const s = str(v);
  if (!s) return [];
  if (s.uncertain) return [{ s, ...(v?.pos ? { at: v.pos } : {}) }];
  return s.value.split(",").map((x) => x.trim()).filter(Boolean).map((x) => ({ s: { value: x }, ...(v?.pos ? { at: v.pos } : {}) }));
}

export function dockerContainerTask(task: YValue & { kind: "map" }, moduleKey: string, file: string): Workload {
  const params = task.entries.get(moduleKey)!;
  const keyAt = (m: YValue | undefined, k: string): Pos | undefined => (m?.kind === "map" ? (m.keyPos.get(k) ?? m.entries.get(k)?.pos) : undefined);
  const cname = str(yget(params, "name"))?.value;
  const taskName = str(yget(task, "name"))?.value;
  const object = `${moduleKey}${cname ? ` ${cname}` : ""}${taskName ? ` (task "${taskName}")` : ""}`;
  const at = task.keyPos.get(moduleKey) ?? task.pos;
  const w = emptyWorkload({ door: "iac", file, ...(at ? { at } : {}), object, ...(cname ? { name: cname, containerName: cname } : {}) });

  const img = str(yget(params, "image"));
  if (img) w.image = located(img.value, keyAt(params, "image"), img.uncertain);
  const priv = bool(yget(params, "privileged"), true);
  if (priv) w.privileged = located(priv.value, keyAt(params, "privileged"), priv.uncertain);
  const user = str(yget(params, "user"));
  if (user) w.user = located(user.value, keyAt(params, "user"), user.uncertain);

  for (const [key, ns] of NS_KEYS) {
    const s = str(yget(params, key));
    if (s) w.namespaces[ns] = located(namespaceFromMode(ns, s.value), keyAt(params, key), s.uncertain);
  }

  for (const { s, at: p } of list(yget(params, "volumes"))) {
    const v = parseVolumeSpec(s.value);
    const m: Mount = { type: v.type, readOnly: v.readOnly };
    if (v.source !== undefined) m.source = v.source;
    if (v.hostPath !== undefined) m.hostPath = v.hostPath;
    if (v.target !== undefined) m.target = v.target;
    if (p) m.at = p;
    if (s.uncertain) m.uncertain = s.uncertain;
    w.mounts.push(m);
  }
  for (const mv of yitems(yget(params, "mounts"))) {
    const type = str(yget(mv, "type"))?.value ?? "volume";
    const src = str(yget(mv, "source"));
    const ro = bool(yget(mv, "read_only") ?? yget(mv, "readonly"), false);
    const m: Mount = { type: type === "bind" ? "bind" : type === "tmpfs" ? "tmpfs" : type === "volume" ? "volume" : "unknown", readOnly: ro?.value === true };
    if (src) m.source = src.value;
    if (type === "bind" && src) m.hostPath = src.value;
    const tgt = str(yget(mv, "target"))?.value;
    if (tgt !== undefined) m.target = tgt;
    const p = keyAt(mv, "source") ?? mv.pos;
    if (p) m.at = p;
    if (src?.uncertain) m.uncertain = src.uncertain;
    w.mounts.push(m);
  }
  for (const key of ["capabilities", "cap_add"]) for (const { s, at: p } of list(yget(params, key))) w.capAdd.push(located(capName(s.value), p, s.uncertain));
  for (const { s, at: p } of list(yget(params, "cap_drop"))) w.capDrop.push(located(capName(s.value), p, s.uncertain));
  for (const { s, at: p } of list(yget(params, "devices"))) w.devices.push(located(deviceHostPath(s.value), p, s.uncertain));
  for (const { s, at: p } of list(yget(params, "groups"))) w.groups.push(located(s.value, p, s.uncertain));
  for (const { s, at: p } of list(yget(params, "security_opts"))) w.securityOpt.push(located(normalizeSecurityOpt(s.value), p, s.uncertain));
  const env = yget(params, "env");
  // A list of `K=V` strings (docker_swarm_service accepts it): keep names, and values only where envVar allows.
  for (const it of yitems(env)) {
    const s = str(it);
    if (!s) continue;
    const eq = s.value.indexOf("=");
    w.env.push(located(envVar(eq < 0 ? s.value : s.value.slice(0, eq), eq < 0 ? undefined : s.value.slice(eq + 1)), it.pos, s.uncertain));
  }
  for (const [k] of yentries(env)) {
    // envVar keeps values only for DOCKER_HOST & co; everything else is dropped here.
    const s = str(yget(env, k));
    w.env.push(located(envVar(k, s?.value), keyAt(env, k), s?.uncertain));
  }
  for (const [k, v] of yentries(yget(params, "labels"))) {
    const s = str(v);
    if (s) w.labels[k] = s.value;
  }
  return w;
}
