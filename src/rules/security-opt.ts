import type { WorkloadRule, RuleHit } from "./types.js";
import type { Severity } from "../model/severity.js";

const OPTS: Record<string, { severity: Severity; why: string }> = {
  "seccomp=unconfined": { severity: "medium", why: "no seccomp filter: every system call, including those behind most container escapes, is allowed" },
  "apparmor=unconfined": { severity: "medium", why: "no AppArmor profile: mount, /proc writes and other restricted actions are allowed" },
  "label=disable": { severity: "medium", why: "SELinux separation off: the container's processes are not confined by labels" },
  "systempaths=unconfined": { severity: "high", why: "/proc and /sys paths that are normally masked or read-only (such as /proc/sysrq-trigger, /proc/kcore) are exposed" },
  "procmount=unmasked": { severity: "high", why: "/proc is not masked: kernel interfaces normally hidden from containers are exposed" },
};

export const confinementDisabled: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "confinement-disabled",
    concern: "security-opt",
    defaultSeverity: "medium",
    title: "Kernel confinement switched off",
    anchor: "confinement-disabled",
    meaning:
      "seccomp, AppArmor/SELinux and masked /proc paths are the layers that stop a process that is root in a container from using the kernel " +
      "to get out. Turning them off (seccomp=unconfined, apparmor=unconfined, label=disable, systempaths=unconfined, procMount: Unmasked) " +
      "makes every other weakness easier to exploit.",
    decision: "Remove the option. If a single system call is missing, ship a custom seccomp profile that allows just that one.",
  },
  check(w) {
    const hits: RuleHit[] = [];
    for (const o of w.securityOpt) {
      const key = o.value.trim().toLowerCase().replace(":", "=");
      const r = OPTS[key];
      if (!r) continue;
      hits.push({ key, severity: r.severity, at: o.at, uncertain: o.uncertain, message: `Sets ${o.value}: ${r.why}.` });
    }
    return hits;
  },
};
