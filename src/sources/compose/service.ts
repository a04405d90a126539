/**
 * One Compose service (already interpolated, `extends` merged) → one `Workload`. Only
 * translates: every value keeps the position of the line that carries it, and nothing is judged.
 */
import { namespaceFromMode } from "../../model/namespace.js";
import { posix } from "node:path";
import { emptyWorkload, envVar, type Mount, type NamespaceName, type NamespaceSetting, type Workload, type EnvVar } from "../../model/workload.js";
import { located, type Located, type Pos } from "../../model/location.js";
import { yget, ystr, type YMap, type YValue } from "../yamldoc.js";
import { uncertainOf } from "./interpolate.js";
import { commandWords, daemonEndpoints } from "./daemon.js";
import type { DaemonEndpoint } from "../types.js";
import { bindHostPath, mountFromItem, tmpfsMounts, type MountContext } from "./volumes.js";
import { applyEngineFields } from "./engine-fields.js";
import { composeBool, deviceHostSide, isDindImage, joinNotes, normalizeCap, normalizeSecurityOpt, publishesPort, scalarString } from "./values.js";

export interface ServiceContext extends MountContext {
  /** Top-level `secrets:` and `configs:` (file-backed ones are bind mounts of host files). */
  secrets?: YValue;
  configs?: YValue;
  /** Read an `env_file:` (root-relative path) and return its variable names/values, or undefined. */
  readEnvFile(rel: string): Map<string, string> | undefined;
}

/** A `volumes_from` entry, resolved once every service of the file is built. */
export interface VolumesFromRef {
  kind: "service" | "container";
  ref: string;
  /** `ro`/`rw` suffix, if any. */
  mode?: string;
  at?: Pos;
  uncertain?: string;
}

export interface BuiltService {
  workload: Workload;
  volumesFrom: VolumesFromRef[];
  /** Daemons this service runs (dind, `dockerd …`), for the daemon-tcp rules. */
  endpoints: DaemonEndpoint[];
}

const NAMESPACE_KEYS: [string, NamespaceName][] = [
  ["pid", "pid"],
  ["network_mode", "network"],
  ["ipc", "ipc"],
  ["userns_mode", "userns"],
  ["cgroup", "cgroupns"],
  ["uts", "uts"],
];

function dirOf(file: string): string {
  const d = posix.dirname(file);
  return d === "" ? "." : d;
}

function list(v: YValue | undefined): YValue[] {
  if (!v) return [];
  if (v.kind === "seq") return v.items;
  if (v.kind === "scalar" && v.value !== null) return [v];
  return [];
}

/** Compose `pid:`, `network_mode:`, `ipc:` …: the shared reading of a namespace mode. */
export function namespaceSetting(raw: string, ns: NamespaceName): NamespaceSetting {
  return namespaceFromMode(ns, raw);
}

export function buildService(name: string, svc: YMap, keyPos: Pos | undefined, sc: ServiceContext): BuiltService {
  const fix = (p: Pos | undefined) => sc.fixPos(p);
  const loc = <T>(value: T, v: YValue, extra?: string): Located<T> => located(value, fix(v.pos), joinNotes([uncertainOf(v), extra]));
  const get = (k: string) => svc.entries.get(k);

  const source = { door: "compose" as const, file: sc.file, object: `service ${name}` } as Workload["source"];
  const at = fix(keyPos);
  if (at) source.at = at;
  const imageV = get("image");
  const image = scalarString(imageV);
  const w = emptyWorkload(source, image && isDindImage(image) ? "dind" : "container");
  if (image !== undefined && imageV) w.image = loc(image, imageV);

  const userV = get("user");
  const user = scalarString(userV);
  if (user !== undefined && userV) w.user = loc(user, userV);
  for (const g of list(get("group_add"))) {
    const s = scalarString(g);
    if (s !== undefined) w.groups.push(loc(s, g));
  }

  // An unresolved `privileged: ${VAR}` could be either: assume the worst case and say so.
  const privV = get("privileged");
  const priv = composeBool(privV);
  if (priv !== undefined && privV) w.privileged = loc(priv, privV);
  else if (privV && uncertainOf(privV)) w.privileged = located(true, fix(privV.pos), `${uncertainOf(privV)}: for \`privileged\` that means assuming true, the worst case`);

  for (const [key, ns] of NAMESPACE_KEYS) {
    const v = get(key);
    const s = scalarString(v);
    if (s !== undefined && v) w.namespaces[ns] = loc(uncertainOf(v) && s.includes("$") ? { mode: "other", raw: s } : namespaceSetting(s, ns), v);
  }

  for (const c of list(get("cap_add"))) {
    const s = scalarString(c);
    if (s) w.capAdd.push(loc(normalizeCap(s), c));
  }
  for (const c of list(get("cap_drop"))) {
    const s = scalarString(c);
    if (s) w.capDrop.push(loc(normalizeCap(s), c));
  }

  for (const d of list(get("devices"))) {
    if (d.kind === "map") {
      const src = d.entries.get("source");
      const s = scalarString(src);
      if (s && src) w.devices.push(loc(s, src));
      continue;
    }
    const s = scalarString(d);
    if (s) w.devices.push(loc(deviceHostSide(s), d));
  }
  for (const r of list(get("device_cgroup_rules"))) {
    const s = scalarString(r);
    if (s) w.deviceCgroupRules.push(loc(s, r));
  }
  for (const o of list(get("security_opt"))) {
    const s = scalarString(o);
    if (s) w.securityOpt.push(loc(normalizeSecurityOpt(s), o));
  }

  applyEngineFields(w, svc, loc);

  w.env = environment(get("env_file"), get("environment"), sc, loc);
  w.labels = labels(get("labels"));

  // Mounts: volumes (short/long), tmpfs, use_api_socket, file-backed secrets and configs.
  for (const it of list(get("volumes"))) {
    const m = mountFromItem(it, sc);
    if (m) w.mounts.push(m);
  }
  w.mounts.push(...tmpfsMounts(get("tmpfs"), sc));
  const apiV = get("use_api_socket");
  if (apiV && (composeBool(apiV) === true || (composeBool(apiV) === undefined && uncertainOf(apiV)))) {
    // Compose bind-mounts the engine's socket at /var/run/docker.sock (and copies credentials).
    const m: Mount = { type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false, via: "use_api_socket" };
    const p = fix(apiV.pos);
    if (p) m.at = p;
    const u = uncertainOf(apiV);
    if (u) m.uncertain = `${u}: for \`use_api_socket\` that means assuming true, the worst case`;
    w.mounts.push(m);
  }
  w.mounts.push(...fileBacked("secret", get("secrets"), sc.secrets, sc, (n) => `/run/secrets/${n}`));
  w.mounts.push(...fileBacked("config", get("configs"), sc.configs, sc, (n) => `/${n}`));

  if (w.role === "dind") {
    const ports = list(get("ports"));
    const pub = ports.find((p) => publishesPort(p, [2375, 2376]));
    if (pub) {
      w.facts = { published: true };
      const p = fix(pub.pos);
      if (p) w.facts.publishedAt = p;
    }
  }

  const volumesFrom: VolumesFromRef[] = [];
  for (const it of list(get("volumes_from"))) {
    const s = scalarString(it);
    if (!s) continue;
    const m = /^(?:(container|service):)?([^:]+)(?::(ro|rw))?$/.exec(s.trim());
    const ref: VolumesFromRef = m ? { kind: m[1] === "container" ? "container" : "service", ref: m[2]!, ...(m[3] ? { mode: m[3] } : {}) } : { kind: "container", ref: s };
    const p = fix(it.pos);
    if (p) ref.at = p;
    const u = uncertainOf(it);
    if (u) ref.uncertain = u;
    volumesFrom.push(ref);
  }
  const endpoints = daemonEndpoints(w, commandWords(get("command"), fix));
  return { workload: w, volumesFrom, endpoints };
}

type Loc = <T>(value: T, v: YValue, extra?: string) => Located<T>;

/** env_file first, then environment (which wins); one entry per name, last one kept. */
function environment(envFile: YValue | undefined, env: YValue | undefined, sc: ServiceContext, loc: Loc): Located<EnvVar>[] {
  const byName = new Map<string, Located<EnvVar>>();
  for (const it of list(envFile)) {
    const pathV = it.kind === "map" ? yget(it, "path") : it;
    const p = scalarString(pathV);
    if (!p || !pathV) continue;
    const rel = posix.normalize(posix.join(dirOf(pathV.pos?.file ?? sc.file), p));
    const vars = sc.readEnvFile(rel);
    if (!vars) continue; // a missing env file (often git-ignored) adds nothing we can know
    for (const [k, v] of vars) byName.set(k, loc(envVar(k, v), pathV));
  }
  if (env?.kind === "seq") {
    for (const it of env.items) {
      const s = scalarString(it);
      if (!s) continue;
      const eq = s.indexOf("=");
      const name = (eq < 0 ? s : s.slice(0, eq)).trim();
      if (!name) continue;
      byName.delete(name);
      byName.set(name, loc(envVar(name, eq < 0 ? undefined : s.slice(eq + 1)), it));
    }
  } else if (env?.kind === "map") {
    for (const [k, v] of env.entries) {
      const s = scalarString(v);
      byName.delete(k);
      const at = s === undefined ? { ...v, pos: env.keyPos.get(k) ?? v.pos } : v;
      byName.set(k, loc(envVar(k, s), at));
    }
  }
  return [...byName.values()];
}

function labels(v: YValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (v?.kind === "seq") {
    for (const it of v.items) {
      const s = scalarString(it);
      if (!s) continue;
      const eq = s.indexOf("=");
      if (eq < 0) out[s.trim()] = "";
      else out[s.slice(0, eq).trim()] = s.slice(eq + 1);
    }
  } else if (v?.kind === "map") {
    for (const [k, x] of v.entries) out[k] = scalarString(x) ?? "";
  }
  return out;
}

/** `secrets:`/`configs:` backed by `file:` are bind mounts of that host file (read-only). */
function fileBacked(kind: "secret" | "config", refs: YValue | undefined, defs: YValue | undefined, sc: ServiceContext, defaultTarget: (n: string) => string): Mount[] {
  const out: Mount[] = [];
  for (const it of list(refs)) {
    const nameV = it.kind === "map" ? yget(it, "source") : it;
    const name = scalarString(nameV);
    if (!name) continue;
    const def = yget(defs, name);
    const fileV = yget(def, "file");
    const file = ystr(fileV);
    if (!file || !fileV) continue;
    const target = ystr(yget(it, "target"));
    const h = bindHostPath(file, fileV.pos?.file ?? sc.file);
    const m: Mount = { type: "bind", source: file, target: target ? (kind === "secret" && !target.startsWith("/") ? `/run/secrets/${target}` : target) : defaultTarget(name), readOnly: true, via: `${kind} \`${name}\` (file: ${file})` };
    if (h.hostPath !== undefined) m.hostPath = h.hostPath;
    const p = sc.fixPos(it.pos);
    if (p) m.at = p;
    const u = joinNotes([uncertainOf(fileV), h.note]);
    if (u) m.uncertain = u;
    out.push(m);
  }
  return out;
}
