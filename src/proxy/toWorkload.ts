/**
 * Engine API bodies → `Workload`s (door "proxy"). Everything that decides what a container can
 * reach is read here; references to other objects (named volumes, `VolumesFrom`, `container:<ref>`
 * namespace joins) are resolved through the `Resolver`, which the server backs with inspect
 * requests to the upstream daemon.
 */
import { namespaceFromMode, ENGINE_NAMESPACE_FIELDS } from "../model/namespace.js";
import { emptyWorkload, envVar, type Mount, type NamespaceName, type NamespaceSetting, type Workload } from "../model/workload.js";
import { located } from "../model/location.js";
import { socketExposure } from "../model/hostpath.js";
import { HttpError } from "./http1.js";
import {
  CONFIG_FIELDS,
  HOST_CONFIG,
  decodeInto,
  get,
  getBool,
  getList,
  getMap,
  getStr,
  getStrings,
  getStruct,
  has,
  isStruct,
  type GoStruct,
  type JNode,
} from "./gojson.js";

export interface ContainerInfo {
  id: string;
  name: string;
  state: string;
  config?: GoStruct;
  hostConfig?: GoStruct;
}

export interface VolumeInfo {
  driver: string;
  options: Record<string, string>;
}

/** Lookups against the daemon. `undefined` = does not exist. */
export interface Resolver {
  container(ref: string): Promise<ContainerInfo | undefined>;
  volume(name: string): Promise<VolumeInfo | undefined>;
  /** Resolve symlinks of a host path on the daemon's host (identity when unknown). */
  realHostPath?(path: string): Promise<string>;
  /** Is this host path the daemon's own socket (same device and inode), under whatever name? */
  isDaemonSocket?(path: string): Promise<boolean>;
}

/** Build ContainerInfo from `GET /containers/{id}/json` (decoded with the same Go schema). */
export function containerInfoFromInspect(j: unknown): ContainerInfo {
  const o = (j ?? {}) as Record<string, unknown>;
  const info: ContainerInfo = {
    id: String(o.Id ?? ""),
    name: String(o.Name ?? "").replace(/^\//, ""),
    state: String(((o.State ?? {}) as Record<string, unknown>).Status ?? ""),
  };
  const cfg = fromPlain(o.Config, { k: "struct", fields: CONFIG_FIELDS });
  const hc = fromPlain(o.HostConfig, HOST_CONFIG);
  if (cfg) info.config = cfg;
  if (hc) {
    // On cgroup v1 hosts the daemon stores its *default* `CgroupnsMode: "host"` in every
    // container's host config, asked for or not. A create that asked for it explicitly was
    // judged at create; judged here it would deny every exec/attach on such hosts.
    if (getStr(hc, "CgroupnsMode") === "host") hc.fields.delete("CgroupnsMode");
    info.hostConfig = hc;
  }
  return info;
}

function fromPlain(v: unknown, t: Parameters<typeof decodeInto>[0]): GoStruct | undefined {
  if (!v || typeof v !== "object") return undefined;
  const r = decodeInto(t, undefined, plainToNode(v));
  return isStruct(r) ? r : undefined;
}

export function plainToNode(v: unknown): JNode {
  if (v === null || v === undefined) return { t: "null" };
  if (typeof v === "boolean") return { t: "bool", v };
  if (typeof v === "number") return { t: "num", raw: String(v) };
  if (typeof v === "string") return { t: "str", v };
  if (Array.isArray(v)) return { t: "arr", items: v.map(plainToNode) };
  return { t: "obj", entries: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plainToNode(x)]) };
}

const MAX_DEPTH = 4;

/** Valid bind/volume mode words (moby volume/mounts linux parser). */
const MODE_WORD = /^(ro|rw|z|Z|nocopy|shared|rshared|slave|rslave|private|rprivate|delegated|cached|consistent)$/;
function isMode(s: string): boolean {
  return s.split(",").every((w) => MODE_WORD.test(w));
}

export interface BuildContext {
  resolver: Resolver;
  /** Object name for messages: `container web`, `exec in container web`. */
  object: string;
  container?: { id: string; name: string; state: string };
}

/** Workloads for a container defined by (Config, HostConfig): the container itself first, then
 *  the containers whose namespaces it joins (a join is as dangerous as its target). */
export async function containerToWorkloads(config: GoStruct | undefined, hc: GoStruct | undefined, ctx: BuildContext, depth = 0): Promise<Workload[]> {
  const source: Workload["source"] = { door: "proxy", object: ctx.object };
  if (ctx.container) source.container = ctx.container;
  const w = emptyWorkload(source);
  const extra: Workload[] = [];
  const image = getStr(config, "Image");
  if (image) w.image = located(image);
  const user = getStr(config, "User");
  if (user) w.user = located(user);
  w.labels = getMap(config, "Labels");
  for (const e of getStrings(config, "Env")) {
    const eq = e.indexOf("=");
    w.env.push(located(eq < 0 ? envVar(e, undefined) : envVar(e.slice(0, eq), e.slice(eq + 1))));
  }
  if (hc) await applyHostConfig(w, hc, ctx, depth, extra);
  return [w, ...extra];
}

async function applyHostConfig(w: Workload, hc: GoStruct, ctx: BuildContext, depth: number, extra: Workload[]): Promise<void> {
  const r = ctx.resolver;
  if (getBool(hc, "Privileged")) w.privileged = located(true);
  for (const c of [...getStrings(hc, "CapAdd"), ...getStrings(hc, "Capabilities")]) w.capAdd.push(located(c));
  for (const c of getStrings(hc, "CapDrop")) w.capDrop.push(located(c));
  for (const g of getStrings(hc, "GroupAdd")) w.groups.push(located(g));
  for (const d of getList(hc, "Devices")) {
    const p = isStruct(d) ? getStr(d, "PathOnHost") : undefined;
    if (p) w.devices.push(located(p));
  }
  for (const rule of getStrings(hc, "DeviceCgroupRules")) w.deviceCgroupRules.push(located(rule));
  for (const s of getStrings(hc, "SecurityOpt")) w.securityOpt.push(located(normalizeSecurityOpt(s)));
  // `MaskedPaths: []` / `ReadonlyPaths: []` (not absent) unmask /proc like systempaths=unconfined.
  if (has(hc, "MaskedPaths") && getStrings(hc, "MaskedPaths").length === 0) w.securityOpt.push(located("systempaths=unconfined"));
  else if (has(hc, "ReadonlyPaths") && getStrings(hc, "ReadonlyPaths").length === 0) w.securityOpt.push(located("systempaths=unconfined"));

  for (const [field, ns] of ENGINE_NAMESPACE_FIELDS) {
    const raw = getStr(hc, field);
    if (raw === undefined || raw === "") continue;
    const s = namespaceFromMode(ns, raw);
    w.namespaces[ns] = located(s);
    if (s.mode === "container" && s.ref !== undefined) {
      // Joining another container's namespace gives what that container has (its host
      // namespaces, its mounts through /proc/<pid>/root): judge the target too.
      const target = await r.container(s.ref);
      if (!target) throw new HttpError(404, `sockwarden: no such container ${JSON.stringify(s.ref)} (${field} container:${s.ref})`);
      if (depth >= MAX_DEPTH) throw new HttpError(400, "sockwarden: namespace/volume references nested too deep");
      const tw = await containerToWorkloads(target.config, target.hostConfig, {
        resolver: r,
        object: `container ${target.name} (joined by ${ctx.object} through ${field} container:${s.ref})`,
        container: { id: target.id, name: target.name, state: target.state },
      }, depth + 1);
      extra.push(...tw);
      const tns = tw[0]?.namespaces[ns];
      if (tns && tns.value.mode === "host") w.namespaces[ns] = located({ mode: "host", raw: `${raw} (which uses the host's ${ns} namespace)` });
    }
  }

  const volumeDriver = getStr(hc, "VolumeDriver") ?? "";
  for (const b of getStrings(hc, "Binds")) w.mounts.push(...(await bindToMounts(b, volumeDriver, r)));
  for (const m of getList(hc, "Mounts")) if (isStruct(m)) w.mounts.push(...(await mountToMounts(m, r)));
  for (const vf of getStrings(hc, "VolumesFrom")) {
    const colon = vf.lastIndexOf(":");
    const ref = colon > 0 && isMode(vf.slice(colon + 1)) ? vf.slice(0, colon) : vf;
    const mode = ref === vf ? "" : vf.slice(colon + 1);
    const src = await r.container(ref);
    if (!src) throw new HttpError(404, `sockwarden: no such container ${JSON.stringify(ref)} (VolumesFrom)`);
    if (depth >= MAX_DEPTH) throw new HttpError(400, "sockwarden: namespace/volume references nested too deep");
    const sw = await containerToWorkloads(src.config, src.hostConfig, { resolver: r, object: `container ${src.name}` }, depth + 1);
    for (const m of sw[0]?.mounts ?? []) {
      const copy: Mount = { ...m, via: `VolumesFrom ${ref}${m.via ? "; " + m.via : ""}` };
      if (mode.split(",").includes("ro")) copy.readOnly = true;
      w.mounts.push(copy);
    }
  }
  if (r.realHostPath) {
    for (const m of w.mounts) {
      if (m.hostPath && m.hostPath.startsWith("/")) {
        const real = await r.realHostPath(m.hostPath);
        if (real !== m.hostPath) {
          m.via = `${m.via ? m.via + "; " : ""}${m.hostPath} resolves to ${real} on the host`;
          m.hostPath = real;
        }
      }
    }
  }
  if (r.isDaemonSocket) {
    for (const m of w.mounts) {
      // The daemon's socket under a name no list knows (a hard link, a renamed copy): say what
      // it is in the terms the rules read, and keep the real path in `via`.
      if (m.hostPath && m.hostPath.startsWith("/") && !socketExposure(m.hostPath) && (await r.isDaemonSocket(m.hostPath))) {
        m.via = `${m.via ? m.via + "; " : ""}${m.hostPath} is the Docker daemon's own socket (same inode as the proxy's upstream)`;
        m.hostPath = "/run/docker.sock";
      }
    }
  }
}

export function normalizeSecurityOpt(s: string): string {
  // Old form `seccomp:unconfined`; the daemon accepts both separators.
  const eq = s.indexOf("=");
  const colon = s.indexOf(":");
  if (eq < 0 && colon > 0) return s.slice(0, colon) + "=" + s.slice(colon + 1);
  return s;
}

/** A local-driver volume's options that mount something of the host. */
export function localVolumeHostPath(driver: string, opts: Record<string, string>): string | undefined {
  if (driver !== "" && driver !== "local") return undefined;
  const device = opts.device;
  if (device === undefined || device === "") return undefined;
  const type = opts.type ?? "";
  // NFS/CIFS devices are remote (`:/export`, `//server/share`); tmpfs has no host source.
  if (type === "tmpfs" || !device.startsWith("/")) return undefined;
  return device;
}

async function namedVolumeMount(name: string, target: string, readOnly: boolean, driverHint: string, r: Resolver, via: string): Promise<Mount[]> {
  const out: Mount[] = [];
  const m: Mount = { type: "volume", source: name, target, readOnly };
  const info = await r.volume(name);
  if (info) {
    m.driver = info.driver;
    const hp = localVolumeHostPath(info.driver, info.options);
    if (hp) {
      m.hostPath = hp;
      m.via = `named volume ${name} (driver ${info.driver || "local"} device=${hp}${via ? "; " + via : ""})`;
    }
  } else if (driverHint) m.driver = driverHint;
  out.push(m);
  return out;
}

export async function bindToMounts(spec: string, volumeDriver: string, r: Resolver): Promise<Mount[]> {
  const parts = spec.split(":");
  let src: string | undefined;
  let dst: string;
  let mode = "";
  if (parts.length === 1) dst = parts[0]!;
  else if (parts.length === 2) {
    if (isMode(parts[1]!)) {
      dst = parts[0]!;
      mode = parts[1]!;
    } else [src, dst] = parts as [string, string];
  } else if (parts.length === 3) [src, dst, mode] = parts as [string, string, string];
  else throw new HttpError(400, `sockwarden: invalid bind ${JSON.stringify(spec)} (expected source:target[:mode])`);
  const readOnly = mode.split(",").includes("ro");
  if (src === undefined || src === "") return [{ type: "volume", target: dst, readOnly }];
  if (src.startsWith("/")) return [{ type: "bind", source: src, hostPath: src, target: dst, readOnly }];
  return namedVolumeMount(src, dst, readOnly, volumeDriver, r, "");
}

export async function mountToMounts(m: GoStruct, r: Resolver): Promise<Mount[]> {
  const type = getStr(m, "Type") ?? "";
  const source = getStr(m, "Source") ?? "";
  const target = getStr(m, "Target") ?? "";
  const readOnly = getBool(m, "ReadOnly") ?? false;
  switch (type) {
    case "bind":
      return [{ type: "bind", source, hostPath: source, target, readOnly }];
    case "npipe":
      return [{ type: "npipe", source, hostPath: source, target, readOnly }];
    case "tmpfs":
      return [{ type: "tmpfs", target, readOnly }];
    case "image":
      return [{ type: "image", source, target, readOnly }];
    case "volume": {
      const out: Mount[] = [];
      const vo = getStruct(m, "VolumeOptions");
      const dc = getStruct(vo, "DriverConfig");
      if (dc) {
        // An inline driver config creates the volume when it does not exist yet.
        const driver = getStr(dc, "Name") ?? "";
        const hp = localVolumeHostPath(driver, getMap(dc, "Options"));
        if (hp) out.push({ type: "volume", source, hostPath: hp, target, readOnly, driver: driver || "local", via: `VolumeOptions.DriverConfig (device=${hp})` });
      }
      if (source) out.push(...(await namedVolumeMount(source, target, readOnly, dc ? getStr(dc, "Name") ?? "" : "", r, "")));
      else if (out.length === 0) out.push({ type: "volume", target, readOnly });
      return out;
    }
    default:
      return [{ type: "unknown", source, target, readOnly, uncertain: `mount type ${JSON.stringify(type)}` }];
  }
}

/** Exec create: the exec runs inside the container with the container's reach, plus its own flags. */
export async function execToWorkloads(exec: GoStruct, target: ContainerInfo, r: Resolver): Promise<Workload[]> {
  const ws = await containerToWorkloads(target.config, target.hostConfig, {
    resolver: r,
    object: `exec in container ${target.name}`,
    container: { id: target.id, name: target.name, state: target.state },
  });
  const w = ws[0]!;
  if (getBool(exec, "Privileged")) w.privileged = located(true);
  const user = getStr(exec, "User");
  if (user) w.user = located(user);
  for (const e of getStrings(exec, "Env")) {
    const eq = e.indexOf("=");
    w.env.push(located(eq < 0 ? envVar(e, undefined) : envVar(e.slice(0, eq), e.slice(eq + 1))));
  }
  return ws;
}

/** Volume create: a local volume with bind/device options is a host mount waiting to happen. */
export function volumeCreateToWorkload(body: GoStruct): Workload {
  const name = getStr(body, "Name") ?? "";
  const driver = getStr(body, "Driver") ?? "";
  const w = emptyWorkload({ door: "proxy", object: `volume ${name || "(unnamed)"}` });
  w.labels = getMap(body, "Labels");
  const hp = localVolumeHostPath(driver, getMap(body, "DriverOpts"));
  if (hp) w.mounts.push({ type: "volume", source: name, hostPath: hp, readOnly: false, driver: driver || "local", via: `volume ${name || "(unnamed)"} driver options device=${hp}` });
  return w;
}

/** Update body: only Resources, of which devices matter. */
export function updateToWorkload(body: GoStruct, target: ContainerInfo): Workload {
  const w = emptyWorkload({ door: "proxy", object: `update of container ${target.name}`, container: { id: target.id, name: target.name, state: target.state } });
  const image = getStr(target.config, "Image");
  if (image) w.image = located(image);
  w.labels = getMap(target.config, "Labels");
  for (const d of getList(body, "Devices")) {
    const p = isStruct(d) ? getStr(d, "PathOnHost") : undefined;
    if (p) w.devices.push(located(p));
  }
  for (const rule of getStrings(body, "DeviceCgroupRules")) w.deviceCgroupRules.push(located(rule));
  return w;
}

export { get };
