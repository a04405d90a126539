/**
 * A container as the daemon describes it (`GET /containers/{id}/json`, or the same facts read from
 * `config.v2.json` + `hostconfig.json`) → a `Workload`. Pure: what needs the host (realpath, stat,
 * volume options, joined containers) is filled in afterwards by ./resolve.ts.
 */
import { namespaceFromMode, ENGINE_NAMESPACE_FIELDS } from "../model/namespace.js";
import { emptyWorkload, envVar, type Mount, type NamespaceName, type NamespaceSetting, type Workload } from "../model/workload.js";
import { located } from "../model/location.js";

/** The subset of an inspect answer the audit reads. Every field may be missing or null. */
export interface InspectLike {
  Id: string;
  Name?: string;
  Created?: string;
  State?: { Status?: string; StartedAt?: string; Running?: boolean; Pid?: number } | null;
  Image?: string;
  Config?: {
    Image?: string;
    User?: string;
    Env?: string[] | null;
    Labels?: Record<string, string> | null;
  } | null;
  HostConfig?: {
    Binds?: string[] | null;
    Mounts?: { Type?: string; Source?: string; Target?: string; ReadOnly?: boolean }[] | null;
    VolumesFrom?: string[] | null;
    VolumeDriver?: string;
    Privileged?: boolean;
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    Devices?: { PathOnHost?: string; PathInContainer?: string; CgroupPermissions?: string }[] | null;
    DeviceCgroupRules?: string[] | null;
    PidMode?: string;
    NetworkMode?: string;
    IpcMode?: string;
    UTSMode?: string;
    UsernsMode?: string;
    CgroupnsMode?: string;
    SecurityOpt?: string[] | null;
    GroupAdd?: string[] | null;
    MaskedPaths?: string[] | null;
    ReadonlyPaths?: string[] | null;
  } | null;
  /** The daemon's resolved mounts (binds, volumes, and what VolumesFrom copied in). */
  Mounts?: { Type?: string; Name?: string; Source?: string; Destination?: string; Driver?: string; RW?: boolean; Mode?: string }[] | null;
}

export interface MapOptions {
  /** Audited host label for the workload's source (fleet audits). */
  host?: string;
  /** The daemon stores its default `CgroupnsMode: host` in every container on cgroup v1 hosts:
   *  only an explicit choice is worth reporting, so that default is dropped. */
  cgroupV1?: boolean;
}


export function containerName(c: InspectLike): string {
  return (c.Name ?? "").replace(/^\//, "") || c.Id.slice(0, 12);
}

export function containerState(c: InspectLike): string {
  return c.State?.Status || "unknown";
}

/** Kept for callers of the audit module: the one shared reading of a namespace mode. */
export const namespaceSetting = namespaceFromMode;

/** `seccomp:unconfined` (old form) → `seccomp=unconfined`. */
export function normalizeSecurityOpt(s: string): string {
  const eq = s.indexOf("=");
  const colon = s.indexOf(":");
  if (eq < 0 && colon > 0) return s.slice(0, colon) + "=" + s.slice(colon + 1);
  return s;
}

function mountOf(m: NonNullable<InspectLike["Mounts"]>[number]): Mount | undefined {
  const target = m.Destination;
  const readOnly = m.RW === false;
  switch (m.Type) {
    case "bind": {
      const out: Mount = { type: "bind", source: m.Source, readOnly };
      if (m.Source) out.hostPath = m.Source;
      if (target) out.target = target;
      return out;
    }
    case "volume": {
      // hostPath is set later only when the volume's driver options bind a host path.
      const out: Mount = { type: "volume", source: m.Name ?? m.Source, readOnly, driver: m.Driver || "local" };
      if (target) out.target = target;
      return out;
    }
    case "tmpfs":
      return { type: "tmpfs", readOnly, ...(target ? { target } : {}) };
    case "npipe":
      return { type: "npipe", source: m.Source, hostPath: m.Source, readOnly, ...(target ? { target } : {}) };
    default:
      return m.Source ? { type: "unknown", source: m.Source, readOnly, ...(target ? { target } : {}) } : undefined;
  }
}

/** The workload for one container. Joins (`container:<id>`) stay unresolved here (mode `container`). */
export function workloadFromInspect(c: InspectLike, opts: MapOptions = {}): Workload {
  const name = containerName(c);
  const source: Workload["source"] = { door: "audit", object: `container:${name}`, container: { id: c.Id, name, state: containerState(c) } };
  if (opts.host) source.host = opts.host;
  const w = emptyWorkload(source);
  const cfg = c.Config ?? {};
  const hc = c.HostConfig ?? {};
  const image = cfg.Image || c.Image;
  if (image) w.image = located(image);
  if (cfg.User) w.user = located(cfg.User);
  w.labels = { ...(cfg.Labels ?? {}) };
  for (const e of cfg.Env ?? []) {
    const eq = e.indexOf("=");
    // envVar keeps values only for DOCKER_HOST & co; every other value is dropped here.
    w.env.push(located(eq < 0 ? envVar(e, undefined) : envVar(e.slice(0, eq), e.slice(eq + 1))));
  }
  if (hc.Privileged) w.privileged = located(true);
  for (const cap of hc.CapAdd ?? []) w.capAdd.push(located(cap));
  for (const cap of hc.CapDrop ?? []) w.capDrop.push(located(cap));
  for (const g of hc.GroupAdd ?? []) w.groups.push(located(g));
  for (const d of hc.Devices ?? []) if (d.PathOnHost) w.devices.push(located(d.PathOnHost));
  for (const r of hc.DeviceCgroupRules ?? []) w.deviceCgroupRules.push(located(r));
  // The daemon itself adds `label=disable` to privileged and host-pid/ipc containers
  // (daemon/create.go: label.DisableSecOpt()): not the user's choice, and the privileged or
  // host-namespace finding already says what matters.
  const impliedLabel = !!hc.Privileged || hc.PidMode === "host" || hc.IpcMode === "host";
  for (const s of hc.SecurityOpt ?? []) {
    const n = normalizeSecurityOpt(s);
    if (impliedLabel && n === "label=disable") continue;
    w.securityOpt.push(located(n));
  }
  // An explicit empty list (not absent) unmasks /proc and /sys like systempaths=unconfined.
  if ((Array.isArray(hc.MaskedPaths) && hc.MaskedPaths.length === 0) || (Array.isArray(hc.ReadonlyPaths) && hc.ReadonlyPaths.length === 0)) {
    if (!w.securityOpt.some((s) => s.value === "systempaths=unconfined")) w.securityOpt.push(located("systempaths=unconfined"));
  }
  for (const [field, ns] of ENGINE_NAMESPACE_FIELDS) {
    const raw = hc[field];
    if (typeof raw !== "string" || raw === "") continue;
    if (ns === "cgroupns" && raw === "host" && opts.cgroupV1) continue;
    w.namespaces[ns] = located(namespaceSetting(ns, raw));
  }
  for (const m of c.Mounts ?? []) {
    const mm = mountOf(m);
    if (mm) w.mounts.push(mm);
  }
  // HostConfig.Mounts of type tmpfs are not in the resolved list of older daemons; nothing to expose there.
  w.facts = {
    ...(c.State?.StartedAt && !c.State.StartedAt.startsWith("0001-") ? { startedAt: c.State.StartedAt } : {}),
    ...(c.Created ? { created: c.Created } : {}),
    ...(c.Image ? { imageId: c.Image } : {}),
  };
  return w;
}

/** Which VolumesFrom source each destination came from: a mount that the container does not
 *  declare itself but its VolumesFrom source has at the same destination. */
export function volumesFromOrigins(c: InspectLike, byRef: (ref: string) => InspectLike | undefined): Map<string, string> {
  const own = new Set<string>();
  for (const b of c.HostConfig?.Binds ?? []) {
    const parts = b.split(":");
    if (parts.length >= 2) own.add(parts[1]!);
  }
  for (const m of c.HostConfig?.Mounts ?? []) if (m.Target) own.add(m.Target);
  const out = new Map<string, string>();
  for (const vf of c.HostConfig?.VolumesFrom ?? []) {
    const colon = vf.lastIndexOf(":");
    const ref = colon > 0 && /^(ro|rw|z|Z)(,(ro|rw|z|Z))*$/.test(vf.slice(colon + 1)) ? vf.slice(0, colon) : vf;
    const src = byRef(ref);
    if (!src) continue;
    for (const m of src.Mounts ?? []) if (m.Destination && !own.has(m.Destination) && !out.has(m.Destination)) out.set(m.Destination, containerName(src));
  }
  return out;
}
