/**
 * An alert is one JSON line: the finding plus what triggered it (event time, type and action,
 * actor, image), when it was first seen, and a stable id. The id is a hash of the finding's
 * fingerprint (rule + container id + offending value), so the same finding on the same container
 * always has the same id, across restarts and sinks.
 */
import { createHash } from "node:crypto";
import type { Finding } from "../model/finding.js";
import type { ContainerRef } from "../model/location.js";
import type { Workload } from "../model/workload.js";

export type AlertTrigger = "event" | "audit" | "watcher";

export interface WorkloadSummary {
  image?: string;
  user?: string;
  privileged?: boolean;
  groups?: string[];
  capAdd?: string[];
  mounts: { type: string; source?: string; hostPath?: string; target?: string; readOnly: boolean; via?: string }[];
  namespaces?: Record<string, string>;
  devices?: string[];
  securityOpt?: string[];
}

export interface Alert {
  alertId: string;
  /** When it happened: the event's time (ISO), or the audit's time. */
  time: string;
  /** The daemon's exact event time (ns since the epoch, as a string), for event-triggered alerts. */
  timeNano?: string;
  /** When the watcher judged it. */
  observedAt: string;
  trigger: AlertTrigger;
  event?: { type: string; action: string };
  actor?: { id: string; name?: string };
  image?: string;
  container?: ContainerRef;
  /** When this finding was first seen ("new since"). */
  firstSeen: string;
  /** The configuration that was judged (no environment values, ever). */
  config?: WorkloadSummary;
  finding: Finding;
}

export function alertId(fingerprint: string): string {
  return createHash("sha256").update(`sockwarden-alert\u0000${fingerprint}`).digest("hex").slice(0, 24);
}

/** What was judged, for people reading an alert about a container that may be gone already. */
export function summarizeWorkload(w: Workload): WorkloadSummary {
  const s: WorkloadSummary = { mounts: [] };
  if (w.image) s.image = w.image.value;
  if (w.user) s.user = w.user.value;
  if (w.privileged?.value) s.privileged = true;
  if (w.groups.length) s.groups = w.groups.map((g) => g.value);
  if (w.capAdd.length) s.capAdd = w.capAdd.map((c) => c.value);
  for (const m of w.mounts) {
    const o: WorkloadSummary["mounts"][number] = { type: m.type, readOnly: m.readOnly };
    if (m.source !== undefined) o.source = m.source;
    if (m.hostPath !== undefined && m.hostPath !== m.source) o.hostPath = m.hostPath;
    if (m.target !== undefined) o.target = m.target;
    if (m.via) o.via = m.via;
    s.mounts.push(o);
  }
  const ns: Record<string, string> = {};
  for (const [k, v] of Object.entries(w.namespaces)) if (v && v.value.mode !== "private") ns[k] = v.value.raw;
  if (Object.keys(ns).length) s.namespaces = ns;
  if (w.devices.length) s.devices = w.devices.map((d) => d.value);
  if (w.securityOpt.length) s.securityOpt = w.securityOpt.map((o) => o.value);
  return s;
}

export function alertLine(a: Alert): string {
  return JSON.stringify(a) + "\n";
}
