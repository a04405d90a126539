import type { WorkloadRule } from "./types.js";
import type { Severity } from "../model/severity.js";

/** Where a cgroup parent puts the container. `undefined` = inside Docker's own tree (the default). */
function placement(raw: string): { severity: Severity; what: string } | undefined {
  const p = raw.trim();
  // cgroupfs driver: `/docker` (the default) or below it; systemd driver: Docker's default is system.slice.
  const path = p.replace(/\/+/g, "/").replace(/\/$/, "");
  if (/^\/?docker(\/|$)/.test(path) || p === "system.slice") return undefined;
  if (path === "" || p === "-.slice") return { severity: "medium", what: "at the root of the host's cgroup tree, outside every limit the host sets on Docker's containers" };
  if (path.split("/").some((c) => /\.(service|scope)$/.test(c))) {
    return { severity: "medium", what: "inside a host service's or session's cgroup: it shares that unit's limits, can starve it or get it OOM-killed, and is stopped with it" };
  }
  return { severity: "low", what: "outside Docker's cgroup tree: the limits and accounting the host sets on Docker's containers do not apply to it" };
}

/**
 * Concern `host-namespace`: like a shared cgroup namespace, this is about the container's place in
 * the host's cgroup hierarchy. Severity `medium` at most: it gives no code execution on the host,
 * but it escapes the resource limits set on Docker's containers and, placed in a host service's
 * cgroup, can starve that service or get it OOM-killed (a host denial of service).
 */
export const hostCgroupParent: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "host-cgroup-parent",
    concern: "host-namespace",
    defaultSeverity: "medium",
    title: "Container placed in a host cgroup outside Docker's",
    anchor: "host-cgroup-parent",
    meaning:
      "A cgroup parent (`--cgroup-parent`, `HostConfig.CgroupParent`, Compose `cgroup_parent:`) moves the container out of Docker's " +
      "cgroup tree into one the host uses. Limits and accounting the host sets on Docker's containers no longer apply; at the root (`/`) " +
      "it is outside all of them, and inside a host service's cgroup it shares that service's limits: it can starve the service, get it " +
      "OOM-killed, or be killed with it.",
    decision:
      "Remove the cgroup parent, or use a dedicated slice for containers (`containers.slice`) with its own limits. Never place a container in a host service's cgroup.",
  },
  check(w) {
    const c = w.cgroupParent;
    if (!c) return [];
    const p = placement(c.value);
    if (!p) return [];
    return [{ key: `cgroup-parent:${c.value.trim()}`, severity: p.severity, at: c.at, uncertain: c.uncertain, message: `Sets cgroup parent ${c.value}: the container runs ${p.what}.` }];
  },
};
