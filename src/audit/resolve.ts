/**
 * What a mount source really is on this host: follow symlinks (realpath), stat it (socket,
 * directory, file, missing), compare device+inode with the runtime sockets we know (so a renamed
 * or hard-linked daemon socket is still the daemon's socket), walk a bound directory (bounded) for
 * runtime sockets below it, and ask an unknown socket whether it answers the Docker API.
 * Results are cached per path: 200 containers binding the same socket cost one stat.
 */
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { probeDockerApi } from "../engine/probe.js";
import { localVolumeHostPath, namedVolumeVia } from "../engine/workload.js";
import { join } from "node:path";
import type { Mount, ResolvedHostPath, Workload } from "../model/workload.js";
import { isUnder, normalizeHostPath, socketExposure } from "../model/hostpath.js";
import type { InspectLike } from "./inspect.js";
import { isExtended, readAcl, type AclEntry } from "./acl.js";
import { containerName, volumesFromOrigins } from "./inspect.js";

export interface KnownSocket {
  path: string;
  runtime: string;
  dev: number;
  ino: number;
  /** Its extended ACL as the host facts read it (null: none; absent: not read), so it is not read twice. */
  acl?: AclEntry[] | null;
}

export interface ResolverOptions {
  /** Sockets we know are runtime APIs (the audited daemon's own, those found in daemon flags). */
  known?: KnownSocket[];
  /** Entries a directory walk may look at (default 5000) and how deep it goes (default 4). */
  walkBudget?: number;
  walkDepth?: number;
  /** Ask sockets of unknown purpose `GET /_ping` (default true). */
  probe?: boolean;
  /** Where the host's filesystem is (default `/`): `--from-disk` on a mounted image of another host. */
  root?: string;
  /** Read runtime sockets' POSIX ACLs with getfacl (default true): they can let a container's uid in. */
  readAcl?: boolean;
}

type SockInfo = NonNullable<ResolvedHostPath["sockets"]>[number];

/** Skip pseudo filesystems in walks: they hold no runtime sockets and can be huge. */
const WALK_SKIP = new Set(["/proc", "/sys", "/dev"]);

export class HostPathResolver {
  private cache = new Map<string, Promise<ResolvedHostPath>>();
  private probes = new Map<string, Promise<boolean>>();
  private known: KnownSocket[];
  private budget: number;
  private depth: number;
  private probe: boolean;
  private readAcls: boolean;
  private acls = new Map<string, Promise<SockInfo["acl"]>>();

  constructor(opts: ResolverOptions = {}) {
    this.readAcls = opts.readAcl ?? true;
    this.known = opts.known ?? [];
    this.budget = opts.walkBudget ?? 5000;
    this.depth = opts.walkDepth ?? 4;
    this.probe = opts.probe ?? true;
  }

  addKnown(s: KnownSocket): void {
    if (!this.known.some((k) => k.dev === s.dev && k.ino === s.ino)) this.known.push(s);
  }

  resolve(path: string): Promise<ResolvedHostPath> {
    let p = this.cache.get(path);
    if (!p) {
      p = this.doResolve(path);
      this.cache.set(path, p);
    }
    return p;
  }

  private knownOf(dev: number, ino: number): KnownSocket | undefined {
    return this.known.find((k) => k.dev === dev && k.ino === ino);
  }

  /** Is the socket at `path` a runtime API? By identity, by name, or by asking it. */
  private async socketInfo(path: string, st: { dev: number; ino: number; uid: number; gid: number; mode: number }): Promise<SockInfo | undefined> {
    const base: SockInfo = { path, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
    const k = this.knownOf(st.dev, st.ino);
    if (k) return this.withAcl({ ...base, runtime: k.runtime }, k);
    const ex = socketExposure(path);
    if (ex?.relation === "socket") return this.withAcl({ ...base, runtime: ex.runtime });
    if (this.probe) {
      let pr = this.probes.get(path);
      if (!pr) this.probes.set(path, (pr = probeDockerApi({ socketPath: path }).then((r) => r.answers)));
      if (await pr) return this.withAcl({ ...base, runtime: "docker" });
    }
    return undefined;
  }

  /** A runtime socket's extended ACL, when it has one (one getfacl per socket path per audit).
   *  If getfacl cannot tell, the mode bits stand; the host facts carry the reason (aclError). */
  private async withAcl(info: SockInfo, k?: KnownSocket): Promise<SockInfo> {
    if (!this.readAcls) return info;
    if (k && k.acl !== undefined) return k.acl ? { ...info, acl: k.acl } : info;
    let p = this.acls.get(info.path);
    if (!p) this.acls.set(info.path, (p = readAcl(info.path).then((r) => (r.ok && isExtended(r.acl) ? r.acl : undefined))));
    const acl = await p;
    return acl ? { ...info, acl } : info;
  }

  private async doResolve(raw: string): Promise<ResolvedHostPath> {
    let real: string;
    try {
      real = await realpath(raw);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return { realPath: normalizeHostPath(raw), kind: "missing" };
      return { realPath: normalizeHostPath(raw), kind: "other" };
    }
    let st;
    try {
      st = await stat(real);
    } catch {
      return { realPath: real, kind: "missing" };
    }
    if (st.isSocket()) {
      const info = await this.socketInfo(real, st);
      const out: ResolvedHostPath = { realPath: real, kind: "socket" };
      if (info) out.sockets = [info];
      const k = this.knownOf(st.dev, st.ino);
      if (k) out.isDaemonSocket = true;
      return out;
    }
    if (st.isFile()) return { realPath: real, kind: "file" };
    if (!st.isDirectory()) return { realPath: real, kind: "other" };
    const sockets = await this.walk(real);
    const out: ResolvedHostPath = { realPath: real, kind: "directory" };
    if (sockets.length) out.sockets = sockets;
    return out;
  }

  /** Runtime sockets at or below `dir`: the known ones first (exact, no walk needed), then a bounded breadth-first walk. */
  private async walk(dir: string): Promise<SockInfo[]> {
    const found = new Map<string, SockInfo>();
    for (const k of this.known) {
      if (!isUnder(k.path, dir)) continue;
      try {
        const st = await stat(k.path);
        if (st.isSocket() && st.dev === k.dev && st.ino === k.ino) found.set(k.path, await this.withAcl({ path: k.path, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, runtime: k.runtime }, k));
      } catch {
        /* gone */
      }
    }
    let budget = this.budget;
    let level = [dir];
    for (let d = 0; d < this.depth && level.length && budget > 0; d++) {
      const next: string[] = [];
      for (const cur of level) {
        if (budget <= 0) break;
        let entries;
        try {
          entries = await readdir(cur, { withFileTypes: true });
        } catch {
          continue;
        }
        for (const e of entries) {
          if (--budget < 0) break;
          const p = join(cur, e.name);
          if (e.isDirectory()) {
            if (!WALK_SKIP.has(p)) next.push(p);
          } else if (e.isSocket() && !found.has(p)) {
            try {
              const st = await lstat(p);
              const info = await this.socketInfo(p, st);
              if (info) found.set(p, info);
            } catch {
              /* raced away */
            }
          }
        }
      }
      level = next;
    }
    return [...found.values()];
  }
}

export interface VolumeInfo {
  driver: string;
  options: Record<string, string>;
}

export interface ResolveContext {
  resolver: HostPathResolver;
  volume(name: string): Promise<VolumeInfo | undefined>;
  /** All containers of the audit, to resolve VolumesFrom and `container:<ref>` joins. */
  containers: InspectLike[];
}

/** Find a container by full id, id prefix, or name (the daemon accepts all three). */
export function findContainer(all: InspectLike[], ref: string): InspectLike | undefined {
  const name = ref.replace(/^\//, "");
  return all.find((c) => c.Id === ref) ?? all.find((c) => containerName(c) === name) ?? (ref.length >= 4 ? all.find((c) => c.Id.startsWith(ref)) : undefined);
}

/** Fill `hostPath` from volume options, `via` from VolumesFrom, and `resolved` from the host. */
export async function resolveMounts(w: Workload, c: InspectLike, ctx: ResolveContext): Promise<void> {
  const origins = volumesFromOrigins(c, (ref) => findContainer(ctx.containers, ref));
  await Promise.all(
    w.mounts.map(async (m) => {
      if (m.target && origins.has(m.target)) m.via = `VolumesFrom ${origins.get(m.target)}`;
      await volumeBind(m, ctx.volume);
      if (m.hostPath && m.hostPath.startsWith("/")) await resolveOne(m, ctx.resolver);
    }),
  );
}

/** A named volume whose driver options bind a host path: set `hostPath` and say so in `via`. */
export async function volumeBind(m: Mount, volume: (name: string) => Promise<VolumeInfo | undefined>): Promise<void> {
  if (m.type !== "volume" || !m.source) return;
  const v = await volume(m.source).catch(() => undefined);
  if (!v) return;
  m.driver = v.driver;
  const hp = localVolumeHostPath(v.driver, v.options);
  if (!hp) return;
  m.hostPath = hp;
  m.via = appendVia(m.via, namedVolumeVia(m.source, v.options));
}

function appendVia(via: string | undefined, more: string): string {
  return via ? `${via}; ${more}` : more;
}

async function resolveOne(m: Mount, r: HostPathResolver): Promise<void> {
  const hp = m.hostPath!;
  const res = await r.resolve(hp);
  m.resolved = res;
  if (res.kind !== "missing" && res.realPath !== hp && res.realPath !== normalizeHostPath(hp)) {
    m.via = appendVia(m.via, `${hp} resolves to ${res.realPath} on the host`);
    m.hostPath = res.realPath;
  }
}

/**
 * `container:<ref>` joins: name whom they join, inherit the target's host namespaces, and for
 * pid joins the target's socket mounts (reachable through /proc/<pid>/root once both run).
 */
export function resolveJoins(ws: Workload[], containers: InspectLike[]): void {
  const byId = new Map<string, Workload>();
  for (const w of ws) if (w.source.container) byId.set(w.source.container.id, w);
  for (const w of ws) {
    for (const [ns, l] of Object.entries(w.namespaces) as [keyof Workload["namespaces"], NonNullable<Workload["namespaces"][keyof Workload["namespaces"]]>][]) {
      const s = l.value;
      // OCI bundles join by namespace path (/proc/<pid>/ns/…), not by container reference.
      if (s.mode !== "container" || !s.ref || s.ref.startsWith("/")) continue;
      const target = findContainer(containers, s.ref);
      if (!target) {
        s.raw = `${s.raw} (no such container now)`;
        continue;
      }
      const tname = containerName(target);
      s.ref = tname;
      const tw = byId.get(target.Id);
      const tns = tw?.namespaces[ns]?.value;
      if (tns?.mode === "host") {
        w.namespaces[ns] = { ...l, value: { mode: "host", ref: tname, raw: `container:${tname} (which uses the host's ${ns} namespace)` } };
      }
      if (ns === "pid" && tw) {
        for (const m of tw.mounts) {
          if (!m.resolved?.sockets?.length && !(m.hostPath && socketExposure(m.hostPath))) continue;
          w.mounts.push({ ...m, via: appendVia(m.via, `pid namespace of container ${tname}: its mounts are reachable through /proc/<pid>/root`) });
        }
      }
    }
  }
}
