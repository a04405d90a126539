import type { HostRule, RuleHit } from "../types.js";
import type { Severity } from "../../model/severity.js";

/** Who on the host can open a runtime socket (owner, group members, primary-group users, POSIX ACL entries, world). */
export const hostSocketAccess: HostRule = {
  kind: "host",
  meta: {
    id: "host-socket-access",
    concern: "socket-access",
    defaultSeverity: "high",
    title: "Host users who can open a runtime socket",
    anchor: "host-socket-access",
    meaning:
      "Membership of the socket's group (usually `docker`) is root on the host: any member can start a privileged container with / mounted, " +
      "without sudo and without a password prompt or log entry of the kind sudo leaves. A world-writable socket gives that to every local user and service; " +
      "a POSIX ACL entry (`setfacl -m u:ci:rw`) gives it to one account without any group membership and without changing what `ls -l` shows (only a `+` after the mode).",
    decision:
      "Keep the socket root:docker 0660 (or stricter) with no ACL entries (`setfacl -b`), and the docker group empty of people and services that should not be root; " +
      "use rootless Docker for developers, and a filtering proxy for services that need the API.",
  },
  check(h) {
    const hits: RuleHit[] = [];
    for (const s of h.sockets) {
      const mode = s.mode.toString(8).padStart(4, "0");
      const owner = `${s.owner ?? s.uid}:${s.group ?? s.gid} ${mode}`;
      if (s.worldWritable) {
        hits.push({ key: `${s.path}:world`, severity: "critical", message: `The ${s.runtime} socket ${s.path} (${owner}) is world-writable: every local user and service controls the runtime, and so is root.` });
        continue;
      }
      const others = (s.openableBy ?? []).filter((u) => u !== "root");
      const viaAcl = new Set(s.openableViaAcl ?? []);
      const aclNote = s.acl?.length ? ` ACL: ${s.acl.join(",")}.` : "";
      const unknownAcl = s.aclError ? ` Its ACL could not be read (${s.aclError}): accounts an ACL lets in are not listed.` : "";
      if (!others.length) {
        // Nobody but root by the mode bits; an unread ACL leaves that open, so say so (info).
        if (s.aclError) hits.push({ key: `${s.path}:acl-unknown`, severity: "info", message: `The ${s.runtime} socket ${s.path} (${owner}) opens only for root by its mode bits.${unknownAcl}` });
        continue;
      }
      const severity: Severity = "high";
      const listed = others.map((u) => (viaAcl.has(u) ? `${u} (via ACL)` : u));
      hits.push({
        key: `${s.path}:${others.slice().sort().join(",")}`,
        severity,
        message: `The ${s.runtime} socket ${s.path} (${owner}) can be opened by ${listed.join(", ")}: ${others.length === 1 ? "that account is" : "each of them is"} root on this host in effect.${aclNote}${unknownAcl}`,
      });
    }
    for (const u of h.unreachable ?? []) {
      if (u.kind !== "permission-denied") continue;
      hits.push({
        key: `unreachable:${u.endpoint}`,
        severity: "info",
        message: `The socket ${u.endpoint} is present but this user cannot open it (permission denied): containers were not audited; run the audit as root or a member of its group, or use --from-disk.`,
      });
    }
    return hits;
  },
};
