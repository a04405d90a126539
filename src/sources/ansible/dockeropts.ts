import type { MountType, NamespaceSetting } from "../../model/workload.js";

/**
 * Docker's own option spellings, as Ansible's docker_container, Nomad's docker driver and
 * Terraform's docker provider pass them through to the Engine API. Pure helpers shared by those
 * three doors (the `docker run` argv parser has its own, for shell words).
 */

/** The one shared reading of a namespace mode (src/model/namespace.ts). */
export { namespaceFromMode } from "../../model/namespace.js";

export interface VolumeSpec {
  type: MountType;
  source?: string;
  hostPath?: string;
  target?: string;
  readOnly: boolean;
}

/** A short volume spec `src:dst[:opts]`, `dst` alone (anonymous volume), `name:dst` (named
 *  volume). A host path starts with `/`, `.`, `~` (or a Windows drive); anything else is a
 *  volume name (Docker's rule). Templated sources (`{{ x }}`, `${x}`) that start like a path are
 *  binds; the caller marks them uncertain. */
export function parseVolumeSpec(spec: string): VolumeSpec {
  const s = spec.trim();
  const parts = splitVolume(s);
  if (parts.length === 1) return { type: "volume", target: parts[0], readOnly: false };
  const [src, dst, opts] = parts as [string, string, string | undefined];
  const ro = (opts ?? "").split(",").some((o) => o.trim() === "ro" || o.trim() === "readonly");
  if (isHostPathLike(src)) return { type: "bind", source: src, hostPath: src, target: dst, readOnly: ro };
  return { type: "volume", source: src, target: dst, readOnly: ro };
}

function splitVolume(s: string): string[] {
  // A Windows drive letter (`C:\x:/y`) keeps its colon.
  const drive = /^[A-Za-z]:[\\/]/.test(s) ? s.slice(0, 2) : "";
  const rest = drive ? s.slice(2) : s;
  const parts = rest.split(":");
  if (drive) parts[0] = drive + parts[0];
  if (parts.length > 3) return [parts.slice(0, parts.length - 2).join(":"), parts[parts.length - 2]!, parts[parts.length - 1]!];
  return parts;
}

export function isHostPathLike(src: string): boolean {
  return /^(\/|\.|~|[A-Za-z]:[\\/]|\\\\)/.test(src) || /^(\{\{|\$\{|\$[A-Za-z_])/.test(src);
}

/** `/dev/sda:/dev/xvda:rwm` → `/dev/sda` (the host side is the exposure). */
export function deviceHostPath(spec: string): string {
  return spec.split(":")[0]!.trim();
}

/** `cap_sys_admin`, `CAP_SYS_ADMIN`, `sys_admin` → `SYS_ADMIN`; `ALL` stays. */
export function capName(raw: string): string {
  const s = raw.trim().toUpperCase();
  return s.startsWith("CAP_") ? s.slice(4) : s;
}
