import type { WorkloadRule, RuleHit } from "./types.js";
import { hostPathSensitivity, socketExposure, isAllowedHostPath, normalizeHostPath } from "../model/hostpath.js";
import { exposedHostPath } from "./util/identity.js";
import type { Severity } from "../model/severity.js";

export const sensitiveHostPath: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "sensitive-host-path",
    concern: "host-path",
    defaultSeverity: "high",
    title: "Sensitive host directory mounted",
    anchor: "sensitive-host-path",
    meaning:
      "Mounting / or a system directory gives the container the host's secrets and controls: /etc (users, sudoers, cron), /root and /home " +
      "(SSH keys), /proc and /sys (kernel settings), /dev (disks), /var/lib/docker or /var/lib/kubelet (every container's files and tokens). " +
      "Writable mounts let it plant a cron job or an SSH key: host root at the next login or minute. Ordinary data directories such as " +
      "/srv/app or /mnt/data are not findings.",
    decision:
      "Mount only the data directory the workload needs, read-only where possible. If a sensitive path is truly needed (a log shipper " +
      "reading /var/log), mount it read-only and list it in `allow.hostPaths` in sockwarden.yaml.",
  },
  check(w, ctx) {
    const hits: RuleHit[] = [];
    for (const m of w.mounts) {
      const hp = exposedHostPath(m);
      if (!hp) continue;
      // A runtime socket file is the socket-mount rule's business, not a directory exposure.
      if (socketExposure(hp)?.relation === "socket") continue;
      const s = hostPathSensitivity(hp, m.readOnly);
      if (!s) continue;
      if (isAllowedHostPath(hp, ctx.allow.hostPaths)) continue;
      const severity = severityFor(s.level, m.readOnly);
      const what = s.relation === "exact" ? `${s.matched}: ${s.why}` : s.relation === "under" ? `${normalizeHostPath(hp)} (under ${s.matched}: ${s.why})` : `${normalizeHostPath(hp)}, which ${s.why}`;
      hits.push({
        key: `${normalizeHostPath(hp)}:${m.readOnly ? "ro" : "rw"}`,
        severity,
        at: m.at,
        uncertain: m.uncertain,
        message:
          `Mounts the host's ${what}${m.target ? ` at ${m.target}` : ""}${m.via ? ` (via ${m.via})` : ""}, ` +
          (m.readOnly ? "read-only: the container can read it." : "writable: the container can change it."),
      });
    }
    return hits;
  },
};

function severityFor(level: "critical" | "high" | "medium", readOnly: boolean): Severity {
  if (level === "critical") return readOnly ? "high" : "critical";
  if (level === "high") return readOnly ? "medium" : "high";
  return readOnly ? "low" : "medium";
}
