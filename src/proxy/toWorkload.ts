/**
 * Engine API bodies → `Workload`s (door "proxy"). The decoded Go values (./gojson.ts, whose
 * canonical re-serialization is what goes to the daemon) are turned into plain Engine JSON and read
 * by the core the audit shares (src/engine/workload.ts), so both doors read every field the same
 * way. References to other objects (named volumes, `VolumesFrom`, `container:<ref>` namespace
 * joins) are resolved here through the `Resolver`, which the server backs with inspect requests to
 * the upstream daemon.
 */
import { ENGINE_NAMESPACE_FIELDS } from "../model/namespace.js";
import { emptyWorkload, envVar, type Mount, type Workload } from "../model/workload.js";
import { located } from "../model/location.js";
import { socketExposure } from "../model/hostpath.js";
import {
  ENGINE_CONFIG_KEYS,
  ENGINE_HOST_CONFIG_KEYS,
  EngineConfigError,
  bindSpec,
  isMountMode,
  localVolumeHostPath,
  mountSpec,
  namedVolumeVia,
  specMounts,
  workloadFromEngine,
  type DaemonDefaults,
  type EngineConfig,
  type EngineHostConfig,
  type SpecMount,
} from "../engine/workload.js";
import { HttpError } from "./http1.js";
import {
  CONFIG_FIELDS,
  HOST_CONFIG,
  decodeInto,
  foldKey,
  get,
  getBool,
  getList,
  getMap,
  getStr,
  getStrings,
  isStruct,
  type GoSlice,
  type GoStruct,
  type GoValue,
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
  /** What the daemon fills in on its own (default cgroupns mode, default runtime), from `GET /info`:
   *  a value equal to it is dropped from the model, as the audit drops it. Without it, an explicit
   *  `CgroupnsMode: host` is judged even where it is the daemon's default (the stricter reading). */
  daemonDefaults?(): Promise<DaemonDefaults>;
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
    // Likewise `Runtime`: every container holds the daemon's default runtime (often `nvidia` on
    // GPU hosts). An explicit runtime was judged at create; here it would deny every start, exec
    // and attach on such hosts.
    hc.fields.delete("Runtime");
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

// ───────────────────────────── decoded Go values → the plain Engine JSON the shared core reads ─────────────────────────────

/** A decoded value as plain JSON with canonical field names: what the daemon would store. Opaque
 *  values keep their keys as written (their duplicates and case collisions were refused). */
export function goToPlain(v: GoValue | GoSlice): unknown {
  if (v === undefined) return undefined;
  if (typeof v !== "object") return v;
  if (Array.isArray(v)) return (v as GoValue[]).map(goToPlain);
  switch (v.kind) {
    case "struct": {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v.fields) {
        const p = goToPlain(x);
        if (p !== undefined) o[k] = p;
      }
      return o;
    }
    case "map": {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v.entries) o[k] = goToPlain(x) ?? null;
      return o;
    }
    case "slice":
      return v.items.map((x) => goToPlain(x) ?? null);
    case "opaque":
      return nodeToPlain(v.node);
  }
}

function nodeToPlain(n: JNode): unknown {
  switch (n.t) {
    case "obj": {
      const o: Record<string, unknown> = {};
      for (const [k, x] of n.entries) o[k] = nodeToPlain(x);
      return o;
    }
    case "arr":
      return n.items.map(nodeToPlain);
    case "str":
      return n.v;
    case "num":
      return Number(n.raw);
    case "bool":
      return n.v;
    case "null":
      return null;
  }
}

/** `DeviceRequest`'s Go fields. The proxy keeps `DeviceRequests` opaque (forwarded as written), so
 *  its keys are matched here the way Go matches them (case-insensitively, with simple folding);
 *  the opaque check already refused two keys that fold alike. */
const DEVICE_REQUEST_FIELDS = ["Driver", "Count", "DeviceIDs", "Capabilities", "Options"];
function canonicalDeviceRequests(x: unknown): unknown {
  if (!Array.isArray(x)) return x;
  return x.map((r) => {
    if (!r || typeof r !== "object" || Array.isArray(r)) return r;
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r as Record<string, unknown>)) {
      const f = DEVICE_REQUEST_FIELDS.find((name) => name === k) ?? DEVICE_REQUEST_FIELDS.find((name) => foldKey(name) === foldKey(k));
      if (f) o[f] = v; // Go drops keys no field takes
    }
    return o;
  });
}

/** Only the fields the core reads are converted (the rest of a body is never looked at here). */
function plainOf(s: GoStruct, keys: readonly string[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of keys) {
    const v = goToPlain(get(s, k));
    if (v !== undefined) o[k] = v;
  }
  return o;
}

function plainHostConfig(hc: GoStruct | undefined): EngineHostConfig | undefined {
  if (!hc) return undefined;
  const o = plainOf(hc, ENGINE_HOST_CONFIG_KEYS);
  if ("DeviceRequests" in o) o.DeviceRequests = canonicalDeviceRequests(o.DeviceRequests);
  return o as EngineHostConfig;
}

export interface BuildContext {
  resolver: Resolver;
  /** Object name for messages: `container web`, `exec in container web`. */
  object: string;
  container?: { id: string; name: string; state: string };
}

/** Workloads for a container defined by (Config, HostConfig): the container itself first, then
 *  the containers whose namespaces it joins (a join is as dangerous as its target). Every field is
 *  read by the core the audit shares (src/engine/workload.ts); what needs the daemon is looked up here. */
export async function containerToWorkloads(config: GoStruct | undefined, hc: GoStruct | undefined, ctx: BuildContext, depth = 0): Promise<Workload[]> {
  const source: Workload["source"] = { door: "proxy", object: ctx.object };
  if (ctx.container) source.container = ctx.container;
  const defaults: DaemonDefaults = ctx.resolver.daemonDefaults ? await ctx.resolver.daemonDefaults() : {};
  const phc = plainHostConfig(hc);
  const w = workloadFromEngine(config ? (plainOf(config, ENGINE_CONFIG_KEYS) as EngineConfig) : undefined, phc, source, defaults);
  const extra: Workload[] = [];
  if (hc && phc) await resolveHostConfig(w, phc, ctx, depth, extra);
  return [w, ...extra];
}

async function resolveHostConfig(w: Workload, hc: EngineHostConfig, ctx: BuildContext, depth: number, extra: Workload[]): Promise<void> {
  const r = ctx.resolver;
  for (const [field, ns] of ENGINE_NAMESPACE_FIELDS) {
    const s = w.namespaces[ns]?.value;
    if (!s || s.mode !== "container" || s.ref === undefined) continue;
    const raw = s.raw;
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

  let specs: SpecMount[];
  try {
    specs = specMounts(hc);
  } catch (e) {
    if (e instanceof EngineConfigError) throw new HttpError(400, `sockwarden: ${e.message}`);
    throw e;
  }
  for (const sm of specs) w.mounts.push(await resolveSpecMount(sm, r));
  for (const vf of Array.isArray(hc.VolumesFrom) ? hc.VolumesFrom.filter((x): x is string => typeof x === "string") : []) {
    const colon = vf.lastIndexOf(":");
    const ref = colon > 0 && isMountMode(vf.slice(colon + 1)) ? vf.slice(0, colon) : vf;
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

/** A named volume from a spec: its driver options (asked of the daemon) may bind a host path. */
async function resolveSpecMount(sm: SpecMount, r: Resolver): Promise<Mount> {
  const m = sm.mount;
  if (!sm.volume) return m;
  const info = await r.volume(sm.volume.name);
  if (info) {
    m.driver = info.driver;
    const hp = localVolumeHostPath(info.driver, info.options);
    if (hp) {
      m.hostPath = hp;
      m.via = namedVolumeVia(sm.volume.name, info.options);
    }
  } else if (sm.volume.driverHint) m.driver = sm.volume.driverHint;
  return m;
}


export async function bindToMounts(spec: string, volumeDriver: string, r: Resolver): Promise<Mount[]> {
  try {
    return [await resolveSpecMount(bindSpec(spec, volumeDriver), r)];
  } catch (e) {
    if (e instanceof EngineConfigError) throw new HttpError(400, `sockwarden: ${e.message}`);
    throw e;
  }
}

export async function mountToMounts(m: GoStruct, r: Resolver): Promise<Mount[]> {
  const out: Mount[] = [];
  for (const sm of mountSpec(goToPlain(m))) out.push(await resolveSpecMount(sm, r));
  return out;
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
