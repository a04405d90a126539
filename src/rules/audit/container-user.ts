import type { WorkloadRule, RuleHit } from "../types.js";
import type { Severity } from "../../model/severity.js";
import type { Workload } from "../../model/workload.js";
import { userResolutionOf } from "../../model/user-resolution.js";
import { identityOf, isDormant } from "../util/identity.js";
import { aclAllows, type AclEntry } from "../../model/posix-acl.js";

type Sock = { path: string; uid: number; gid: number; mode: number; runtime?: string; acl?: AclEntry[] };

/**
 * Who the process of a socket-holding container runs as. `runtime-socket-mount` and
 * `resolved-socket-mount` say the mount is there and whether these ids can open it; this rule
 * is about the ids themselves and what to change: root (uid 0, not remapped), or a non-root user
 * that the socket's owner or group bits let in (a `--group-add`, a primary group, a membership in
 * the image's /etc/group). It needs the live host's view of the socket (owner, group, mode), so
 * only the local audit triggers it.
 *
 * Not reported: a rootless daemon (root in the container is the daemon's unprivileged owner), a
 * daemon with userns-remap unless the container opts out with `--userns=host`, a non-root user
 * that cannot open the socket (the mount finding says "one step away"), a world-writable socket
 * for a non-root user (any user opens it: `host-socket-access` says so), and a name whose ids
 * could not be resolved (the mount finding quotes why).
 */
export const containerUser: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "socket-holder-user",
    concern: "user",
    defaultSeverity: "high",
    title: "A container that holds a runtime socket runs as root, or as a user the socket lets in",
    anchor: "socket-holder-user",
    meaning:
      "Who the process runs as decides whether holding the socket is control of the host right now. Root (uid 0 without a user-namespace remap) " +
      "opens any socket; a non-root uid opens it too when the socket's owner or group bits, or a POSIX ACL entry on it, match its ids — a `--group-add docker`, a `user: app:docker`, " +
      "a primary group, or a membership in the image's own /etc/group (names are resolved the way the runtime does). Either way nothing stands " +
      "between code running in the container and the runtime's API. A dormant container (created, exited) gets there with one `docker start` (medium).",
    decision:
      "Run the container as a non-root uid that is neither the socket's owner, nor in the socket's group, nor named in its ACL (`--user 10001:10001`, no `--group-add` of that gid, " +
      "no membership in the image's /etc/group), so that a compromise of the process does not open the socket; or run the daemon with userns-remap " +
      "or rootless so root in a container is not root on the host. This narrows the blast radius; removing the mount (or a filtering proxy) is the fix.",
  },
  check(w) {
    const facts = w.facts ?? {};
    // Only where the door vouches for who the process runs as (the audit: Config.User is the
    // effective user with the image's USER merged in, names resolved through the container's files).
    if (facts.userChecked !== true) return [];
    const socks = reachedSockets(w);
    if (!socks.length) return [];
    if (facts.daemonRootless === true) return [];
    if (facts.daemonUsernsRemap === true && w.namespaces.userns?.value.mode !== "host") return [];
    const id = identityOf(w);
    const list = socks.map(describeSocket).join(", ");
    const dormant = isDormant(w);
    const severity: Severity = dormant ? "medium" : "high";
    const when = dormant ? ` The container is ${w.source.container?.state}: this holds from its next \`docker start\`.` : "";
    const remap = facts.daemonUsernsRemap === true ? " (`--userns=host` opts it out of the daemon's userns-remap)" : " with no user-namespace remap";
    if (id.state === "root" || id.state === "unknown" || id.uid === 0) {
      // A live container's Config.User already holds the image's USER: empty means the runtime starts uid 0.
      const who = id.state === "unknown" ? "root (no user is set in the container or its image, so the runtime starts uid 0)" : `root (${id.why})`;
      return [
        {
          key: "root",
          severity,
          ...(w.user?.at ? { at: w.user.at } : {}),
          message:
            `Runs as ${who}${remap}, and reaches ${list}: uid 0 opens the socket whatever its mode. ` +
            `Give it a non-root uid outside ${groupsOf(socks)}, e.g. \`--user 10001:10001\`, or run the daemon with userns-remap or rootless.${when}`,
        },
      ];
    }
    if (id.uid === undefined) return []; // a name that could not be resolved: the mount finding says why
    const reasons: string[] = [];
    for (const s of socks) {
      if (s.mode & 0o002) continue; // anyone opens it; not about this user
      if (s.acl?.length) {
        // The socket's ACL decides (acl(5)): say which entry let this uid or gid in.
        const a = aclAllows(s.acl, s, { uid: id.uid, gids: id.gids }, "w");
        if (!a.allowed) continue;
        if (a.by === "owner") reasons.push(`uid ${id.uid} owns ${s.path}`);
        else if (a.by.startsWith("user:")) {
          const e = s.acl.find((x) => x.tag === "user" && x.id === id.uid)!;
          reasons.push(`an ACL entry on ${s.path} (user:${id.uid}:${["r", "w", "x"].map((c) => (e.perms.includes(c) ? c : "-")).join("")}) lets uid ${id.uid} in`);
        }
        else {
          const g = a.by === "group" ? s.gid : Number(a.by.slice(6));
          reasons.push(`gid ${g}, ${a.by === "group" ? "the group" : "named in an ACL entry"} of ${s.path}, comes from ${gidSource(w, g)}`);
        }
        continue;
      }
      if (s.uid === id.uid && s.mode & 0o200) reasons.push(`uid ${id.uid} owns ${s.path}`);
      else if (s.mode & 0o020 && id.gids.includes(s.gid)) reasons.push(`gid ${s.gid}, the group of ${s.path}, comes from ${gidSource(w, s.gid)}`);
    }
    if (!reasons.length) return [];
    const kinds = new Set(reasons.map((r) => (r.startsWith("gid") ? "group" : r.startsWith("an ACL") ? "ACL entry" : "ownership")));
    const what = [...kinds].join(" and ");
    const hit: RuleHit = {
      key: `uid:${id.uid}`,
      severity,
      message:
        `Runs as non-root uid ${id.uid} (${id.why}), but the socket lets it in: ${[...new Set(reasons)].join("; ")}. ` +
        `Drop that ${what} so a non-root process cannot open ${list}.${when}`,
    };
    if (w.user?.at) hit.at = w.user.at;
    return [hit];
  },
};

/** Runtime sockets the live host showed behind this container's mounts (owner, group, mode known). */
function reachedSockets(w: Workload): Sock[] {
  const out = new Map<string, Sock>();
  for (const m of w.mounts) for (const s of m.resolved?.sockets ?? []) if (!out.has(s.path)) out.set(s.path, s);
  return [...out.values()];
}

function describeSocket(s: Sock): string {
  return `the ${s.runtime ?? "runtime"} socket ${s.path} (${s.uid}:${s.gid} ${(s.mode & 0o7777).toString(8).padStart(4, "0")}${s.acl?.length ? " with an ACL" : ""})`;
}

function groupsOf(socks: Sock[]): string {
  const gids = [...new Set(socks.map((s) => s.gid))];
  return gids.length === 1 ? `the socket's group (gid ${gids[0]})` : `the sockets' groups (gids ${gids.join(", ")})`;
}

/** Where a gid of the process came from, for the message. */
function gidSource(w: Workload, gid: number): string {
  const r = userResolutionOf(w);
  if (r?.ok) {
    if (r.gid === gid) return r.gidFrom;
    const g = r.groups.find((x) => x.gid === gid);
    if (g) return g.from;
  }
  if (w.groups.some((g) => g.value === String(gid))) return `--group-add ${gid}`;
  const group = (w.user?.value ?? "").split(":")[1];
  if (group === String(gid)) return `the group part of user ${w.user!.value}`;
  return `the container's groups`;
}
