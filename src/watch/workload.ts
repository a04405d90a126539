/**
 * Daemon objects → Workloads for the shared rules. Containers go through the audit's mapping
 * (`workloadFromInspect`, then host-path resolution and `container:` joins from src/audit/), so
 * watch and audit judge a container the same way; volumes and plugins are mapped here because
 * only the watcher sees them appear.
 */
import { emptyWorkload, type Workload } from "../model/workload.js";
import { located } from "../model/location.js";
import { workloadFromInspect, type InspectLike } from "../audit/inspect.js";
import { HostPathResolver, resolveJoins, resolveMounts, volumeBind, type VolumeInfo } from "../audit/resolve.js";
import { localVolumeHostPath } from "../engine/workload.js";

export interface InspectLookups {
  /** `GET /containers/{ref}/json`, undefined when it does not exist. */
  container(ref: string): Promise<unknown | undefined>;
  /** `GET /volumes/{name}`, undefined when it does not exist. */
  volume(name: string): Promise<{ Driver?: string; Options?: Record<string, string> | null } | undefined>;
}

export interface ContainerMapContext {
  lookups: InspectLookups;
  /** The daemon's host name (`/info` Name), as the audit labels workloads. */
  host?: string;
  cgroupV1?: boolean;
  /** The daemon's default runtime (`/info` DefaultRuntime): stored in every container, so not a choice. */
  defaultRuntime?: string;
  /** Local daemons only: resolves mount sources on this host (realpath, stat, sockets below). */
  resolver?: HostPathResolver;
}

/**
 * One container's workload, resolved the way `audit` resolves it. The containers it joins
 * (`--pid container:x`, `--volumes-from x`) are inspected too, so their host namespaces and
 * socket mounts count for it; they are judged as themselves on their own events.
 */
export async function containerWorkloads(inspect: unknown, ctx: ContainerMapContext): Promise<Workload[]> {
  const c = inspect as InspectLike;
  const opts = { ...(ctx.host ? { host: ctx.host } : {}), ...(ctx.cgroupV1 ? { cgroupV1: true } : {}), ...(ctx.defaultRuntime ? { defaultRuntime: ctx.defaultRuntime } : {}) };
  const w = workloadFromInspect(c, opts);
  w.source.door = "watch";
  const refs = new Set<string>();
  const hc = c.HostConfig ?? {};
  for (const mode of [hc.PidMode, hc.NetworkMode, hc.IpcMode, hc.UTSMode, hc.UsernsMode, hc.CgroupnsMode]) if (typeof mode === "string" && mode.startsWith("container:")) refs.add(mode.slice("container:".length));
  for (const vf of hc.VolumesFrom ?? []) refs.add(vf.replace(/:(ro|rw|z|Z)(,(ro|rw|z|Z))*$/, ""));
  const others: InspectLike[] = [];
  for (const ref of refs) {
    const t = (await ctx.lookups.container(ref)) as InspectLike | undefined;
    if (t && t.Id !== c.Id) others.push(t);
  }
  const containers = [c, ...others];
  const volumes = new Map<string, Promise<VolumeInfo | undefined>>();
  const volume = (name: string) => {
    let p = volumes.get(name);
    if (!p) {
      p = ctx.lookups.volume(name).then((v) => (v ? { driver: v.Driver || "local", options: v.Options ?? {} } : undefined));
      volumes.set(name, p);
    }
    return p;
  };
  const all = [w, ...others.map((o) => workloadFromInspect(o, opts))];
  for (let i = 0; i < all.length; i++) {
    if (ctx.resolver) await resolveMounts(all[i]!, containers[i]!, { resolver: ctx.resolver, volume, containers });
    else {
      // A remote daemon: no host to stat, but a named volume's driver options still say what it binds.
      for (const m of all[i]!.mounts) await volumeBind(m, volume);
    }
  }
  resolveJoins(all, containers);
  return [w];
}

/** A volume whose local-driver options bind a host path is a host mount waiting for a container. */
export function volumeToWorkload(v: { Name?: string; Driver?: string; Options?: Record<string, string> | null; Labels?: Record<string, string> | null }): Workload | undefined {
  const name = v.Name ?? "";
  const hp = localVolumeHostPath(v.Driver ?? "", v.Options ?? {});
  if (!hp) return undefined;
  const w = emptyWorkload({ door: "watch", object: `volume:${name}` });
  w.labels = { ...(v.Labels ?? {}) };
  w.mounts.push({ type: "volume", source: name, hostPath: hp, readOnly: false, driver: v.Driver || "local", via: `volume ${name} driver options device=${hp}` });
  return w;
}

type Rec = Record<string, unknown>;
const rec = (x: unknown): Rec => (x && typeof x === "object" && !Array.isArray(x) ? (x as Rec) : {});
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);

/**
 * A plugin (`GET /plugins/{name}/json`) as a workload: plugins run as root with what their config
 * requests (`Config.Mounts`, `Config.Linux.Capabilities/Devices/AllowAllDevices`, host network,
 * `PidHost`, `IpcHost`) plus what the installer set (`Settings.Mounts/Devices`).
 */
export function pluginToWorkload(p: unknown): Workload {
  const o = rec(p);
  const name = str(o.Name) ?? str(o.Id) ?? "";
  const cfg = rec(o.Config);
  const linux = rec(cfg.Linux);
  const settings = rec(o.Settings);
  const w = emptyWorkload({ door: "watch", object: `plugin:${name}` });
  const ref = str(o.PluginReference) ?? name;
  if (ref) w.image = located(ref);
  w.user = located("root");
  for (const c of arr(linux.Capabilities)) if (typeof c === "string") w.capAdd.push(located(c));
  for (const m of [...arr(cfg.Mounts), ...arr(settings.Mounts)]) {
    const mm = rec(m);
    const src = str(mm.Source);
    const type = str(mm.Type) ?? "bind";
    if (!src || !src.startsWith("/") || type !== "bind") continue;
    const ro = arr(mm.Options).includes("ro");
    w.mounts.push({ type: "bind", source: src, hostPath: src, target: str(mm.Destination) ?? "", readOnly: ro, via: `plugin ${name} mount` });
  }
  for (const d of [...arr(linux.Devices), ...arr(settings.Devices)]) {
    const path = str(rec(d).Path);
    if (path) w.devices.push(located(path));
  }
  if (linux.AllowAllDevices === true) w.devices.push(located("/dev (all devices)"));
  if (str(rec(cfg.Network).Type) === "host") w.namespaces.network = located({ mode: "host", raw: "host" });
  if (cfg.PidHost === true) w.namespaces.pid = located({ mode: "host", raw: "host" });
  if (cfg.IpcHost === true) w.namespaces.ipc = located({ mode: "host", raw: "host" });
  return w;
}
