/**
 * Daemon objects → Workloads for the shared rules. Containers go through the audit's mapping
 * (one import below); volumes and plugins are mapped here because only the watcher sees them
 * appear.
 */
import { emptyWorkload, type Workload } from "../model/workload.js";
import { located } from "../model/location.js";
import { localVolumeHostPath } from "../proxy/toWorkload.js";
// The container mapping: swap this one import for the audit's when src/audit/ has it.
import { inspectToWorkload, type InspectLookups } from "./interim-inspect.js";

export type { InspectLookups };

/** The container's workloads (itself first, then what it joins), marked as the watch door's. */
export async function containerWorkloads(inspect: unknown, lookups: InspectLookups): Promise<Workload[]> {
  const ws = await inspectToWorkload(inspect, lookups);
  for (const w of ws) w.source.door = "watch";
  return ws;
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
