import type { WorkloadRule, RuleHit } from "./types.js";
import type { NamespaceName } from "../model/workload.js";
import type { Severity } from "../model/severity.js";

const RISK: Record<NamespaceName, { severity: Severity; what: string }> = {
  pid: { severity: "high", what: "sees and can signal every host process; with root or SYS_PTRACE it can read their memory and environments (secrets) and enter their namespaces" },
  network: { severity: "high", what: "shares the host's network stack: it reaches services bound to the host's loopback (a Docker API on 127.0.0.1:2375, kubelet, metadata endpoints) and can sniff or bind host ports" },
  ipc: { severity: "medium", what: "shares host System V IPC and /dev/shm: it can read or tamper with other processes' shared memory" },
  uts: { severity: "low", what: "shares the host's hostname; it can change it if it has SYS_ADMIN" },
  userns: { severity: "medium", what: "opts out of user-namespace remapping: root in the container is root on the host again" },
  cgroupns: { severity: "low", what: "sees the host's cgroup hierarchy" },
};

export const hostNamespace: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "host-namespace",
    concern: "host-namespace",
    defaultSeverity: "high",
    title: "Container shares a host namespace",
    anchor: "host-namespace",
    meaning:
      "Namespaces are what make a container a container. Sharing the host's PID namespace exposes every host process; the host network " +
      "exposes services that trust loopback (including a Docker API a forwarder put on 127.0.0.1); IPC, UTS, user and cgroup namespaces " +
      "weaken isolation further. Joining another container's namespace (container:x, service:x) is not host exposure by itself.",
    decision:
      "Remove `pid: host`, `network_mode: host`, `ipc: host`, `userns_mode: host` (or hostPID/hostNetwork/hostIPC). Publish the ports you need " +
      "instead of using the host network; use a sidecar that shares the workload's own PID namespace instead of the host's.",
  },
  check(w) {
    const hits: RuleHit[] = [];
    for (const [ns, setting] of Object.entries(w.namespaces) as [NamespaceName, NonNullable<(typeof w.namespaces)[NamespaceName]>][]) {
      if (setting.value.mode !== "host") continue;
      const r = RISK[ns];
      hits.push({
        key: ns,
        severity: r.severity,
        at: setting.at,
        uncertain: setting.uncertain,
        message: `Uses the host's ${ns === "network" ? "network" : ns.toUpperCase()} namespace (${setting.value.raw}): it ${r.what}.`,
      });
    }
    return hits;
  },
};
