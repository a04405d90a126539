import type { WorkloadRule, RuleHit } from "./types.js";
import type { Severity } from "../model/severity.js";
import { normalizeHostPath } from "../model/hostpath.js";

function deviceRisk(path: string): { severity: Severity; why: string } {
  const p = normalizeHostPath(path);
  if (/^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|loop|dm-|md|mapper\/|disk\/)/.test(p)) return { severity: "high", why: "a host disk: mount it and read or change the host's files" };
  if (/^\/dev\/(mem|kmem|port)$/.test(p)) return { severity: "critical", why: "physical or kernel memory" };
  if (p === "/dev") return { severity: "critical", why: "every host device" };
  if (/^\/dev\/(kmsg|cpu\/|msr)/.test(p)) return { severity: "medium", why: "kernel messages or CPU registers" };
  if (/^\/dev\/(fuse|net\/tun|dri|snd|video|nvidia|bus\/usb|ttyUSB|ttyACM|hidraw)/.test(p)) return { severity: "low", why: "a device with a narrow purpose; keep the list short" };
  return { severity: "medium", why: "a host device" };
}

export const hostDevice: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "host-device",
    concern: "devices",
    defaultSeverity: "medium",
    title: "Host device passed into the container",
    anchor: "host-device",
    meaning:
      "A device node gives the container direct access to host hardware. A disk (/dev/sda, /dev/nvme0n1) can be mounted to read and " +
      "change the host's files; /dev/mem and /dev/kmem reach kernel memory. A device cgroup rule such as `a *:* rwm` allows every device.",
    decision: "Pass only the device the workload needs (a GPU, a serial port), never a host disk or memory device; remove broad device cgroup rules.",
  },
  check(w) {
    const hits: RuleHit[] = [];
    for (const d of w.devices) {
      const r = deviceRisk(d.value);
      hits.push({ key: normalizeHostPath(d.value), severity: r.severity, at: d.at, uncertain: d.uncertain, message: `Passes host device ${d.value}: ${r.why}.` });
    }
    for (const rule of w.deviceCgroupRules) {
      const broad = /^a\b|\*:\*/.test(rule.value.trim());
      hits.push({
        key: `cgroup:${rule.value}`,
        severity: broad ? "high" : "medium",
        at: rule.at,
        uncertain: rule.uncertain,
        message: broad ? `Device cgroup rule "${rule.value}" allows access to every device the container can create.` : `Device cgroup rule "${rule.value}" allows access to host devices of that type.`,
      });
    }
    return hits;
  },
};
