import type { WorkloadRule, RuleHit } from "./types.js";
import type { Workload } from "../model/workload.js";
import type { Severity } from "../model/severity.js";

/** IPC-namespaced sysctls (runc libcontainer/configs/validate, docker run reference). */
const IPC_SYSCTLS = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);
/** Kernel parameters whose value the kernel runs as a program, as root on the host. */
const HOST_EXEC = new Set(["kernel.core_pattern", "kernel.modprobe", "kernel.hotplug", "kernel.poweroff_cmd"]);

type NsMode = NonNullable<Workload["namespaces"]["ipc"]>["value"]["mode"];

/** Which namespace a sysctl belongs to, or undefined for one that is global to the kernel. */
function namespaceOf(name: string): "ipc" | "network" | "uts" | undefined {
  if (IPC_SYSCTLS.has(name) || name.startsWith("fs.mqueue.")) return "ipc";
  if (name.startsWith("net.")) return "network";
  if (name === "kernel.domainname" || name === "kernel.hostname") return "uts";
  return undefined;
}

/** Another assignment smuggled into a value (`1+kernel.core_pattern=|/x`): CRI-O's pinns split
 *  values on `+` and set the host's core_pattern (CVE-2022-0811). */
const SMUGGLED = /[+\s,;]\s*[a-z][a-z0-9_]*([./][a-z0-9_*-]+)+\s*=/i;

/**
 * Severity: `high` when a sysctl changes the host kernel for every process on it (a parameter that
 * is not namespaced, or a namespaced one with that namespace shared with the host); `critical` for
 * parameters whose value the kernel executes as root (core_pattern, modprobe). runc refuses the
 * non-namespaced ones at start, but the configuration asks for a host change, and other runtimes
 * or older versions may not refuse. Namespaced sysctls in the container's own namespaces
 * (`kernel.shm_rmid_forced` with a private IPC namespace, `net.*` with its own network) change only
 * the container: no finding.
 */
export const hostSysctl: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "host-sysctl",
    concern: "host-namespace",
    defaultSeverity: "high",
    title: "Sysctl that changes the host kernel",
    anchor: "host-sysctl",
    meaning:
      "Sysctls (`--sysctl`, `HostConfig.Sysctls`, Compose `sysctls:`) set kernel parameters. Those of the IPC namespace (kernel.shm*, " +
      "kernel.msg*, kernel.sem, fs.mqueue.*) and of the network namespace (net.*) change only the container's own namespace, unless that " +
      "namespace is the host's (`ipc: host`, `network_mode: host`): then they change the host for every process on it. Any other kernel " +
      "parameter is global to the host; some (kernel.core_pattern, kernel.modprobe) name a program the kernel runs as root. A value that " +
      "carries another assignment (`1+kernel.core_pattern=…`) is the CVE-2022-0811 injection.",
    decision:
      "Set only namespaced sysctls, in the container's own namespaces. Change host kernel parameters on the host (sysctl.d), never from a container.",
  },
  check(w) {
    const hits: RuleHit[] = [];
    for (const s of w.sysctls ?? []) {
      const name = s.value.name.trim().replace(/\//g, ".");
      const value = s.value.value;
      let severity: Severity | undefined;
      let why = "";
      if (SMUGGLED.test(value)) {
        severity = "critical";
        why = "its value carries another kernel parameter assignment; runtimes that split values (CRI-O's pinns, CVE-2022-0811) set that parameter on the host";
      } else {
        const ns = namespaceOf(name);
        if (ns === undefined) {
          severity = HOST_EXEC.has(name) ? "critical" : "high";
          why = HOST_EXEC.has(name)
            ? "not namespaced, and the kernel runs the program it names as root on the host"
            : "not namespaced: it changes the host kernel for every process (runc refuses it at start; other runtimes may not)";
        } else {
          const mode: NsMode | undefined = w.namespaces[ns]?.value.mode;
          if (mode === "host") {
            severity = "high";
            why = `it belongs to the ${ns === "network" ? "network" : ns.toUpperCase()} namespace, which this container shares with the host: it changes the host's setting`;
          }
        }
      }
      if (!severity) continue;
      hits.push({ key: `sysctl:${name}`, severity, at: s.at, uncertain: s.uncertain, message: `Sets sysctl ${name}=${value}: ${why}.` });
    }
    return hits;
  },
};
