import type { WorkloadRule, RuleHit } from "../types.js";
import type { Severity } from "../../model/severity.js";
import { normalizeHostPath, socketExposure } from "../../model/hostpath.js";
import { canOpenSocket, exposedHostPath, identityOf, isDormant } from "../util/identity.js";

/**
 * The live host's view of a mount the name-based rule cannot see: a bind whose path is not named
 * like a runtime socket nor a well-known parent, but which *is* one on the host — a renamed or
 * hard-linked daemon socket (same device and inode), a socket that answers the Docker API, or a
 * directory holding runtime sockets (found by a bounded walk). Only the audit door fills
 * `Mount.resolved`, so only it triggers this rule; `runtime-socket-mount` covers the named cases.
 */
export const resolvedSocketMount: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "resolved-socket-mount",
    concern: "socket-mount",
    defaultSeverity: "critical",
    title: "Container mounts a runtime socket under another name (found on the live host)",
    anchor: "resolved-socket-mount",
    meaning:
      "On the live host this mount is a container runtime's control socket, or a directory that holds one, even though its path does not say so " +
      "(a renamed or hard-linked docker.sock, a forwarding socket that answers the Docker API, a parent directory of a daemon started with -H unix:///somewhere). " +
      "Name-based checks, including docker-bench-security's grep for docker.sock, miss it; whoever can connect to it controls the runtime, which is root on the host.",
    decision:
      "Remove the mount, or give the workload a filtering proxy (`sockwarden proxy`) instead of the socket. If it must stay, record an exception with a reason, an owner and an expiry.",
  },
  check(w) {
    const hits: RuleHit[] = [];
    const id = identityOf(w);
    for (const m of w.mounts) {
      const r = m.resolved;
      const hp = exposedHostPath(m);
      if (!r || !hp || !r.sockets?.length) continue;
      // The name already tells (docker.sock, /run, /var/run …): runtime-socket-mount reports it.
      if (socketExposure(hp) || socketExposure(r.realPath)) continue;
      const list = r.sockets.map((s) => `${s.path}${s.runtime ? ` (${s.runtime})` : ""}`).join(", ");
      const what =
        r.kind === "socket"
          ? `${hp}, which on the host is the runtime socket ${list}${r.isDaemonSocket ? " (the same inode as the daemon's own socket)" : ""}`
          : `${hp}, a directory that holds the runtime socket${r.sockets.length > 1 ? "s" : ""} ${list}`;
      const openable = r.sockets.map((s) => canOpenSocket(id, s));
      let severity: Severity = "critical";
      let reason = ` The container's user (${id.why}) can open it: it controls the runtime today.`;
      if (!openable.some((o) => o === true) && openable.every((o) => o === false)) {
        severity = "high";
        reason = ` The container's user (${id.why}) cannot open it with its current uid and groups: one privilege step away.`;
      } else if (!openable.some((o) => o === true)) {
        severity = "high";
        reason = ` Whether the container's user (${id.why}) can open it is unknown here.`;
      }
      if (isDormant(w) && severity === "critical") {
        severity = "high";
        reason += ` The container is ${w.source.container?.state}: not running now, but one \`docker start\` away.`;
      }
      const ro = m.readOnly ? " The mount is read-only, which does not help: connect() ignores read-only mounts." : "";
      hits.push({
        key: `${normalizeHostPath(hp)}->${m.target ?? ""}`,
        severity,
        at: m.at,
        message: `Mounts ${what}${m.target ? ` at ${m.target}` : ""}${m.via ? ` (via ${m.via})` : ""}.${reason}${ro}`,
      });
    }
    return hits;
  },
};
