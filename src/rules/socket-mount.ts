import type { WorkloadRule, RuleHit } from "./types.js";
import { socketExposure, normalizeHostPath } from "../model/hostpath.js";
import { identityOf, canOpenSocket, exposedHostPath, isDormant } from "./util/identity.js";
import type { Severity } from "../model/severity.js";
import type { Mount } from "../model/workload.js";

export const runtimeSocketMount: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "runtime-socket-mount",
    concern: "socket-mount",
    defaultSeverity: "critical",
    title: "Container runtime socket mounted into a container",
    anchor: "runtime-socket-mount",
    meaning:
      "A runtime's control socket (docker.sock, containerd.sock, crio.sock, podman.sock, buildkitd.sock) is an admin API for the host. " +
      "Whoever can connect to it can ask the runtime for a new privileged container with the host's / mounted: that is root on the host. " +
      "Mounting a parent directory (/, /var, /run, /var/run, /run/containerd) hands over every socket under it. " +
      "A read-only mount does not help: connect() on a Unix socket ignores the mount's read-only flag. " +
      "A non-root user in the container does not fix it either: one group membership or one local privilege escalation away from host root.",
    decision:
      "Remove the mount. If the workload only reads container metadata (Traefik, dashboards, monitoring), point it at a filtering proxy " +
      "(`sockwarden proxy --preset traefik`) instead of the socket. If it must manage containers, run it on a dedicated host or use " +
      "rootless Docker/Podman, and record an exception in sockwarden.yaml with a reason, an owner and an expiry date.",
  },
  check(w, _ctx) {
    const hits: RuleHit[] = [];
    const id = identityOf(w);
    for (const m of w.mounts) {
      const hp = exposedHostPath(m);
      if (!hp) {
        const guess = unresolvedSocketTarget(m);
        if (guess) hits.push(guess);
        continue;
      }
      const ex = socketExposure(hp);
      if (!ex) continue;
      const into = m.target ? ` at ${m.target}` : "";
      const via = m.via ? ` (via ${m.via})` : "";
      const what =
        ex.relation === "socket" ? `the ${ex.runtime} socket ${hp}${into}${via}` : `${hp}${into}${via}; that directory holds ${listSockets(ex.reaches)}`;
      let severity: Severity = id.state === "non-root" ? "high" : "critical";
      let reason =
        id.state === "non-root"
          ? ` It runs as a non-root user (${id.why}), which only delays it: a group membership or one privilege escalation inside the container gives full control of the runtime.`
          : ` It runs as root (${id.why}), so it can create a privileged container with the host's / mounted right away.`;
      // Audit door: the live host says what the path really is and who can open it.
      const r = m.resolved;
      if (r) {
        if (r.kind === "missing") {
          severity = "low";
          reason = ` The path does not exist on the host right now; if the daemon recreates its socket there later, the container holds it.`;
        } else if (r.kind === "directory" && ex.relation === "socket" && !(r.sockets && r.sockets.length)) {
          severity = "low";
          reason = ` On the host this is an empty directory, not a socket (often left behind when the daemon was not running at container start); it exposes nothing today but will not pick up the socket either.`;
        } else if (r.sockets && r.sockets.length) {
          const openable = r.sockets.map((s) => canOpenSocket(id, s));
          if (openable.some((o) => o === true)) {
            severity = "critical";
            reason = ` The container's user (${id.why}) can open ${r.sockets.length === 1 ? "it" : "one of them"}: it controls the runtime today.`;
          } else if (openable.every((o) => o === false)) {
            severity = "high";
            reason = ` The container's user (${id.why}) cannot open it with its current uid and groups: one privilege step away (a group-add or any escalation to root).`;
          }
        }
      }
      if (isDormant(w) && severity === "critical") {
        severity = "high";
        reason += ` The container is ${w.source.container?.state}: not running now, but one \`docker start\` away.`;
      }
      const ro = m.readOnly ? " The mount is read-only, which does not help: connect() on a socket ignores read-only mounts." : "";
      hits.push({
        key: `${normalizeHostPath(hp)}->${m.target ?? ""}`,
        severity,
        at: m.at,
        uncertain: m.uncertain,
        message: `Mounts ${what}.${reason}${ro}`,
      });
    }
    return hits;
  },
};

/** A mount whose source could not be resolved (`${SOCK}:/var/run/docker.sock` with SOCK unset)
 *  but whose target is where clients look for a runtime socket: almost always the socket. */
function unresolvedSocketTarget(m: Mount): RuleHit | undefined {
  if (m.type !== "unknown" || !m.target) return undefined;
  const ex = socketExposure(m.target);
  if (ex?.relation !== "socket") return undefined;
  return {
    key: `unresolved->${m.target}`,
    severity: "high",
    at: m.at,
    uncertain: m.uncertain ?? `the source ${m.source ?? "(unset)"} could not be resolved`,
    message: `Mounts ${m.source ?? "an unresolved source"} at ${m.target}, where clients look for the ${ex.runtime} socket: it is most likely the host's runtime socket.`,
  };
}

function listSockets(reaches: string[]): string {
  const names = [...new Set(reaches.map((r) => r.slice(r.lastIndexOf("/") + 1)))];
  if (names.length === 1) return `the runtime socket ${reaches[0]}`;
  const shown = names.slice(0, 3).join(", ");
  return names.length > 3 ? `${shown} and ${names.length - 3} more runtime sockets` : `the runtime sockets ${shown}`;
}
