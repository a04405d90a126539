/** Small readers for Compose values (pure). */
import type { YValue } from "../yamldoc.js";

/** Booleans the way compose-go casts them after interpolation (`"true"`, `yes`, `on`, `y`). */
export function composeBool(v: YValue | undefined): boolean | undefined {
  if (v?.kind !== "scalar") return undefined;
  if (typeof v.value === "boolean") return v.value;
  if (typeof v.value === "string") {
    const s = v.value.trim().toLowerCase();
    if (["true", "yes", "y", "on"].includes(s)) return true;
    if (["false", "no", "n", "off"].includes(s)) return false;
  }
  return undefined;
}

/** Any scalar as a string (numbers such as `user: 1000` included). */
export function scalarString(v: YValue | undefined): string | undefined {
  if (v?.kind !== "scalar" || v.value === null || v.value === undefined) return undefined;
  if (typeof v.value === "object" || typeof v.value === "symbol") return undefined;
  return String(v.value);
}

export function joinNotes(notes: (string | undefined)[]): string | undefined {
  const uniq = [...new Set(notes.filter((n): n is string => !!n))];
  return uniq.length ? uniq.join("; ") : undefined;
}

/** `cap_add: [sys_admin, CAP_NET_ADMIN]` → `SYS_ADMIN`, `NET_ADMIN` (Docker accepts both forms). */
export function normalizeCap(s: string): string {
  return s.trim().toUpperCase().replace(/^CAP_/, "");
}

/** `seccomp:unconfined` and `seccomp=unconfined` mean the same to Docker (it splits on the first
 *  `=` or `:`): keep one form, `key=value`. Values are kept as written (Docker compares them exactly). */
export function normalizeSecurityOpt(s: string): string {
  const t = s.trim();
  const m = /^([A-Za-z][A-Za-z0-9_-]*)\s*[=:]\s*(.*)$/.exec(t);
  if (!m) return t;
  return `${m[1]!.toLowerCase()}=${m[2]!}`;
}

/** Host side of a device mapping `/dev/sda:/dev/xvda:rwm` (CDI names such as `vendor.com/gpu=all` stay whole). */
export function deviceHostSide(s: string): string {
  const t = s.trim();
  if (!t.startsWith("/")) return t;
  return t.split(":")[0]!;
}

/** Does a `ports:` entry publish one of these container ports? Short syntax `[ip:][host:]container[/proto]`,
 *  ranges `2370-2380`, or long syntax (`target`). */
export function publishesPort(entry: YValue, ports: readonly number[]): boolean {
  if (entry.kind === "map") {
    const t = entry.entries.get("target");
    const s = scalarString(t);
    return s !== undefined && inRange(s, ports);
  }
  const s = scalarString(entry);
  if (s === undefined) return false;
  const noProto = s.trim().replace(/\/(tcp|udp|sctp)$/i, "");
  const container = noProto.slice(noProto.lastIndexOf(":") + 1);
  return inRange(container, ports);
}

function inRange(spec: string, ports: readonly number[]): boolean {
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  return ports.some((p) => p >= lo && p <= hi);
}

/** `docker:dind`, `docker:27-dind-rootless`, `docker.io/library/docker:dind@sha256:…`. */
export function isDindImage(image: string): boolean {
  const noDigest = image.split("@")[0]!;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  if (colon <= slash) return false;
  const repo = noDigest.slice(0, colon);
  const tag = noDigest.slice(colon + 1);
  return repo.slice(repo.lastIndexOf("/") + 1) === "docker" && tag.includes("dind");
}
