/**
 * `--from-disk DIR`: the daemon's own state files, read-only, no socket needed.
 * `DIR/containers/<id>/config.v2.json` + `hostconfig.json` become the same `InspectLike` the API
 * gives; named volumes' options come from `DIR/volumes/<name>/opts.json` (local driver), image
 * digests from `DIR/image/<driver>/repositories.json`.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { InspectLike } from "./inspect.js";
import type { VolumeInfo } from "./resolve.js";

export interface DiskState {
  containers: InspectLike[];
  errors: { file: string; message: string }[];
}

interface ConfigV2 {
  ID?: string;
  Name?: string;
  Created?: string;
  Image?: string;
  State?: { Running?: boolean; Paused?: boolean; Restarting?: boolean; Dead?: boolean; RemovalInProgress?: boolean; StartedAt?: string; Pid?: number };
  Config?: InspectLike["Config"];
  MountPoints?: Record<string, { Source?: string; Destination?: string; RW?: boolean; Name?: string; Driver?: string; Type?: string; Relabel?: string }>;
}

/** The daemon's status words, from the state flags it stores (`container/state.go` StateString). */
export function stateFromDisk(s: ConfigV2["State"]): string {
  if (!s) return "unknown";
  if (s.Running) return s.Paused ? "paused" : s.Restarting ? "restarting" : "running";
  if (s.RemovalInProgress) return "removing";
  if (s.Dead) return "dead";
  if (!s.StartedAt || s.StartedAt.startsWith("0001-")) return "created";
  return "exited";
}

export function inspectFromDisk(cfg: ConfigV2, hostConfig: InspectLike["HostConfig"]): InspectLike {
  return {
    Id: cfg.ID ?? "",
    Name: cfg.Name ?? "",
    ...(cfg.Created ? { Created: cfg.Created } : {}),
    State: { Status: stateFromDisk(cfg.State), ...(cfg.State?.StartedAt ? { StartedAt: cfg.State.StartedAt } : {}) },
    ...(cfg.Image ? { Image: cfg.Image } : {}),
    Config: cfg.Config ?? {},
    HostConfig: hostConfig ?? {},
    Mounts: Object.values(cfg.MountPoints ?? {}).map((m) => ({ Type: m.Type, Name: m.Name, Source: m.Source, Destination: m.Destination, Driver: m.Driver, RW: m.RW !== false, Mode: m.Relabel ?? "" })),
  };
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, "utf8")) as T;
}

/** Read every container under `root/containers`. A broken container dir is an error, not the end. */
export async function readDiskState(root: string): Promise<DiskState> {
  const out: DiskState = { containers: [], errors: [] };
  let ids: string[];
  try {
    ids = await readdir(join(root, "containers"));
  } catch (e) {
    throw new Error(`--from-disk ${root}: cannot read ${join(root, "containers")}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory (is this a Docker data root such as /var/lib/docker?)" : (e as Error).message}`);
  }
  await Promise.all(
    ids.map(async (id) => {
      const dir = join(root, "containers", id);
      try {
        const cfg = await readJson<ConfigV2>(join(dir, "config.v2.json"));
        let hc: InspectLike["HostConfig"] = {};
        try {
          hc = await readJson<InspectLike["HostConfig"]>(join(dir, "hostconfig.json"));
        } catch (e) {
          out.errors.push({ file: join(dir, "hostconfig.json"), message: `cannot read: ${(e as Error).message}; host settings unknown` });
        }
        out.containers.push(inspectFromDisk(cfg, hc));
      } catch (e) {
        out.errors.push({ file: join(dir, "config.v2.json"), message: `cannot read: ${(e as Error).message}` });
      }
    }),
  );
  out.containers.sort((a, b) => (a.Id < b.Id ? -1 : 1));
  return out;
}

/** Local-driver volume options from `volumes/<name>/opts.json` ({MountType, MountOpts, MountDevice}). */
export async function diskVolume(root: string, name: string): Promise<VolumeInfo | undefined> {
  if (name.includes("/") || name === ".." || name === ".") return undefined;
  try {
    const o = await readJson<{ MountType?: string; MountOpts?: string; MountDevice?: string }>(join(root, "volumes", name, "opts.json"));
    const options: Record<string, string> = {};
    if (o.MountType) options.type = o.MountType;
    if (o.MountOpts) options.o = o.MountOpts;
    if (o.MountDevice) options.device = o.MountDevice;
    return { driver: "local", options };
  } catch {
    // A plain named volume has no opts.json: local driver, no options.
    return { driver: "local", options: {} };
  }
}

/** image id → digests (`repo@sha256:…` keys of repositories.json). */
export async function diskImageDigests(root: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let drivers: string[] = [];
  try {
    drivers = await readdir(join(root, "image"));
  } catch {
    return out;
  }
  for (const d of drivers) {
    try {
      const j = await readJson<{ Repositories?: Record<string, Record<string, string>> }>(join(root, "image", d, "repositories.json"));
      for (const refs of Object.values(j.Repositories ?? {})) {
        for (const [ref, id] of Object.entries(refs)) {
          const list = out.get(id) ?? [];
          if (ref.includes("@")) list.push(ref);
          out.set(id, list);
        }
      }
    } catch {
      /* no repositories.json for this driver */
    }
  }
  return out;
}
