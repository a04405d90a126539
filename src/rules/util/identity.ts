import type { Workload, Mount } from "../../model/workload.js";
import { userResolutionOf } from "../../model/user-resolution.js";
import { aclAllows, type AclEntry } from "../../model/posix-acl.js";

export type RootState = "root" | "non-root" | "unknown";

export interface Identity {
  state: RootState;
  uid?: number;
  gids: number[];
  /** Why we think so, for messages ("user: 1000", "runAsNonRoot: true", "no user set: the image decides, usually root"). */
  why: string;
}

/** Does this container run as root? Kubernetes securityContext first (it wins at runtime), then
 *  the user string (`1000`, `1000:1000`, `app`, `root`, `0:0`). No user at all means the image
 *  decides, which is root for almost every image: treated as root, and said so. */
export function identityOf(w: Workload): Identity {
  const gids: number[] = [];
  for (const g of w.groups) if (/^\d+$/.test(g.value)) gids.push(Number(g.value));
  if (w.runAsGroup && Number.isInteger(w.runAsGroup.value)) gids.push(w.runAsGroup.value);
  if (w.runAsUser && Number.isInteger(w.runAsUser.value)) {
    const uid = w.runAsUser.value;
    return { state: uid === 0 ? "root" : "non-root", uid, gids, why: `runAsUser: ${uid}` };
  }
  if (w.runAsNonRoot?.value === true) return { state: "non-root", gids, why: "runAsNonRoot: true" };
  const u = w.user?.value?.trim();
  // Audit door: the ids the runtime really gives the process (names looked up in the container's files).
  const r = userResolutionOf(w);
  if (r?.ok) {
    const sg = r.groups.map((g) => g.gid);
    const ids = `uid ${r.uid}, gid ${r.gid}${sg.length ? `, groups ${sg.join(",")}` : ""}`;
    return { state: r.uid === 0 ? "root" : "non-root", uid: r.uid, gids: [r.gid, ...sg], why: `user: ${u || "(none)"} → ${ids} by the container's own /etc/passwd and /etc/group` };
  }
  const unresolved = r && !r.ok ? `; its ids could not be resolved: ${r.reason}` : "";
  if (u === undefined || u === "") return { state: "unknown", gids, why: `no user is set, so the image decides: root for most images${unresolved}` };
  if (w.user?.uncertain || /\$/.test(u)) return { state: "unknown", gids, why: `user ${u} is not resolved` };
  const [name, group] = u.split(":", 2) as [string, string | undefined];
  if (group && /^\d+$/.test(group)) gids.push(Number(group));
  if (name === "root" || name === "0") return { state: "root", uid: 0, gids, why: `user: ${u}${unresolved}` };
  if (/^\d+$/.test(name)) return { state: "non-root", uid: Number(name), gids, why: `user: ${u}${unresolved}` };
  return { state: "non-root", gids, why: `user: ${u}${unresolved}` };
}

/** Could a process with this identity connect() to a socket with that owner and mode?
 *  connect() on a Unix socket needs write permission on the socket file; root always can. */
export function canOpenSocket(id: Identity, sock: { uid: number; gid: number; mode: number; acl?: readonly AclEntry[] }): boolean | undefined {
  if (id.state === "root" || id.uid === 0) return true;
  if (id.state === "unknown") return true; // the image's default user is root in practice
  if (sock.acl?.length) {
    // An extended ACL (audit door): the acl(5) check decides; the mode's group bits are only its mask.
    if (id.uid !== undefined) return aclAllows(sock.acl, sock, { uid: id.uid, gids: id.gids }, "w").allowed;
    // Without the uid, the owner or a named user entry might decide either way; only `other` is sure.
    return aclAllows(sock.acl, sock, { uid: -1, gids: [] }, "w").allowed ? true : undefined;
  }
  if (sock.mode & 0o002) return true;
  if (id.uid !== undefined && id.uid === sock.uid && sock.mode & 0o200) return true;
  if (id.gids.includes(sock.gid) && sock.mode & 0o020) return true;
  if (id.uid === undefined) return undefined; // a user name we cannot resolve here
  return false;
}

/** The host path a mount exposes, if any: a bind/hostPath source, or what a volume binds. */
export function exposedHostPath(m: Mount): string | undefined {
  if (m.hostPath) return m.hostPath;
  if ((m.type === "bind" || m.type === "hostPath" || m.type === "npipe") && m.source) return m.source;
  return undefined;
}

export function isDormant(w: Workload): boolean {
  const s = w.source.container?.state;
  return s === "created" || s === "exited" || s === "dead";
}
