/**
 * Readings of Linux /proc text shared by the doors that look at processes (the audit's socket
 * owners and inside-a-container view, the proxy's peer lookup). Pure: callers read the files.
 */

/** Inode of a descriptor's link text (`socket:[N]`, from readlink /proc/<pid>/fd/<fd>); undefined for anything else. */
export function socketInodeOfLink(link: string): number | undefined {
  const m = /^socket:\[(\d{1,10})\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/** Effective uid and gid from /proc/<pid>/status text (`Uid:` real, effective, saved, fs). */
export function idsFromStatus(status: string): { uid: number; gid: number } | undefined {
  const uid = /^Uid:\s+\d+\s+(\d+)\s/m.exec(status);
  const gid = /^Gid:\s+\d+\s+(\d+)\s/m.exec(status);
  if (!uid || !gid) return undefined;
  return { uid: Number(uid[1]), gid: Number(gid[1]) };
}
