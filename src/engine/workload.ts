/**
 * The one reading of a Docker Engine container configuration (`Config` + `HostConfig`, as plain
 * JSON values) → `Workload`. Shared by the audit door (inspect answers, `config.v2.json` +
 * `hostconfig.json`) and the proxy door (create/start bodies decoded with Go's rules, then turned
 * into plain values), so both read every field the same way: user, groups, privileged,
 * capabilities, devices, device requests, security options (with the daemon's own additions
 * dropped), namespaces (with the daemon's defaults dropped), runtime, cgroup parent, sysctls, env
 * (values only for DOCKER_HOST & co), labels, image — and mount specs.
 *
 * Pure and synchronous. What needs the daemon or the host — named volumes' driver options,
 * `VolumesFrom`, `container:<ref>` joins, realpath/stat of host paths — each door resolves
 * afterwards in its own way (the proxy asks the daemon before forwarding; the audit stats the host).
 * Nothing here judges: rules do.
 *
 * Deliberately not mapped (not findings, so no rule needs them): `OomScoreAdj` below 0 makes the
 * container's processes less likely to be OOM-killed — the host's OOM killer picks others first,
 * a resource-fairness matter, not access to the host; `PidsLimit` 0/-1 (unlimited) allows a fork
 * bomb to exhaust the host's PID space, again resource exhaustion bounded by the daemon's own
 * cgroup and kernel limits, not a way out of the container. Neither gives the container anything
 * of the host it did not have.
 */
import { ENGINE_NAMESPACE_FIELDS, namespaceFromMode } from "../model/namespace.js";
import { emptyWorkload, envVar, type DeviceRequest, type Mount, type NamespaceName, type Workload, type WorkloadSource } from "../model/workload.js";
import { located } from "../model/location.js";

/** The `Config` fields read here. The input types are derived from these lists, so the core cannot
 *  read a field a door did not hand over (the proxy converts only these from its decoded body). */
export const ENGINE_CONFIG_KEYS = ["Image", "User", "Env", "Labels"] as const;
/** The `HostConfig` fields read here (`Capabilities`: API 1.40 only, the full set; read like CapAdd). */
export const ENGINE_HOST_CONFIG_KEYS = [
  "Binds", "Mounts", "Tmpfs", "VolumeDriver", "VolumesFrom", "Privileged", "CapAdd", "CapDrop", "Capabilities",
  "GroupAdd", "Devices", "DeviceCgroupRules", "DeviceRequests", "SecurityOpt", "MaskedPaths", "ReadonlyPaths",
  "PidMode", "NetworkMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode", "Runtime", "CgroupParent", "Sysctls",
] as const;

/** `Config` of a container (inspect) or the Config part of a create body. Any field may be missing,
 *  null or of the wrong type (on-disk state of another host): readers check types. */
export type EngineConfig = { [K in (typeof ENGINE_CONFIG_KEYS)[number]]?: unknown };

/** `HostConfig` (inspect, `hostconfig.json`, or a create/start body). Only the fields read here. */
export type EngineHostConfig = { [K in (typeof ENGINE_HOST_CONFIG_KEYS)[number]]?: unknown };

/** What the daemon fills in on its own; a value equal to it is not the user's choice. */
export interface DaemonDefaults {
  /** The daemon stores `CgroupnsMode: host` in every container when that is its default (cgroup v1
   *  hosts, or `default-cgroupns-mode: host`): then `host` is dropped, asked for or not — the
   *  container is the same either way. */
  cgroupnsHost?: boolean;
  /** The daemon's default runtime (stored in every container's `Runtime`); default `runc`. */
  defaultRuntime?: string;
}

/** The defaults a daemon reports in `GET /info`: `CgroupVersion` "1" means containers get the host
 *  cgroup namespace unless they ask otherwise (a daemon configured with `default-cgroupns-mode`
 *  differently is not visible there); `DefaultRuntime` is what `Runtime` holds when none was asked. */
export function daemonDefaultsFromInfo(info: unknown): DaemonDefaults {
  const i = rec(info) ?? {};
  const out: DaemonDefaults = {};
  if (i.CgroupVersion === "1") out.cgroupnsHost = true;
  const rt = str(i.DefaultRuntime);
  if (rt) out.defaultRuntime = rt;
  return out;
}

/** Bad input the daemon itself would refuse (a bind with four parts …). */
export class EngineConfigError extends Error {}

// ───────────────────────────── small typed readers (input is untrusted) ─────────────────────────────

type Rec = Record<string, unknown>;
const rec = (x: unknown): Rec | undefined => (x && typeof x === "object" && !Array.isArray(x) ? (x as Rec) : undefined);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);
/** A []string, or docker's StrSlice (a single string is a one-element list). */
const strings = (x: unknown): string[] => (typeof x === "string" ? [x] : Array.isArray(x) ? x.filter((s): s is string => typeof s === "string") : []);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const strMap = (x: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  const r = rec(x);
  if (r) for (const [k, v] of Object.entries(r)) if (typeof v === "string") out[k] = v;
  return out;
};

// ───────────────────────────── normalizations shared by both doors ─────────────────────────────

/** `seccomp:unconfined` (old form) → `seccomp=unconfined`; the daemon accepts both separators. */
export function normalizeSecurityOpt(s: string): string {
  const eq = s.indexOf("=");
  const colon = s.indexOf(":");
  if (eq < 0 && colon > 0) return s.slice(0, colon) + "=" + s.slice(colon + 1);
  return s;
}

/** `cap_sys_admin`, `CAP_SYS_ADMIN`, `sys_admin` → `SYS_ADMIN` (the daemon normalizes the same
 *  way, to `CAP_SYS_ADMIN`; the model keeps the Compose form without the prefix). */
export function normalizeCapability(c: string): string {
  return c.trim().toUpperCase().replace(/^CAP_/, "");
}

/** Runtime names that are the daemon's stock runc. */
const RUNC_NAMES = new Set(["runc", "io.containerd.runc.v2"]);

/**
 * Namespace modes the daemon stores when the field was left empty (moby daemon_unix.go
 * `adaptContainerSettings`, create.go): NetworkMode `default`, IpcMode `private` (or `shareable`
 * with `default-ipc-mode: shareable`), CgroupnsMode `private` on cgroup v2. Written explicitly they
 * give the same container, so they are dropped from the model: a create body without them and the
 * inspect of the container it made read the same.
 */
function isDaemonDefaultNamespace(ns: NamespaceName, raw: string, d: DaemonDefaults): boolean {
  if (ns === "network") return raw === "default";
  if (ns === "ipc") return raw === "private" || raw === "shareable";
  if (ns === "cgroupns") return raw === "private" || (raw === "host" && d.cgroupnsHost === true);
  return false;
}

// ───────────────────────────── the mapping ─────────────────────────────

/**
 * The workload for one container configuration. Mounts are not filled (see `specMounts` and
 * `inspectMounts`); namespace joins (`container:<ref>`) stay unresolved (mode `container`).
 */
export function workloadFromEngine(config: EngineConfig | undefined | null, hc: EngineHostConfig | undefined | null, source: WorkloadSource, defaults: DaemonDefaults = {}): Workload {
  const w = emptyWorkload(source);
  const cfg: EngineConfig = config ?? {};
  const h: EngineHostConfig = hc ?? {};

  const image = str(cfg.Image);
  if (image) w.image = located(image);
  const user = str(cfg.User);
  if (user) w.user = located(user);
  w.labels = strMap(cfg.Labels);
  for (const e of strings(cfg.Env)) {
    const eq = e.indexOf("=");
    // envVar keeps values only for DOCKER_HOST & co; every other value is dropped here.
    w.env.push(located(eq < 0 ? envVar(e, undefined) : envVar(e.slice(0, eq), e.slice(eq + 1))));
  }

  const privileged = h.Privileged === true;
  if (privileged) w.privileged = located(true);
  for (const c of [...strings(h.CapAdd), ...strings(h.Capabilities)]) w.capAdd.push(located(normalizeCapability(c)));
  for (const c of strings(h.CapDrop)) w.capDrop.push(located(normalizeCapability(c)));
  for (const g of strings(h.GroupAdd)) w.groups.push(located(g));
  for (const d of list(h.Devices)) {
    const p = str(rec(d)?.PathOnHost);
    if (p) w.devices.push(located(p));
  }
  for (const r of strings(h.DeviceCgroupRules)) w.deviceCgroupRules.push(located(r));
  const requests = list(h.DeviceRequests).map(deviceRequestOf).filter((r): r is DeviceRequest => r !== undefined);
  if (requests.length) w.deviceRequests = requests.map((r) => located(r));

  // The daemon adds `label=disable` itself to privileged and host-PID/IPC containers unless the
  // caller gave a label option (moby daemon/create.go generateSecurityOpt). Written by the user or
  // added by the daemon, the container is the same — and the privileged or host-namespace
  // finding already says more — so it is not reported as a separate choice by either door.
  const pidMode = str(h.PidMode);
  const ipcMode = str(h.IpcMode);
  const impliedLabelDisable = privileged || pidMode === "host" || ipcMode === "host";
  for (const s of strings(h.SecurityOpt)) {
    const n = normalizeSecurityOpt(s);
    if (impliedLabelDisable && n === "label=disable") continue;
    w.securityOpt.push(located(n));
  }
  // An explicit empty list (not absent, not null) unmasks /proc and /sys like systempaths=unconfined
  // (that is how the docker CLI sends `--security-opt systempaths=unconfined`).
  const emptyList = (x: unknown) => Array.isArray(x) && x.length === 0;
  if ((emptyList(h.MaskedPaths) || emptyList(h.ReadonlyPaths)) && !w.securityOpt.some((s) => s.value === "systempaths=unconfined")) w.securityOpt.push(located("systempaths=unconfined"));

  for (const [field, ns] of ENGINE_NAMESPACE_FIELDS) {
    const raw = str(h[field]);
    if (raw === undefined || raw === "") continue;
    if (isDaemonDefaultNamespace(ns, raw, defaults)) continue;
    w.namespaces[ns] = located(namespaceFromMode(ns, raw));
  }

  // The daemon stores its default runtime in every container: only another one is a choice.
  const runtime = str(h.Runtime);
  if (runtime && !RUNC_NAMES.has(runtime) && runtime !== defaults.defaultRuntime) w.runtime = located(runtime);
  const cgroupParent = str(h.CgroupParent);
  if (cgroupParent) w.cgroupParent = located(cgroupParent);
  const sysctls = strMap(h.Sysctls);
  const names = Object.keys(sysctls);
  if (names.length) w.sysctls = names.map((name) => located({ name, value: sysctls[name]! }));
  return w;
}

/** One `DeviceRequests` entry (`--gpus all` is `{Driver:"", Count:-1, Capabilities:[["gpu"]]}`). */
function deviceRequestOf(x: unknown): DeviceRequest | undefined {
  const r = rec(x);
  if (!r) return undefined;
  const out: DeviceRequest = {};
  const driver = str(r.Driver);
  if (driver) out.driver = driver;
  if (typeof r.Count === "number" && Number.isFinite(r.Count)) out.count = r.Count;
  const ids = strings(r.DeviceIDs);
  if (ids.length) out.deviceIds = ids;
  const caps = list(r.Capabilities).map(strings).filter((c) => c.length > 0);
  if (caps.length) out.capabilities = caps;
  const opts = strMap(r.Options);
  if (Object.keys(opts).length) out.options = opts;
  return out;
}

// ───────────────────────────── mounts ─────────────────────────────

/** Valid bind/volume mode words (moby volume/mounts linux parser). */
const MODE_WORD = /^(ro|rw|z|Z|nocopy|shared|rshared|slave|rslave|private|rprivate|delegated|cached|consistent)$/;
export function isMountMode(s: string): boolean {
  return s.split(",").every((w) => MODE_WORD.test(w));
}

/** A local-driver volume's options that mount something of the host (`type=none,o=bind,device=/run`). */
export function localVolumeHostPath(driver: string, opts: Record<string, string>): string | undefined {
  if (driver !== "" && driver !== "local") return undefined;
  const device = opts.device;
  if (device === undefined || device === "") return undefined;
  // NFS/CIFS devices are remote (`:/export`, `//server/share`); tmpfs has no host source. A bind
  // (`o=bind`) exposes the directory; a block device path (`type=ext4`) exposes its filesystem.
  if ((opts.type ?? "") === "tmpfs" || !device.startsWith("/")) return undefined;
  return device;
}

/** How a mount reached a host path through a named volume's driver options (one wording for all doors). */
export function namedVolumeVia(name: string, options: Record<string, string>): string {
  const opts = Object.entries(options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => `${k}=${x}`).join(",");
  return `named volume \`${name}\` (driver options ${opts})`;
}

/** A mount from a spec, with what a door still has to look up. */
export interface SpecMount {
  mount: Mount;
  /** A named volume: its driver options (from the daemon) may bind a host path. */
  volume?: { name: string; driverHint: string };
}

/** `HostConfig.Tmpfs` (`--tmpfs /run:rw,size=64m`): a map target → options. */
function tmpfsMounts(x: unknown): Mount[] {
  return Object.entries(strMap(x)).map(([target, opts]) => ({ type: "tmpfs" as const, target, readOnly: opts.split(",").includes("ro") }));
}

/** One `Binds` entry: `src:dst[:mode]`, `dst[:mode]` (anonymous volume), `name:dst` (named volume). */
export function bindSpec(spec: string, volumeDriver: string): SpecMount {
  const parts = spec.split(":");
  let src: string | undefined;
  let dst: string;
  let mode = "";
  if (parts.length === 1) dst = parts[0]!;
  else if (parts.length === 2) {
    if (isMountMode(parts[1]!)) {
      dst = parts[0]!;
      mode = parts[1]!;
    } else [src, dst] = parts as [string, string];
  } else if (parts.length === 3) [src, dst, mode] = parts as [string, string, string];
  else throw new EngineConfigError(`invalid bind ${JSON.stringify(spec)} (expected source:target[:mode])`);
  const readOnly = mode.split(",").includes("ro");
  if (src === undefined || src === "") return { mount: { type: "volume", target: dst, readOnly } };
  if (src.startsWith("/")) return { mount: { type: "bind", source: src, hostPath: src, target: dst, readOnly } };
  return { mount: { type: "volume", source: src, target: dst, readOnly }, volume: { name: src, driverHint: volumeDriver } };
}

/** One `HostConfig.Mounts` entry. An inline `VolumeOptions.DriverConfig` creates the volume when
 *  it does not exist yet: its options count as well as the named volume's (two entries). */
export function mountSpec(x: unknown): SpecMount[] {
  const m = rec(x) ?? {};
  const type = str(m.Type) ?? "";
  const source = str(m.Source) ?? "";
  const target = str(m.Target) ?? "";
  const readOnly = m.ReadOnly === true;
  switch (type) {
    case "bind":
      return [{ mount: { type: "bind", source, hostPath: source, target, readOnly } }];
    case "npipe":
      return [{ mount: { type: "npipe", source, hostPath: source, target, readOnly } }];
    case "tmpfs":
      return [{ mount: { type: "tmpfs", target, readOnly } }];
    case "image":
      return [{ mount: { type: "image", source, target, readOnly } }];
    case "volume": {
      const out: SpecMount[] = [];
      const dc = rec(rec(m.VolumeOptions)?.DriverConfig);
      const driver = str(dc?.Name) ?? "";
      if (dc) {
        const hp = localVolumeHostPath(driver, strMap(dc.Options));
        if (hp) out.push({ mount: { type: "volume", source, hostPath: hp, target, readOnly, driver: driver || "local", via: `VolumeOptions.DriverConfig (device=${hp})` } });
      }
      if (source) out.push({ mount: { type: "volume", source, target, readOnly }, volume: { name: source, driverHint: driver } });
      else if (out.length === 0) out.push({ mount: { type: "volume", target, readOnly } });
      return out;
    }
    default:
      return [{ mount: { type: "unknown", source, target, readOnly, uncertain: `mount type ${JSON.stringify(type)}` } }];
  }
}

/** The mounts a create/start body asks for: `Binds`, `Mounts`, `Tmpfs` (VolumesFrom is a door's lookup). */
export function specMounts(hc: EngineHostConfig | undefined | null): SpecMount[] {
  const h = hc ?? {};
  const volumeDriver = str(h.VolumeDriver) ?? "";
  const out: SpecMount[] = [];
  for (const b of strings(h.Binds)) out.push(bindSpec(b, volumeDriver));
  for (const m of list(h.Mounts)) out.push(...mountSpec(m));
  for (const m of tmpfsMounts(h.Tmpfs)) out.push({ mount: m });
  return out;
}

/** One entry of inspect's top-level `Mounts` (the daemon's resolved list). */
export interface InspectMount {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  Driver?: string;
  RW?: boolean;
  Mode?: string;
}

function inspectMountOf(m: InspectMount): Mount | undefined {
  const target = m.Destination;
  const readOnly = m.RW === false;
  const withTarget = (x: Mount): Mount => (target ? { ...x, target } : x);
  switch (m.Type) {
    case "bind":
      return withTarget({ type: "bind", source: m.Source, readOnly, ...(m.Source ? { hostPath: m.Source } : {}) } as Mount);
    case "volume":
      // hostPath is set later, and only when the volume's driver options bind a host path.
      return withTarget({ type: "volume", source: m.Name ?? m.Source, readOnly, driver: m.Driver || "local" } as Mount);
    case "tmpfs":
      return withTarget({ type: "tmpfs", readOnly });
    case "npipe":
      return withTarget({ type: "npipe", source: m.Source, hostPath: m.Source, readOnly } as Mount);
    case "image":
      return withTarget({ type: "image", source: m.Name ?? m.Source, readOnly } as Mount);
    default:
      return m.Source ? withTarget({ type: "unknown", source: m.Source, readOnly }) : undefined;
  }
}

/**
 * The mounts of an existing container: the daemon's resolved list (binds, named and anonymous
 * volumes, what VolumesFrom copied in), plus tmpfs mounts it leaves out of that list
 * (`HostConfig.Tmpfs` always; `HostConfig.Mounts` of type tmpfs on older daemons).
 */
export function inspectMounts(resolved: unknown, hc: EngineHostConfig | undefined | null): Mount[] {
  const out: Mount[] = [];
  for (const m of list(resolved)) {
    const r = rec(m);
    const mm = r && inspectMountOf(r as InspectMount);
    if (mm) out.push(mm);
  }
  const targets = new Set(out.map((m) => m.target));
  const h = hc ?? {};
  // In the order a spec gives them (Mounts, then Tmpfs).
  const tmpfs = [...list(h.Mounts).filter((x) => rec(x)?.Type === "tmpfs").flatMap((x) => mountSpec(x).map((s) => s.mount)), ...tmpfsMounts(h.Tmpfs)];
  for (const m of tmpfs) {
    if (targets.has(m.target)) continue;
    targets.add(m.target);
    out.push(m);
  }
  return out;
}
