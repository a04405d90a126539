import type { WorkloadRule, RuleHit } from "./types.js";
import type { Severity } from "../model/severity.js";

/** Capabilities that break isolation, with why. NET_BIND_SERVICE, NET_RAW, AUDIT_CONTROL and the
 *  like are deliberately absent: they do not lead out of the container. So are those in the
 *  runtimes' default set (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP,
 *  SETFCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE): adding one is a no-op. */
const DANGEROUS: Record<string, { severity: Severity; why: string }> = {
  ALL: { severity: "critical", why: "every capability: as good as privileged" },
  SYS_ADMIN: { severity: "critical", why: "mount filesystems, use cgroup release agents, and many other paths to the host" },
  SYS_MODULE: { severity: "critical", why: "load kernel modules: code in the host kernel" },
  SYS_PTRACE: { severity: "high", why: "trace and inject code into processes it can see (host processes with the host PID namespace)" },
  DAC_READ_SEARCH: { severity: "high", why: "open host files by handle (the 'shocker' escape) and read any file" },
  SYS_RAWIO: { severity: "high", why: "raw I/O ports and /dev/mem access" },
  BPF: { severity: "high", why: "load eBPF programs into the host kernel" },
  PERFMON: { severity: "medium", why: "observe the host kernel and other processes with perf and eBPF" },
  NET_ADMIN: { severity: "medium", why: "reconfigure networking: interfaces, routes, firewall rules (the host's, with the host network)" },
  SYS_BOOT: { severity: "medium", why: "reboot the host (with kexec, load a new kernel)" },
  SYS_TIME: { severity: "medium", why: "set the host's clock (shared by every container)" },
  MAC_ADMIN: { severity: "high", why: "change the host's mandatory access control (AppArmor/SELinux) policy" },
  MAC_OVERRIDE: { severity: "high", why: "bypass mandatory access control" },
  SYSLOG: { severity: "low", why: "read kernel logs, which leak kernel addresses" },
  LINUX_IMMUTABLE: { severity: "low", why: "change immutable/append-only flags on mounted files" },
  SYS_RESOURCE: { severity: "low", why: "override resource limits" },
};

export function normalizeCapability(c: string): string {
  return c.trim().toUpperCase().replace(/^CAP_/, "");
}

export const dangerousCapability: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "dangerous-capability",
    concern: "capabilities",
    defaultSeverity: "high",
    title: "Dangerous Linux capability added",
    anchor: "dangerous-capability",
    meaning:
      "Capabilities split root's powers. Some of them are a way out of the container on their own: SYS_ADMIN (mounts, cgroup escapes), " +
      "SYS_MODULE (kernel modules), SYS_PTRACE (code injection), DAC_READ_SEARCH (open host files by handle), BPF, SYS_RAWIO, and ALL. " +
      "Harmless ones such as NET_BIND_SERVICE are not findings.",
    decision:
      "Drop the capability. Find the one operation the workload needs and grant only that (often NET_BIND_SERVICE or nothing). " +
      "Start from `cap_drop: [ALL]`. If a capability is needed by design, list it in `allow.capabilities` in sockwarden.yaml.",
  },
  check(w, ctx) {
    const hits: RuleHit[] = [];
    const allowed = new Set(ctx.allow.capabilities.map(normalizeCapability));
    const seen = new Set<string>();
    for (const c of w.capAdd) {
      const cap = normalizeCapability(c.value);
      const d = DANGEROUS[cap];
      if (!d || allowed.has(cap) || seen.has(cap)) continue;
      seen.add(cap);
      hits.push({ key: cap, severity: d.severity, at: c.at, uncertain: c.uncertain, message: `Adds capability ${cap}: ${d.why}.` });
    }
    return hits;
  },
};
