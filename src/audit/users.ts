/**
 * Which uid and gids a container's process really gets, for the containers where that decides
 * severity (those holding a runtime socket): `Config.User` and `--group-add` resolved the way the
 * runtime does at start (./execuser.ts), against the container's own /etc/passwd and /etc/group,
 * read read-only through the daemon (./container-files.ts) or, for `--from-disk`, from the daemon's
 * overlay2 layers (./disk-files.ts). Runs after the workloads are built;
 * never fails the audit: a failure becomes `userResolution: {ok: false, reason}`, which the
 * findings quote.
 */
import type { Workload } from "../model/workload.js";
import { socketExposure } from "../model/hostpath.js";
import { setUserResolution, type UserResolution } from "../model/user-resolution.js";
import { mapLimit } from "../engine/index.js";
import type { ContainerFileReader, FileRead } from "./container-files.js";
import { ExecUserError, getAdditionalGroups, getExecUser, needsFiles } from "./execuser.js";

/** Does the container hold a runtime socket (as the live host showed it, or by name)? */
function holdsRuntimeSocket(w: Workload): boolean {
  return w.mounts.some((m) => {
    if (m.resolved) return !!m.resolved.sockets?.length;
    const hp = m.hostPath ?? (m.type === "bind" ? m.source : undefined);
    return !!hp && !!socketExposure(hp);
  });
}

/** Containers whose ids need the container's files (a name, or a numeric uid whose memberships count). */
export function needsResolution(w: Workload): boolean {
  if (!w.source.container || !holdsRuntimeSocket(w)) return false;
  return needsFiles(w.user?.value, w.groups.map((g) => g.value));
}

/** Pure: the runtime's answer from the two files (undefined text = the file does not exist). */
export function resolveFromFiles(user: string | undefined, groupAdd: readonly string[], passwd: string | undefined, group: string | undefined): UserResolution {
  try {
    const eu = getExecUser(user ?? "", passwd, group);
    const add = groupAdd.length ? getAdditionalGroups(groupAdd, group) : [];
    return { ok: true, uid: eu.uid, gid: eu.gid, gidFrom: eu.gidFrom, groups: [...eu.sgids, ...add] };
  } catch (e) {
    if (e instanceof ExecUserError) return { ok: false, reason: `${e.message}, so the runtime cannot start it as given` };
    throw e;
  }
}

/** A mount at the file or above it (not `/` itself: every container has its root there). */
function coveringMount(w: Workload, path: string): string | undefined {
  for (const m of w.mounts) {
    const t = (m.target ?? "").replace(/\/+$/, "");
    if (t && (path === t || path.startsWith(t + "/"))) return t;
  }
  return undefined;
}

export interface FileSources {
  /**
   * The container's root filesystem beneath its mounts (the daemon's overlay2 layers, read
   * directly: local daemon or `--from-disk`). Exactly what the runtime resolves users from (it
   * does so before mounts exist), and cheap: no daemon round trip. Tried first.
   */
  rootfs?: ContainerFileReader;
  /**
   * The daemon's archive API (`GET /containers/{id}/archive`): works for remote daemons too, but
   * costs the daemon a mount of a stopped container's filesystem per read, and shows what is
   * mounted over /etc. Used when the layers cannot be read, and never for a container with a
   * mount over /etc/passwd or /etc/group.
   */
  archive?: ContainerFileReader;
}

export interface ResolveUsersOptions {
  /** Containers resolved at once. Default 8 from the layers, 4 through the archive API. */
  concurrency?: number;
  /** Why there is no source at all (e.g. no Docker data root): recorded on each container that needed one. */
  unavailable?: string;
  /** Time the archive API may take in all (default 10 s): a stopped container costs the daemon a
   *  mount per read (~0.5 s each measured here), so hundreds of them must not stall the audit. */
  archiveBudgetMs?: number;
}

type Files = { passwd: string | undefined; group: string | undefined };

async function readBoth(reader: ContainerFileReader, id: string): Promise<Files> {
  const [pw, gr] = await Promise.all([reader.read(id, "/etc/passwd"), reader.read(id, "/etc/group")]);
  const text = (f: FileRead, name: string): string | undefined => {
    if (f.ok) return f.text;
    if (f.missing) return undefined; // the runtime treats a missing file as empty
    throw new Error(`could not read ${name}: ${f.error}`);
  };
  return { passwd: text(pw, "/etc/passwd"), group: text(gr, "/etc/group") };
}

/** Fill `facts.userResolution` for the containers that need it. Never throws. */
export async function resolveUsers(ws: readonly Workload[], src: FileSources, opts: ResolveUsersOptions = {}): Promise<number> {
  const todo = ws.filter(needsResolution);
  if (!src.rootfs && !src.archive) {
    for (const w of todo) setUserResolution(w, { ok: false, reason: opts.unavailable ?? "the container's /etc/passwd and /etc/group were not read" });
    return todo.length;
  }
  const budget = opts.archiveBudgetMs ?? 10_000;
  const started = Date.now();
  await mapLimit(todo, opts.concurrency ?? (src.rootfs ? 8 : 4), async (w) => {
    const id = w.source.container!.id;
    let r: UserResolution;
    try {
      let files: Files | undefined;
      let rootfsError: Error | undefined;
      if (src.rootfs) {
        try {
          files = await readBoth(src.rootfs, id);
        } catch (e) {
          rootfsError = e as Error;
        }
      }
      if (!files) {
        const covered = coveringMount(w, "/etc/passwd") ?? coveringMount(w, "/etc/group");
        if (!src.archive) throw rootfsError ?? new Error("no way to read the container's files");
        if (covered) throw new Error(`${rootfsError ? `${rootfsError.message}; and ` : ""}a mount at ${covered} covers /etc/passwd or /etc/group: the runtime reads the image's files beneath it, which the daemon's archive API does not show`);
        if (Date.now() - started >= budget) throw new Error(`not read: the ${budget / 1000} s allowed for the daemon's archive API ran out (many containers to read)`);
        files = await readBoth(src.archive, id);
      }
      r = resolveFromFiles(w.user?.value, w.groups.map((g) => g.value), files.passwd, files.group);
    } catch (e) {
      r = { ok: false, reason: (e as Error).message };
    }
    setUserResolution(w, r);
  });
  return todo.length;
}
