import type { Workload } from "../../model/workload.js";
import { hostPathSensitivity, socketExposure } from "../../model/hostpath.js";
import { exposedHostPath } from "../util/identity.js";

/** Does this workload hold a runtime socket (by name, parent directory, or what the live host showed)? */
export function holdsSocket(w: Workload): boolean {
  return w.mounts.some((m) => {
    const hp = exposedHostPath(m);
    if (m.resolved?.sockets?.length) return true;
    if (m.resolved && (m.resolved.kind === "missing" || m.resolved.kind === "directory")) return false;
    return !!hp && !!socketExposure(hp);
  });
}

/** Could this container take over the host on its own (socket, privileged, host pid, writable critical host path)? */
export function isRisky(w: Workload): string | undefined {
  if (holdsSocket(w)) return "holds a runtime socket";
  if (w.privileged?.value) return "is privileged";
  if (w.namespaces.pid?.value.mode === "host") return "shares the host's pid namespace";
  for (const m of w.mounts) {
    const hp = exposedHostPath(m);
    const s = hp ? hostPathSensitivity(hp, m.readOnly) : undefined;
    if (s?.level === "critical" && !m.readOnly) return `mounts ${hp} writable`;
  }
  return undefined;
}

/** Images named like well-known cryptominers and the malware that drops them. */
export const MINER_IMAGE = /(^|[/:_.-])(xmrig|xmr-stak|monero|minerd|cpuminer|ccminer|nbminer|t-rex|lolminer|phoenixminer|ethminer|nanominer|kinsing|kdevtmpfsi|cryptonight|coinhive)([/:_.@-]|$)/i;

export function containerLabel(w: Workload): string {
  return w.source.container?.name ?? w.source.object;
}
