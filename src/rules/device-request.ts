import type { WorkloadRule, RuleHit } from "./types.js";
import type { DeviceRequest } from "../model/workload.js";

/** `count all, capabilities gpu`, `driver nvidia, devices 0,1`: what was asked, in words. */
function describe(r: DeviceRequest): string {
  const parts: string[] = [];
  if (r.driver) parts.push(`driver ${r.driver}`);
  if (r.deviceIds?.length) parts.push(`devices ${r.deviceIds.join(",")}`);
  else if (r.count !== undefined) parts.push(r.count < 0 ? "count all" : `count ${r.count}`);
  if (r.capabilities?.length) parts.push(`capabilities ${r.capabilities.map((c) => c.join("+")).join(" or ")}`);
  return parts.length ? parts.join(", ") : r.raw ?? "a device request";
}

/**
 * Severity `medium`: a GPU is a device with a narrow purpose (plain `/dev/nvidia*` nodes are `low`
 * in host-device), but a device request is more than a device node. The driver's hook (the NVIDIA
 * Container Toolkit) runs as root on the host at container start, with inputs taken from the
 * image, and mounts host driver libraries and device nodes into the container; its bugs have been
 * container escapes (CVE-2024-0132, CVE-2025-23266). Not host root by itself, so not high.
 */
export const deviceRequest: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "device-request",
    concern: "devices",
    defaultSeverity: "medium",
    title: "Host devices requested from a device driver (GPUs)",
    anchor: "device-request",
    meaning:
      "A device request (`--gpus`, `HostConfig.DeviceRequests`, Compose `gpus:` or `deploy.resources.reservations.devices`) asks a " +
      "device driver on the host for hardware, usually GPUs. The driver's hook runs as root on the host when the container starts, " +
      "mounts the host's device nodes and driver libraries into it, and reads its input from the image: bugs in that hook have been " +
      "container escapes (NVIDIA Container Toolkit CVE-2024-0132, CVE-2025-23266). The GPU driver itself is a large kernel attack surface.",
    decision:
      "Request GPUs only for workloads that need them, by device id rather than `all`, from trusted images; keep the container toolkit " +
      "patched. Record an exception for the GPU workloads you run on purpose (matched by image or label).",
  },
  check(w) {
    const hits: RuleHit[] = [];
    for (const r of w.deviceRequests ?? []) {
      const what = describe(r.value);
      hits.push({
        key: `device-request:${what}`,
        at: r.at,
        uncertain: r.uncertain,
        message: `Requests host devices from a device driver (${what}): the driver's hook runs as root on the host and mounts host devices and driver libraries into the container.`,
      });
    }
    return hits;
  },
};
