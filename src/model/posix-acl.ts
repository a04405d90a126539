/**
 * POSIX access ACLs as data, and the acl(5) access check over them. Pure: shared by the audit
 * door (host facts: who on the host can open a socket) and the rules (can this container's
 * uid/gids open the socket it holds). Reading them from a file is the audit's job (src/audit/acl.ts).
 */
export interface AclEntry {
  tag: "user" | "group" | "mask" | "other";
  /** Named entries (`user:1000:rw-`): the uid or gid. Absent for user::, group::, mask::, other::. */
  id?: number;
  /** `rwx` letters present (e.g. "rw"). */
  perms: string;
}

/** Named user/group entries or a mask: an ACL beyond what the mode bits say. */
export function isExtended(acl: readonly AclEntry[]): boolean {
  return acl.some((e) => e.id !== undefined || e.tag === "mask");
}

/** The minimal ACL equivalent to mode bits (no ACL on the file). */
export function aclFromMode(mode: number): AclEntry[] {
  const p = (bits: number) => (bits & 4 ? "r" : "") + (bits & 2 ? "w" : "") + (bits & 1 ? "x" : "");
  return [
    { tag: "user", perms: p((mode >> 6) & 7) },
    { tag: "group", perms: p((mode >> 3) & 7) },
    { tag: "other", perms: p(mode & 7) },
  ];
}

export interface AccessResult {
  allowed: boolean;
  /** Which entry decided: `owner`, `user:<uid>`, `group` (owning group), `group:<gid>`, `other`, `root`. */
  by: string;
}

/**
 * The POSIX.1e access check (acl(5), "ACCESS CHECK ALGORITHM") for one permission letter:
 * the owner entry for the owner; else a named user entry (masked); else every group entry that
 * matches one of the process's groups (owning group and named groups, masked) — granted if any of
 * them has the permission, denied if some matched and none has it; else `other`. uid 0 passes
 * (CAP_DAC_OVERRIDE). connect() on a Unix socket needs `w`.
 */
export function aclAllows(acl: readonly AclEntry[], file: { uid: number; gid: number }, who: { uid: number; gids: readonly number[] }, perm: "r" | "w" | "x"): AccessResult {
  if (who.uid === 0) return { allowed: true, by: "root" };
  const mask = acl.find((e) => e.tag === "mask");
  const masked = (e: AclEntry) => e.perms.includes(perm) && (!mask || mask.perms.includes(perm));
  if (who.uid === file.uid) {
    const owner = acl.find((e) => e.tag === "user" && e.id === undefined);
    return { allowed: !!owner?.perms.includes(perm), by: "owner" };
  }
  const named = acl.find((e) => e.tag === "user" && e.id === who.uid);
  if (named) return { allowed: masked(named), by: `user:${who.uid}` };
  let matched = false;
  for (const e of acl) {
    if (e.tag !== "group") continue;
    const gid = e.id ?? file.gid;
    if (!who.gids.includes(gid)) continue;
    matched = true;
    if (masked(e)) return { allowed: true, by: e.id === undefined ? "group" : `group:${e.id}` };
  }
  if (matched) return { allowed: false, by: "group" };
  const other = acl.find((e) => e.tag === "other");
  return { allowed: !!other?.perms.includes(perm), by: "other" };
}

