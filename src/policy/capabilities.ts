/**
 * Every Linux capability (include/uapi/linux/capability.h, 0 … 40 as of Linux 6.x), spelled the
 * way Docker and Kubernetes take them: upper case, without the `CAP_` prefix. `ALL` is the
 * Docker/Kubernetes shorthand for every capability.
 */
export const LINUX_CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
] as const;

const KNOWN = new Set<string>([...LINUX_CAPABILITIES, "ALL"]);

/** `cap_net_admin`, `CAP_NET_ADMIN`, ` net_admin ` → `NET_ADMIN`; undefined when not a capability. */
export function normalizeCapability(name: string): string | undefined {
  let n = name.trim().toUpperCase();
  if (n.startsWith("CAP_")) n = n.slice(4);
  return KNOWN.has(n) ? n : undefined;
}
