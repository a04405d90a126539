import type { WorkloadRule } from "./types.js";
import type { Severity } from "../model/severity.js";

/** Runtimes whose isolation we can name (`undefined` severity: no finding). Anything else is a
 *  program we know nothing about. */
function known(name: string): { severity: Severity | undefined; what: string } | undefined {
  const n = name.trim().toLowerCase();
  const base = n.slice(n.lastIndexOf("/") + 1);
  if (/^(runc|io\.containerd\.runc\.v[12]|io\.containerd\.runtime\.v1\.linux)$/.test(base)) return { severity: undefined, what: "runc, Docker's default" };
  if (/runsc|gvisor/.test(base)) return { severity: undefined, what: "gVisor: a user-space kernel between the container and the host, stronger isolation than runc" };
  if (/kata/.test(base)) return { severity: undefined, what: "Kata Containers: each container in a lightweight VM, stronger isolation than runc" };
  if (/sysbox/.test(base)) return { severity: undefined, what: "Sysbox: system containers always in a user namespace; root inside is not root on the host" };
  if (/^(crun|youki)$|^io\.containerd\.(crun|youki)/.test(base)) return { severity: undefined, what: "another OCI runtime with runc's isolation model (namespaces, cgroups, seccomp)" };
  if (/nvidia/.test(base)) return { severity: "low", what: "runc plus the NVIDIA hook, which runs as root on the host and mounts host GPU devices and driver libraries into the container" };
  return undefined;
}

/**
 * `low`: a runtime is the daemon administrator's choice (it must be registered in daemon.json), so
 * asking for one is not a way out by itself; but an unknown name is whatever program was registered
 * under it, and nvidia adds a root hook on the host. Runtimes known to isolate as much as runc
 * (crun, youki) or more (gVisor, Kata, Sysbox) give no finding at all: a finding's action follows
 * its concern, not its severity, so even an `info` finding would make the proxy and the webhook
 * refuse the safer choice under the default policy.
 */
export const nonDefaultRuntime: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "non-default-runtime",
    concern: "security-opt",
    defaultSeverity: "low",
    title: "Container runs under a runtime other than runc",
    anchor: "non-default-runtime",
    meaning:
      "The OCI runtime (`--runtime`, `HostConfig.Runtime`, Compose `runtime:`) is the program that actually builds the container's " +
      "namespaces, cgroups and seccomp filter. Docker's default is runc. Another runtime changes what isolation means: gVisor and Kata " +
      "isolate more (no finding), crun and youki isolate the same way (no finding), nvidia adds a host hook that runs as root, and an " +
      "unknown runtime is whatever program the daemon was told to run under that name.",
    decision:
      "Check that the runtime is the one you meant and that the daemon's registration (`runtimes` in daemon.json) points at the " +
      "program you expect. Containers that run under the daemon's own default runtime are not reported by `audit`, `watch` and `proxy` (they read " +
      "the default from the daemon); a repository scan cannot know it, so there a policy exception for concern security-opt (matched by file or image) records the choice.",
  },
  check(w) {
    const r = w.runtime;
    if (!r || !r.value.trim()) return [];
    const k = known(r.value);
    if (k && k.severity === undefined) return [];
    return [
      {
        key: `runtime:${r.value}`,
        severity: k?.severity ?? "low",
        at: r.at,
        uncertain: r.uncertain,
        message: k
          ? `Runs under runtime ${r.value}: ${k.what}.`
          : `Runs under runtime ${r.value}, not runc: the program registered under that name decides the container's isolation; make sure it is the one you meant.`,
      },
    ];
  },
};
