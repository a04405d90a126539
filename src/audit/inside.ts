/**
 * `sockwarden inside`: run inside a container and answer "can *I* reach a runtime API?".
 * Read-only: it looks at files, asks `GET /_ping` and `GET /version`, decodes its own
 * capabilities. `insideScript()` is the same check as POSIX sh for images without Node
 * (busybox has no Unix-socket client, so there "writable by me" stands in for "I can connect").
 */
import { access, constants, readFile, readdir, stat } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { parseDockerHost } from "../engine/endpoint.js";
import { probeDockerApi } from "../engine/probe.js";
import { socketExposure } from "../model/hostpath.js";
import { idsFromStatus } from "../model/procfs.js";

export interface InsideOptions {
  /** Environment to read DOCKER_HOST/CONTAINER_HOST from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Filesystem root (default "/"); tests point it elsewhere. */
  root?: string;
  /** Entries the socket search may look at (default 20000). */
  searchBudget?: number;
  timeoutMs?: number;
}

export interface InsideSocket {
  path: string;
  /** How it was found: well-known path, mountinfo, search, env. */
  via: string;
  runtime?: string;
  /** Did it answer the Docker API? */
  answers: boolean;
  apiVersion?: string;
  serverVersion?: string;
  /** Why we could not talk to it (EACCES = present but not openable by me). */
  error?: string;
}

export type InsideVerdict = "can-control-host" | "one-step-away" | "no-path-found";

export interface InsideResult {
  inContainer: boolean;
  containerHints: string[];
  uid: number;
  gids: number[];
  /** Effective capabilities by name. */
  capabilities: string[];
  sockets: InsideSocket[];
  tcp: { variable: string; value: string; answers: boolean; apiVersion?: string; error?: string }[];
  verdict: InsideVerdict;
  reasons: string[];
}

/** Capability numbers → names (linux/capability.h). */
export const CAP_NAMES = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
  "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
  "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
  "PERFMON", "BPF", "CHECKPOINT_RESTORE",
];

/** `CapEff:\t00000000a80425fb` → names. */
export function decodeCaps(hex: string): string[] {
  let v = BigInt("0x" + (hex.trim() || "0"));
  const out: string[] = [];
  for (let i = 0; v > 0n; i++, v >>= 1n) if (v & 1n) out.push(CAP_NAMES[i] ?? `CAP_${i}`);
  return out;
}

/** Capabilities that are one step from the host on their own. */
const ESCAPE_CAPS = new Set(["SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH", "BPF"]);

const WELL_KNOWN = [
  "/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock", "/run/docker/containerd/containerd.sock",
  "/run/crio/crio.sock", "/run/podman/podman.sock", "/run/buildkit/buildkitd.sock", "/run/k3s/containerd/containerd.sock",
  "/var/snap/microk8s/common/run/containerd.sock", "/run/host-services/docker.proxy.sock", "/run/cri-dockerd.sock",
];


function getJson(opts: { socketPath?: string; host?: string; port?: number }, path: string, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const req = request({ ...opts, path, method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (body.length < 65536) body += c;
      });
      res.on("end", () => {
        try {
          resolve(JSON.parse(body) as Record<string, unknown>);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on("error", () => resolve(undefined));
    req.on("timeout", () => {
      req.destroy();
      resolve(undefined);
    });
    req.end();
  });
}


async function text(p: string): Promise<string> {
  try {
    return await readFile(p, "utf8");
  } catch {
    return "";
  }
}

async function isSocket(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isSocket();
  } catch {
    return false;
  }
}

/** Mount points from /proc/self/mountinfo (bind-mounted sockets show up here, under any name). */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((x): x is string => !!x)
    .map((x) => x.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

export async function inside(opts: InsideOptions = {}): Promise<InsideResult> {
  const env = opts.env ?? process.env;
  const root = opts.root ?? "/";
  const at = (p: string) => (root === "/" ? p : join(root, p));
  const timeoutMs = opts.timeoutMs ?? 1000;
  const hints: string[] = [];
  if (await stat(at("/.dockerenv")).then(() => true, () => false)) hints.push("/.dockerenv exists");
  if (await stat(at("/run/.containerenv")).then(() => true, () => false)) hints.push("/run/.containerenv exists (podman)");
  const cg = await text(at("/proc/1/cgroup"));
  if (/docker|kubepods|containerd|libpod|crio/.test(cg)) hints.push("PID 1's cgroup names a container runtime");
  const mi = await text(at("/proc/self/mountinfo"));
  if (/ \/ \S* \S*.* - overlay /.test(mi)) hints.push("the root filesystem is an overlay");

  const status = await text(at("/proc/self/status"));
  const field = (k: string) => new RegExp(`^${k}:[ \\t]*(.*)$`, "m").exec(status)?.[1] ?? "";
  const ids = idsFromStatus(status);
  const uid = ids?.uid ?? process.getuid?.() ?? -1;
  const gids = [...new Set([ids?.gid ?? -1, ...field("Groups").split(/\s+/).filter(Boolean).map(Number)])];
  const capabilities = decodeCaps(field("CapEff") || "0");

  // Candidate sockets: well-known paths, bind mounts that are sockets, a bounded search.
  const cands = new Map<string, string>();
  for (const p of WELL_KNOWN) if (await isSocket(at(p))) cands.set(p, "well-known path");
  for (const mp of mountPoints(mi)) if (!cands.has(mp) && (await isSocket(at(mp)))) cands.set(mp, "bind mount (mountinfo)");
  let budget = opts.searchBudget ?? 20000;
  let level = [root];
  for (let depth = 0; depth < 5 && level.length && budget > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (--budget < 0) break;
        const p = join(dir, e.name);
        const rel = root === "/" ? p : "/" + p.slice(root.length).replace(/^\/+/, "");
        if (e.isDirectory() && !["/proc", "/sys", "/dev"].includes(rel)) next.push(p);
        else if (e.isSocket() && !cands.has(rel)) cands.set(rel, "search");
      }
    }
    level = next;
  }

  const sockets: InsideSocket[] = [];
  for (const [p, via] of cands) {
    const r = await probeDockerApi({ socketPath: at(p) }, timeoutMs);
    const s: InsideSocket = { path: p, via, answers: r.answers };
    const rt = socketExposure(p);
    if (rt?.relation === "socket") s.runtime = rt.runtime;
    if (r.apiVersion) {
      s.apiVersion = r.apiVersion;
      s.runtime ??= "docker";
      const v = await getJson({ socketPath: at(p) }, "/version", timeoutMs);
      if (typeof v?.Version === "string") s.serverVersion = v.Version;
    }
    if (r.error) s.error = r.error;
    // An app's own socket that is neither named like a runtime nor answers the API is not reported.
    if (s.runtime || s.answers || s.error === "EACCES") sockets.push(s);
  }

  const tcp: InsideResult["tcp"] = [];
  for (const variable of ["DOCKER_HOST", "CONTAINER_HOST"]) {
    const value = env[variable];
    if (!value) continue;
    try {
      const ep = parseDockerHost(value, false);
      if (ep.transport === "tcp" && ep.address) {
        const r = await probeDockerApi({ host: ep.address.host, port: ep.address.port }, timeoutMs);
        tcp.push({ variable, value, answers: r.answers, ...(r.apiVersion ? { apiVersion: r.apiVersion } : {}), ...(r.error ? { error: r.error } : {}) });
      } else if (ep.transport === "unix" && ep.socketPath && !cands.has(ep.socketPath)) {
        const r = await probeDockerApi({ socketPath: at(ep.socketPath) }, timeoutMs);
        sockets.push({ path: ep.socketPath, via: variable, answers: r.answers, ...(r.apiVersion ? { apiVersion: r.apiVersion } : {}), ...(r.error ? { error: r.error } : {}) });
      }
    } catch {
      tcp.push({ variable, value, answers: false, error: "not a valid Docker host" });
    }
  }

  const reasons: string[] = [];
  let verdict: InsideVerdict = "no-path-found";
  for (const s of sockets) if (s.answers) reasons.push(`${s.path} answers the Docker API (${s.apiVersion}${s.serverVersion ? `, engine ${s.serverVersion}` : ""}): I can ask for a privileged container with the host's / mounted`);
  for (const t of tcp) if (t.answers) reasons.push(`${t.variable}=${t.value} answers the Docker API without TLS`);
  for (const s of sockets) if (!s.answers && s.runtime && s.runtime !== "docker") {
    if (s.error === "EACCES") continue;
    reasons.push(`${s.path} is a ${s.runtime} socket I can connect to (not the Docker API, but a runtime's admin API)`);
  }
  if (reasons.length) verdict = "can-control-host";
  else {
    for (const s of sockets) if (s.error === "EACCES") reasons.push(`${s.path} is here but I (uid ${uid}) cannot open it: one privilege step away (root or its group)`);
    const esc = capabilities.filter((c) => ESCAPE_CAPS.has(c));
    if (esc.length) reasons.push(`effective capabilities ${esc.join(", ")} are known container escapes`);
    if (reasons.length) verdict = "one-step-away";
  }
  return { inContainer: hints.length > 0, containerHints: hints, uid, gids, capabilities, sockets, tcp, verdict, reasons };
}

export function renderInsideText(r: InsideResult): string {
  const lines: string[] = [];
  lines.push(r.inContainer ? `In a container (${r.containerHints.join("; ")}).` : "No sign of a container here.");
  lines.push(`Me: uid ${r.uid}, groups ${r.gids.join(",")}; effective capabilities: ${r.capabilities.join(", ") || "none"}.`);
  for (const s of r.sockets) lines.push(`socket ${s.path} (${s.via}): ${s.answers ? `answers the Docker API ${s.apiVersion}` : s.error ?? "no answer"}`);
  for (const t of r.tcp) lines.push(`${t.variable}=${t.value}: ${t.answers ? `answers the Docker API ${t.apiVersion}` : t.error ?? "no answer"}`);
  const v = { "can-control-host": "VERDICT: can control the host", "one-step-away": "VERDICT: one step away", "no-path-found": "VERDICT: no path to a runtime API found" }[r.verdict];
  lines.push(v);
  for (const x of r.reasons) lines.push(`  - ${x}`);
  return lines.join("\n") + "\n";
}

/**
 * The same check as a POSIX sh script (busybox ash, dash, bash). It prints `key: value` lines and a
 * final `VERDICT: …` line, and exits 2 (can control the host), 1 (one step away) or 0 (no path).
 */
export function insideScript(): string {
  return `#!/bin/sh
# sockwarden inside --print-sh: can this container reach a container-runtime API? Read-only.
# Runs on busybox sh; uses only test, cat, grep, sed, find, id when present.
set -u
verdict=0
reasons=""
add() { reasons="$reasons
  - $1"; }
incontainer=""
[ -e /.dockerenv ] && incontainer="$incontainer /.dockerenv"
[ -e /run/.containerenv ] && incontainer="$incontainer /run/.containerenv"
grep -qE 'docker|kubepods|containerd|libpod|crio' /proc/1/cgroup 2>/dev/null && incontainer="$incontainer cgroup"
if [ -n "$incontainer" ]; then echo "container: yes ($incontainer )"; else echo "container: no sign"; fi
uid=$(id -u 2>/dev/null || sed -n 's/^Uid:[[:space:]]*[0-9]*[[:space:]]*\\([0-9]*\\).*/\\1/p' /proc/self/status)
groups=$(id -G 2>/dev/null || echo "?")
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
echo "uid: $uid"
echo "groups: $groups"
echo "capeff: $capeff"
# Decode a few escape capabilities from the hex mask (bit numbers from linux/capability.h).
capbit() { # $1 = bit
  n=$(( $1 / 4 )); b=$(( $1 % 4 ))
  len=\${#capeff}
  [ "$len" -gt "$n" ] || return 1
  pos=$(( len - n ))
  d=$(printf '%s' "$capeff" | cut -c "$pos")
  v=$(printf '%d' "0x$d")
  [ $(( (v >> b) & 1 )) -eq 1 ]
}
esc=""
capbit 21 && esc="$esc SYS_ADMIN"
capbit 16 && esc="$esc SYS_MODULE"
capbit 19 && esc="$esc SYS_PTRACE"
capbit 17 && esc="$esc SYS_RAWIO"
capbit 2 && esc="$esc DAC_READ_SEARCH"
[ -n "$esc" ] && echo "escape-capabilities:$esc"
found=""
check_sock() { # $1 = path, $2 = how found
  case " $found " in *" $1 "*) return;; esac
  found="$found $1"
  if [ -w "$1" ]; then
    echo "socket: $1 ($2) writable-by-me"
    verdict=2; add "$1 is a runtime socket I can open (write permission): I can drive the runtime"
  else
    echo "socket: $1 ($2) not-writable-by-me"
    [ "$verdict" -lt 1 ] && verdict=1
    add "$1 is here but I (uid $uid) cannot open it: one privilege step away"
  fi
}
for p in /var/run/docker.sock /run/docker.sock /run/containerd/containerd.sock /run/docker/containerd/containerd.sock /run/crio/crio.sock /run/podman/podman.sock /run/buildkit/buildkitd.sock /run/k3s/containerd/containerd.sock /run/host-services/docker.proxy.sock; do
  [ -S "$p" ] && check_sock "$p" "well-known path"
done
# Bind-mounted sockets under any name appear as mount points.
for mp in $(cut -d' ' -f5 /proc/self/mountinfo 2>/dev/null); do
  [ -S "$mp" ] && check_sock "$mp" "bind mount"
done
# A bounded search for runtime-named sockets elsewhere.
for p in $(find / -xdev -maxdepth 5 -type s \\( -name 'docker.sock' -o -name 'containerd.sock' -o -name 'crio.sock' -o -name 'podman.sock' -o -name 'buildkitd.sock' \\) 2>/dev/null | head -50); do
  check_sock "$p" "search"
done
for var in DOCKER_HOST CONTAINER_HOST; do
  eval "val=\\\${$var:-}"
  [ -n "$val" ] || continue
  echo "env: $var=$val"
  case "$val" in
    tcp://*|http://*)
      hp=\${val#*://}; hp=\${hp%%/*}
      host=\${hp%:*}; port=\${hp##*:}; [ "$port" = "$hp" ] && port=2375
      if command -v wget >/dev/null 2>&1 && wget -q -T 2 -O - "http://$host:$port/version" 2>/dev/null | grep -q '"ApiVersion"'; then
        echo "tcp: $val answers-docker-api"
        verdict=2; add "$var=$val answers the Docker API without TLS"
      else
        echo "tcp: $val no-answer"
      fi;;
    unix://*) p=\${val#unix://}; [ -S "$p" ] && check_sock "$p" "$var";;
  esac
done
[ -n "$esc" ] && [ "$verdict" -lt 1 ] && { verdict=1; add "effective capabilities$esc are known container escapes"; }
case $verdict in
  2) echo "VERDICT: can control the host";;
  1) echo "VERDICT: one step away";;
  *) echo "VERDICT: no path to a runtime API found";;
esac
[ -n "$reasons" ] && printf '%s\\n' "$reasons" | sed '/^$/d'
exit $verdict
`;
}
