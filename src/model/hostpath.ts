/**
 * All reasoning about host paths lives here: normalization, "is this a runtime control socket
 * or a parent of one", "is this a sensitive host directory". Doors resolve what they can
 * (interpolation, volumes, symlinks on a live host) and then ask these pure questions.
 */

/** Lexical normalization the way the kernel sees a path: `//` and `/./` collapse, `..` pops
 *  (never above `/`), no trailing slash, and `/var/run` ≡ `/run` (a symlink on every modern
 *  distribution). Relative paths are returned with `.`/`..` resolved as far as possible but stay relative. */
export function normalizeHostPath(input: string): string {
  let p = input.trim();
  // Windows named pipes: keep recognizable, normalize separators.
  if (/^[\\/]{2}\.[\\/]pipe[\\/]/i.test(p)) return "//./pipe/" + p.slice(9).replace(/\\/g, "/").toLowerCase();
  const absolute = p.startsWith("/");
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
      else if (!absolute) parts.push("..");
      continue;
    }
    parts.push(seg);
  }
  if (!absolute) return parts.length ? parts.join("/") : ".";
  if (parts[0] === "var" && parts[1] === "run") parts.splice(0, 2, "run");
  return "/" + parts.join("/");
}

export function isAbsoluteHostPath(p: string): boolean {
  return p.startsWith("/");
}

export type Runtime = "docker" | "containerd" | "cri-o" | "podman" | "buildkit" | "cri-dockerd" | "dockershim" | "k3s" | "docker-desktop";

/** Well-known socket locations (after normalization). `*` stands for one path segment (a uid). */
const WELL_KNOWN_SOCKETS: { pattern: string; runtime: Runtime }[] = [
  { pattern: "/run/docker.sock", runtime: "docker" },
  { pattern: "/run/user/*/docker.sock", runtime: "docker" },
  { pattern: "/run/docker/containerd/containerd.sock", runtime: "containerd" },
  { pattern: "/run/containerd/containerd.sock", runtime: "containerd" },
  { pattern: "/run/k3s/containerd/containerd.sock", runtime: "k3s" },
  { pattern: "/var/snap/microk8s/common/run/containerd.sock", runtime: "containerd" },
  { pattern: "/run/crio/crio.sock", runtime: "cri-o" },
  { pattern: "/run/podman/podman.sock", runtime: "podman" },
  { pattern: "/run/user/*/podman/podman.sock", runtime: "podman" },
  { pattern: "/run/buildkit/buildkitd.sock", runtime: "buildkit" },
  { pattern: "/run/user/*/buildkit/buildkitd.sock", runtime: "buildkit" },
  { pattern: "/run/cri-dockerd.sock", runtime: "cri-dockerd" },
  { pattern: "/run/dockershim.sock", runtime: "dockershim" },
  { pattern: "/run/host-services/docker.proxy.sock", runtime: "docker-desktop" },
];

/** File names that are runtime control sockets wherever they live (Colima, Rancher Desktop,
 *  Lima, Docker Desktop's ~/.docker/run, a renamed copy under /tmp). */
const SOCKET_NAMES: Record<string, Runtime> = {
  "docker.sock": "docker",
  "containerd.sock": "containerd",
  "containerd.sock.ttrpc": "containerd",
  "crio.sock": "cri-o",
  "podman.sock": "podman",
  "buildkitd.sock": "buildkit",
  "cri-dockerd.sock": "cri-dockerd",
  "dockershim.sock": "dockershim",
  "docker.proxy.sock": "docker-desktop",
};

export interface SocketExposure {
  /** `socket`: the path is a runtime socket; `parent`: a directory that contains one. */
  relation: "socket" | "parent";
  runtime: Runtime;
  /** The socket reached (for parents: the well-known socket below, with `*` for a uid). */
  socketPath: string;
  /** Every runtime socket below a parent, for messages ("/run holds docker.sock, containerd.sock …"). */
  reaches: string[];
}

function segs(p: string): string[] {
  return p.split("/").filter(Boolean);
}

function matchPrefix(pathSegs: string[], patternSegs: string[]): boolean {
  if (pathSegs.length > patternSegs.length) return false;
  return pathSegs.every((s, i) => patternSegs[i] === "*" || patternSegs[i] === s);
}

/** Does mounting this host path hand over a runtime control socket? Takes a raw or normalized path. */
export function socketExposure(rawPath: string): SocketExposure | undefined {
  const p = normalizeHostPath(rawPath);
  if (p.startsWith("//./pipe/")) {
    return p.includes("docker_engine") || p.includes("docker")
      ? { relation: "socket", runtime: "docker", socketPath: p, reaches: [p] }
      : undefined;
  }
  const base = p.slice(p.lastIndexOf("/") + 1);
  const named = SOCKET_NAMES[base];
  if (named) return { relation: "socket", runtime: named, socketPath: p, reaches: [p] };
  const ps = segs(p);
  for (const s of WELL_KNOWN_SOCKETS) {
    const pat = segs(s.pattern);
    if (ps.length === pat.length && matchPrefix(ps, pat)) return { relation: "socket", runtime: s.runtime, socketPath: p, reaches: [p] };
  }
  if (!isAbsoluteHostPath(p)) return undefined;
  // `/var` holds `/var/run`, which is `/run` on most hosts (and a real directory on some): a
  // parent of `/var/run` is treated as a parent of every socket under `/run`.
  const below: { pat: string[]; runtime: Runtime }[] = [];
  for (const s of WELL_KNOWN_SOCKETS) {
    const pat = segs(s.pattern);
    if (ps.length < pat.length && matchPrefix(ps, pat)) below.push({ pat, runtime: s.runtime });
    else if (pat[0] === "run" && ps.length <= pat.length && matchPrefix(ps, ["var", ...pat])) below.push({ pat: ["var", ...pat], runtime: s.runtime });
  }
  if (below.length === 0) return undefined;
  const reaches = below.map(({ pat }) => "/" + pat.map((x, i) => (i < ps.length ? ps[i] : x === "*" ? "<uid>" : x)).join("/"));
  return { relation: "parent", runtime: below[0]!.runtime, socketPath: reaches[0]!, reaches };
}

export type Sensitivity = "critical" | "high" | "medium";

/** Sensitive host directories, with how much they give away when mounted. A path under one of
 *  these, or a parent of one (mounting `/var` hands over `/var/lib/docker`), is sensitive. */
const SENSITIVE: { path: string; level: Sensitivity; why: string }[] = [
  { path: "/", level: "critical", why: "the whole host filesystem" },
  { path: "/etc", level: "critical", why: "host configuration: users, sudoers, cron, systemd units" },
  { path: "/root", level: "critical", why: "root's home: SSH keys and shell profiles" },
  { path: "/boot", level: "critical", why: "kernel and boot loader" },
  { path: "/usr", level: "critical", why: "host binaries and libraries" },
  { path: "/bin", level: "critical", why: "host binaries" },
  { path: "/sbin", level: "critical", why: "host binaries" },
  { path: "/lib", level: "critical", why: "host libraries and kernel modules" },
  { path: "/lib64", level: "critical", why: "host libraries" },
  { path: "/lib/modules", level: "critical", why: "kernel modules" },
  { path: "/proc", level: "critical", why: "the host's processes and kernel settings" },
  { path: "/sys", level: "critical", why: "kernel and device settings, cgroups" },
  { path: "/dev", level: "critical", why: "every host device, including disks" },
  { path: "/var/lib/docker", level: "critical", why: "every container's filesystem and Docker's state" },
  { path: "/var/lib/containerd", level: "critical", why: "containerd's images and container state" },
  { path: "/var/lib/kubelet", level: "critical", why: "the kubelet's pods, volumes and service-account tokens" },
  { path: "/var/lib/etcd", level: "critical", why: "the cluster's whole datastore, secrets included" },
  { path: "/etc/kubernetes", level: "critical", why: "cluster credentials and static pod manifests" },
  { path: "/var/lib", level: "high", why: "system services' state" },
  { path: "/home", level: "high", why: "users' homes: SSH keys, credentials" },
  { path: "/var/log", level: "medium", why: "host logs (may hold secrets; writable means forged logs)" },
  { path: "/var", level: "high", why: "system state, including /var/lib/docker" },
];

/** Host files that are routinely mounted read-only and give nothing away. */
const BENIGN_READONLY = ["/etc/localtime", "/etc/timezone", "/usr/share/zoneinfo", "/etc/ssl/certs", "/etc/pki/ca-trust", "/etc/ca-certificates", "/etc/machine-id", "/etc/os-release", "/etc/hostname", "/etc/resolv.conf", "/etc/hosts"];

export interface HostPathSensitivity {
  level: Sensitivity;
  /** The sensitive directory this path is, lies under, or contains. */
  matched: string;
  why: string;
  relation: "exact" | "under" | "parent";
}

export function isUnder(path: string, dir: string): boolean {
  return dir === "/" ? path.startsWith("/") : path === dir || path.startsWith(dir + "/");
}

export function hostPathSensitivity(rawPath: string, readOnly: boolean): HostPathSensitivity | undefined {
  const p = normalizeHostPath(rawPath);
  if (!isAbsoluteHostPath(p) || p.startsWith("//")) return undefined;
  if (readOnly && BENIGN_READONLY.some((b) => isUnder(p, b))) return undefined;
  const rank = { critical: 3, high: 2, medium: 1 } as const;
  // The most specific entry the path is or lies under says what it is …
  let primary: (typeof SENSITIVE)[number] | undefined;
  for (const s of SENSITIVE) {
    if (s.path === "/" ? p === "/" : isUnder(p, s.path)) {
      if (!primary || s.path.length > primary.path.length) primary = s;
    }
  }
  // … and whatever sensitive directory it contains raises the stakes (mounting /var/lib hands
  // over /var/lib/docker).
  let contained: (typeof SENSITIVE)[number] | undefined;
  for (const s of SENSITIVE) {
    if (s.path !== p && p !== "/" && isUnder(s.path, p)) {
      if (!contained || rank[s.level] > rank[contained.level]) contained = s;
    }
  }
  if (!primary && !contained) return undefined;
  if (primary && (!contained || rank[primary.level] >= rank[contained.level])) {
    return { level: primary.level, matched: primary.path, why: primary.why, relation: primary.path === p ? "exact" : "under" };
  }
  const c = contained!;
  return { level: c.level, matched: c.path, why: `contains ${c.path}: ${c.why}`, relation: "parent" };
}

/** Is `path` within one of the allow-listed host paths (normalized, directory-aware)? */
export function isAllowedHostPath(rawPath: string, allow: readonly string[]): boolean {
  const p = normalizeHostPath(rawPath);
  return allow.some((a) => isUnder(p, normalizeHostPath(a)));
}

/* ---------- Read-only views of the lists above, for the native-policy generators
 * (src/k8s/generate): a generated policy must carry exactly these, never a retyped copy. ---------- */

/** Well-known runtime socket paths (normalized; `*` is one path segment, a uid). */
export const RUNTIME_SOCKET_PATTERNS: readonly string[] = Object.freeze(WELL_KNOWN_SOCKETS.map((s) => s.pattern));
/** File names that are a runtime control socket wherever they live. */
export const RUNTIME_SOCKET_NAMES: readonly string[] = Object.freeze(Object.keys(SOCKET_NAMES));
/** Sensitive host directories (normalized). */
export const SENSITIVE_HOST_DIRS: readonly string[] = Object.freeze(SENSITIVE.map((s) => s.path));
/** Host files that are not sensitive when mounted read-only. */
export const BENIGN_READONLY_PATHS: readonly string[] = Object.freeze([...BENIGN_READONLY]);
