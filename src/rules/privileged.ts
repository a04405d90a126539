import type { WorkloadRule } from "./types.js";
import { identityOf } from "./util/identity.js";

export const privilegedContainer: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "privileged-container",
    concern: "privileged",
    defaultSeverity: "critical",
    title: "Privileged container",
    anchor: "privileged-container",
    meaning:
      "A privileged container gets every capability, every host device, no seccomp or AppArmor confinement, and writable /sys: " +
      "it can mount the host's disk and load kernel modules. It is host root with extra steps. Docker-in-Docker needs it, which is why " +
      "a dind service is itself a host-root door for whatever can reach its API.",
    decision:
      "Remove privileged. Add only the capabilities and devices the workload needs (`cap_add`, `devices`). For Docker-in-Docker, " +
      "prefer rootless BuildKit or Kaniko-style builders; if dind must stay, keep its API on TLS and record an exception with an owner and expiry.",
  },
  check(w) {
    if (w.privileged?.value !== true) return [];
    const id = identityOf(w);
    const kind = w.role === "init" ? "init container" : w.role === "ephemeral" ? "ephemeral (debug) container" : w.role === "dind" ? "Docker-in-Docker service" : "container";
    return [
      {
        key: "privileged",
        severity: id.state === "non-root" ? "high" : "critical",
        at: w.privileged.at,
        uncertain: w.privileged.uncertain,
        message:
          `This ${kind} runs privileged` +
          (id.state === "non-root"
            ? ` as a non-root user (${id.why}); any escalation to root inside it (a setuid binary, a kernel bug) is host root.`
            : `, as root (${id.why}): it can mount the host's disks and load kernel modules.`),
      },
    ];
  },
};
