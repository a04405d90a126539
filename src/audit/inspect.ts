/**
 * A container as the daemon describes it (`GET /containers/{id}/json`, or the same facts read from
 * `config.v2.json` + `hostconfig.json`) → a `Workload`. Pure: what needs the host (realpath, stat,
 * volume options, joined containers) is filled in afterwards by ./resolve.ts.
 */
import { namespaceFromMode } from "../model/namespace.js";
import type { Workload } from "../model/workload.js";
import { inspectMounts, normalizeSecurityOpt as normalizeEngineSecurityOpt, workloadFromEngine, type EngineHostConfig } from "../engine/workload.js";

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
  HostConfig?: (EngineHostConfig & {
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
    Tmpfs?: Record<string, string> | null;
    DeviceRequests?: { Driver?: string; Count?: number; DeviceIDs?: string[] | null; Capabilities?: string[][] | null; Options?: Record<string, string> | null }[] | null;
    Runtime?: string;
    CgroupParent?: string;
    Sysctls?: Record<string, string> | null;
  }) | null;
  /** The daemon's resolved mounts (binds, volumes, and what VolumesFrom copied in). */
  Mounts?: { Type?: string; Name?: string; Source?: string; Destination?: string; Driver?: string; RW?: boolean; Mode?: string }[] | null;
}

export interface MapOptions {
  /** Audited host label for the workload's source (fleet audits). */
  host?: string;
  /** The daemon stores its default `CgroupnsMode: host` in every container on cgroup v1 hosts:
   *  only an explicit choice is worth reporting, so that default is dropped. */
  cgroupV1?: boolean;
  /** The daemon's default runtime (`/info` DefaultRuntime): stored in every container's `Runtime`,
   *  so equal to it is not a choice. runc is assumed when not given. */
  defaultRuntime?: string;
}


export function containerName(c: InspectLike): string {
  return (c.Name ?? "").replace(/^\//, "") || c.Id.slice(0, 12);
}

export function containerState(c: InspectLike): string {
  return c.State?.Status || "unknown";
}

/** Kept for callers of the audit module: the one shared reading of a namespace mode. */
export const namespaceSetting = namespaceFromMode;

/** `seccomp:unconfined` (old form) → `seccomp=unconfined` (the shared reading, src/engine/workload.ts). */
export const normalizeSecurityOpt = normalizeEngineSecurityOpt;

/**
 * The workload for one container. Joins (`container:<id>`) stay unresolved here (mode `container`).
 * Every Config/HostConfig field is read by the same core the proxy uses for create bodies
 * (src/engine/workload.ts); the mounts come from the daemon's resolved `Mounts` list.
 */
export function workloadFromInspect(c: InspectLike, opts: MapOptions = {}): Workload {
  const name = containerName(c);
  const source: Workload["source"] = { door: "audit", object: `container:${name}`, container: { id: c.Id, name, state: containerState(c) } };
  if (opts.host) source.host = opts.host;
  const cfg = c.Config ?? {};
  // The image as the container was asked to run it; the image id when the config does not say.
  const defaults = { ...(opts.cgroupV1 ? { cgroupnsHost: true } : {}), ...(opts.defaultRuntime ? { defaultRuntime: opts.defaultRuntime } : {}) };
  const w = workloadFromEngine({ ...cfg, Image: cfg.Image || c.Image }, c.HostConfig, source, defaults);
  w.mounts = inspectMounts(c.Mounts, c.HostConfig);
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
