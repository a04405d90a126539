/**
 * Host facts, read from the local machine: runtime sockets and who can open them, daemon
 * processes and their flags, daemon.json, real TCP listeners (and whether they answer the Docker
 * API without TLS), recently modified persistence files. Read-only; every probe is `GET /_ping`.
 */
import { readFile, readdir, readlink, stat } from "node:fs/promises";
import { probeDockerApi } from "../engine/probe.js";
import { join } from "node:path";
import type { DaemonConfig, DaemonListener, HostFacts, SocketFile } from "../model/hostfacts.js";
import { socketExposure } from "../model/hostpath.js";
import type { KnownSocket } from "./resolve.js";
import { aclAllows, aclFromMode, formatAclEntry, isExtended, readAcls, type AclEntry, type AclRead } from "./acl.js";
import { socketInodeOfLink } from "../model/procfs.js";

export interface Account {
  name: string;
  uid: number;
  gid: number;
}
export interface Group {
  name: string;
  gid: number;
  members: string[];
}

export function parsePasswd(text: string): Account[] {
  const out: Account[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < 4 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    out.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) });
  }
  return out;
}

export function parseGroup(text: string): Group[] {
  const out: Group[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < 3 || !/^\d+$/.test(f[2]!)) continue;
    out.push({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? "").split(",").map((s) => s.trim()).filter(Boolean) });
  }
  return out;
}

/**
 * Who can connect() to a socket (connect() needs write permission on the socket file): root, and
 * every account the POSIX access check lets write — the owner entry for the owner, named ACL user
 * entries, the owning group and named ACL group entries for members (from /etc/group) and
 * primary-group users (from /etc/passwd), `other` for the rest. Named entries and the owning
 * group are limited by the ACL mask. Without an ACL the mode bits are that check.
 * `viaAcl` (when an ACL was given) names those let in by a named ACL entry only.
 */
export function whoCanOpen(
  sock: { uid: number; gid: number; mode: number },
  users: Account[],
  groups: Group[],
  acl?: readonly AclEntry[],
): { users: string[]; everyone: boolean; viaAcl?: string[] } {
  const entries = acl ?? aclFromMode(sock.mode);
  const viaAcl: string[] = [];
  const withAcl = <T extends object>(o: T) => (acl ? { ...o, viaAcl } : o);
  if (entries.find((e) => e.tag === "other")?.perms.includes("w")) return withAcl({ users: ["everyone"], everyone: true });
  const names = new Set<string>(["root"]);
  const memberOf = (name: string) => groups.filter((g) => g.members.includes(name)).map((g) => g.gid);
  // Everyone the files know of, with their groups; plus owner / named-entry uids with no account.
  const subjects: { label: string; uid?: number; gids: number[] }[] = users.map((u) => ({ label: u.name, uid: u.uid, gids: [u.gid, ...memberOf(u.name)] }));
  const known = new Set(users.map((u) => u.name));
  for (const g of groups) for (const m of g.members) if (!known.has(m)) (known.add(m), subjects.push({ label: m, gids: memberOf(m) }));
  const uids = new Set(users.map((u) => u.uid));
  for (const uid of [sock.uid, ...entries.filter((e) => e.tag === "user" && e.id !== undefined).map((e) => e.id!)]) {
    if (!uids.has(uid)) (uids.add(uid), subjects.push({ label: `uid ${uid}`, uid, gids: [] }));
  }
  const grantedGroups = new Set<number>();
  for (const s of subjects) {
    // A group member with no passwd entry: no uid to match owner or named-user entries against.
    const r = aclAllows(entries, sock, { uid: s.uid ?? -1, gids: s.gids }, "w");
    if (!r.allowed) continue;
    names.add(s.label);
    if (r.by.startsWith("user:") || r.by.startsWith("group:")) viaAcl.push(s.label);
    if (r.by.startsWith("group:")) grantedGroups.add(Number(r.by.slice(6)));
  }
  // A named group entry that lets write in but that no known account holds: any process given that
  // gid (a container's --group-add) can open the socket; name the group itself.
  for (const e of entries) {
    if (e.tag !== "group" || e.id === undefined || grantedGroups.has(e.id)) continue;
    if (!aclAllows(entries, sock, { uid: -1, gids: [e.id] }, "w").allowed) continue;
    const label = `group ${groups.find((g) => g.gid === e.id)?.name ?? e.id}`;
    names.add(label);
    viaAcl.push(label);
  }
  return withAcl({ users: [...names], everyone: false });
}

/** Well-known runtime socket locations (REFERENCE §1.6 and hostpath's list), `*` = any uid. */
const SOCKET_GLOBS = [
  "/run/docker.sock",
  "/var/run/docker.sock",
  "/run/containerd/containerd.sock",
  "/run/docker/containerd/containerd.sock",
  "/run/k3s/containerd/containerd.sock",
  "/var/snap/microk8s/common/run/containerd.sock",
  "/run/crio/crio.sock",
  "/run/podman/podman.sock",
  "/run/buildkit/buildkitd.sock",
  "/run/cri-dockerd.sock",
  "/run/user/*/docker.sock",
  "/run/user/*/podman/podman.sock",
  "/run/user/*/buildkit/buildkitd.sock",
];

async function expand(glob: string): Promise<string[]> {
  const i = glob.indexOf("*");
  if (i < 0) return [glob];
  const dir = glob.slice(0, i - 1);
  const rest = glob.slice(i + 1);
  try {
    return (await readdir(dir)).filter((n) => /^\d+$/.test(n)).map((n) => `${dir}/${n}${rest}`);
  } catch {
    return [];
  }
}

async function procPids(): Promise<string[]> {
  return (await readdir("/proc").catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
}

export interface DaemonProcess {
  pid: number;
  name: string;
  argv: string[];
}

const DAEMONS = new Set(["dockerd", "containerd", "crio", "podman", "buildkitd", "rootlesskit", "socat", "cri-dockerd", "k3s"]);

/** Runtime daemons (and socat forwarders) from /proc/<pid>/cmdline. */
export async function daemonProcesses(): Promise<DaemonProcess[]> {
  const out: DaemonProcess[] = [];
  const pids = await procPids();
  await Promise.all(
    pids.map(async (p) => {
      try {
        const argv = (await readFile(`/proc/${p}/cmdline`, "utf8")).split("\0").filter((x, i, a) => x !== "" || i < a.length - 1);
        if (!argv.length) return;
        const name = argv[0]!.slice(argv[0]!.lastIndexOf("/") + 1);
        if (DAEMONS.has(name) || (name === "podman" && argv.includes("system") && argv.includes("service"))) out.push({ pid: Number(p), name, argv });
      } catch {
        /* exited */
      }
    }),
  );
  return out.sort((a, b) => a.pid - b.pid);
}

/** dockerd's flags that matter: hosts, TLS, userns-remap, authorization plugins, config file. */
export function parseDockerdArgs(argv: string[]): DaemonConfig & { configFile?: string } {
  const cfg: DaemonConfig & { configFile?: string } = { hosts: [], source: "dockerd flags" };
  const take = (i: number, a: string): [string | undefined, number] => {
    const eq = a.indexOf("=");
    if (eq > 0) return [a.slice(eq + 1), i];
    return [argv[i + 1], i + 1];
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const flag = a.includes("=") ? a.slice(0, a.indexOf("=")) : a;
    switch (flag) {
      case "-H":
      case "--host": {
        const [v, j] = take(i, a);
        if (v) cfg.hosts.push(v);
        i = j;
        break;
      }
      case "--tls":
        cfg.tls = a.endsWith("=false") ? false : true;
        break;
      case "--tlsverify":
        cfg.tlsverify = a.endsWith("=false") ? false : true;
        break;
      case "--userns-remap": {
        const [v, j] = take(i, a);
        if (v) cfg.usernsRemap = v;
        i = j;
        break;
      }
      case "--authorization-plugin": {
        const [v, j] = take(i, a);
        if (v) (cfg.authorizationPlugins ??= []).push(v);
        i = j;
        break;
      }
      case "--config-file": {
        const [v, j] = take(i, a);
        if (v) cfg.configFile = v;
        i = j;
        break;
      }
      default:
        if (/^-H./.test(a)) cfg.hosts.push(a.slice(2));
    }
  }
  return cfg;
}

/** daemon.json keys that matter. */
export function parseDaemonJson(text: string, source: string): DaemonConfig {
  const j = JSON.parse(text) as Record<string, unknown>;
  const cfg: DaemonConfig = { hosts: Array.isArray(j.hosts) ? j.hosts.filter((h): h is string => typeof h === "string") : [], source };
  if (typeof j.tls === "boolean") cfg.tls = j.tls;
  if (typeof j.tlsverify === "boolean") cfg.tlsverify = j.tlsverify;
  if (typeof j["userns-remap"] === "string") cfg.usernsRemap = j["userns-remap"];
  if (Array.isArray(j["authorization-plugins"])) cfg.authorizationPlugins = j["authorization-plugins"].filter((x): x is string => typeof x === "string");
  return cfg;
}

export interface ProcListener {
  address: string;
  port: number;
  inode: number;
}

function hexToIp4(h: string): string {
  const n = parseInt(h, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join(".");
}

function hexToIp6(h: string): string {
  // Four little-endian 32-bit words.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = h.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12).join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::").replace(/:{3,}/, "::");
}

/** LISTEN sockets from /proc/net/tcp and tcp6 (state 0A). */
export function parseProcNetTcp(text: string, v6: boolean): ProcListener[] {
  const out: ProcListener[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== "0A") continue;
    const [ipHex, portHex] = f[1]!.split(":") as [string, string];
    out.push({ address: v6 ? hexToIp6(ipHex) : hexToIp4(ipHex), port: parseInt(portHex, 16), inode: Number(f[9]) });
  }
  return out;
}

/** socket inode → process, from /proc/<pid>/fd links (`socket:[1234]`). */
async function socketOwners(inodes: Set<number>): Promise<Map<number, { pid: number; name: string }>> {
  const out = new Map<number, { pid: number; name: string }>();
  if (inodes.size === 0) return out;
  const pids = await procPids();
  await Promise.all(
    pids.map(async (p) => {
      let fds: string[];
      try {
        fds = await readdir(`/proc/${p}/fd`);
      } catch {
        return;
      }
      for (const fd of fds) {
        if (out.size === inodes.size) return;
        try {
          const inode = socketInodeOfLink(await readlink(`/proc/${p}/fd/${fd}`));
          if (inode !== undefined && inodes.has(inode) && !out.has(inode)) {
            const name = (await readFile(`/proc/${p}/comm`, "utf8")).trim();
            out.set(inode, { pid: Number(p), name });
          }
        } catch {
          /* closed */
        }
      }
    }),
  );
  return out;
}

async function readText(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, "utf8");
  } catch {
    return undefined;
  }
}

/** Listening TCP sockets, whether each answers the Docker API without TLS, and (for those that
 *  do) which process owns it. The /proc fd scan is the expensive part: only done when needed. */
export async function tcpListeners(opts: { maxProbes?: number; timeoutMs?: number } = {}): Promise<DaemonListener[]> {
  const ls = [...parseProcNetTcp((await readText("/proc/net/tcp")) ?? "", false), ...parseProcNetTcp((await readText("/proc/net/tcp6")) ?? "", true)];
  const seen = new Set<string>();
  const uniq = ls.filter((l) => {
    const k = `${l.address}:${l.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const limit = opts.maxProbes ?? 64;
  const out = await Promise.all(
    uniq.map(async (l, i) => {
      const target = l.address === "0.0.0.0" ? "127.0.0.1" : l.address === "::" ? "::1" : l.address;
      const answers = i < limit ? (await probeDockerApi({ host: target, port: l.port }, opts.timeoutMs ?? 400)).answers : undefined;
      const d: DaemonListener = { address: l.address, port: l.port, tls: answers ? false : "unknown", source: "proc-net" };
      if (answers !== undefined) d.answersDockerApi = answers;
      return { d, inode: l.inode };
    }),
  );
  const wanted = new Set(out.filter((x) => x.d.answersDockerApi).map((x) => x.inode));
  const owners = await socketOwners(wanted);
  for (const x of out) {
    const o = owners.get(x.inode);
    if (o) {
      x.d.pid = o.pid;
      x.d.process = o.name;
    }
  }
  return out.map((x) => x.d);
}

/** Files whose change after a risky container started is worth a look (never proof). */
const PERSISTENCE_PATHS: { path: string; why: string }[] = [
  { path: "/etc/systemd/system", why: "systemd units run as root at boot" },
  { path: "/lib/systemd/system", why: "systemd units run as root at boot" },
  { path: "/etc/crontab", why: "cron runs it as root" },
  { path: "/etc/cron.d", why: "cron runs it as root" },
  { path: "/var/spool/cron/crontabs", why: "users' crontabs" },
  { path: "/root/.ssh/authorized_keys", why: "grants SSH login as root" },
  { path: "/etc/ld.so.preload", why: "injects a library into every process" },
  { path: "/etc/sudoers", why: "grants root through sudo" },
  { path: "/etc/sudoers.d", why: "grants root through sudo" },
  { path: "/etc/passwd", why: "user accounts" },
];

/** Persistence files modified since `since` (ms epoch); directories are listed one level deep. */
export async function persistenceFiles(since: number): Promise<HostFacts["persistence"]> {
  const out: HostFacts["persistence"] = [];
  const check = async (p: string, why: string) => {
    try {
      const st = await stat(p);
      if (st.mtimeMs >= since && st.isFile()) out.push({ path: p, modified: Math.floor(st.mtimeMs), why });
      if (st.isDirectory()) {
        for (const n of await readdir(p)) {
          try {
            const s2 = await stat(join(p, n));
            if (s2.isFile() && s2.mtimeMs >= since) out.push({ path: join(p, n), modified: Math.floor(s2.mtimeMs), why });
          } catch {
            /* gone */
          }
        }
      }
    } catch {
      /* absent */
    }
  };
  const homes = await readdir("/home").catch(() => [] as string[]);
  await Promise.all([
    ...PERSISTENCE_PATHS.map((x) => check(x.path, x.why)),
    ...homes.map((h) => check(`/home/${h}/.ssh/authorized_keys`, `grants SSH login as ${h}`)),
  ]);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

export interface LocalHostFacts {
  facts: HostFacts;
  /** Runtime sockets with their identity, for the mount resolver. */
  known: KnownSocket[];
  errors: string[];
}

/** Everything about the local host (the audit calls this when the daemon is local). */
export async function collectHostFacts(opts: { host: string; extraSockets?: string[]; persistenceSince?: number; probeListeners?: boolean; readAcl?: boolean }): Promise<LocalHostFacts> {
  const errors: string[] = [];
  const [passwd, group] = await Promise.all([readText("/etc/passwd"), readText("/etc/group")]);
  const users = parsePasswd(passwd ?? "");
  const groups = parseGroup(group ?? "");
  const procs = await daemonProcesses();
  const daemon: DaemonConfig[] = [];
  const candidates = new Map<string, string>(); // path → runtime
  for (const p of procs) {
    if (p.name === "dockerd") {
      const cfg = parseDockerdArgs(p.argv);
      daemon.push({ ...stripConfigFile(cfg), source: `dockerd (pid ${p.pid}) flags` });
      for (const h of cfg.hosts) if (h.startsWith("unix://")) candidates.set(h.slice(7) || "/var/run/docker.sock", "docker");
      if (!cfg.hosts.length) candidates.set("/var/run/docker.sock", "docker");
      const file = cfg.configFile ?? "/etc/docker/daemon.json";
      const text = await readText(file);
      if (text !== undefined && text.trim()) {
        try {
          const dj = parseDaemonJson(text, file);
          daemon.push(dj);
          for (const h of dj.hosts) if (h.startsWith("unix://")) candidates.set(h.slice(7), "docker");
        } catch (e) {
          errors.push(`${file}: not valid JSON (${(e as Error).message})`);
        }
      }
      // The managed containerd lives under the exec root.
      const er = flagValue(p.argv, "--exec-root");
      if (er) candidates.set(join(er, "containerd", "containerd.sock"), "containerd");
    } else if (p.name === "containerd") {
      const a = flagValue(p.argv, "--address") ?? flagValue(p.argv, "-a");
      if (a) candidates.set(a, "containerd");
    } else if (p.name === "buildkitd") {
      const a = flagValue(p.argv, "--addr");
      if (a?.startsWith("unix://")) candidates.set(a.slice(7), "buildkit");
    }
  }
  // systemd: the unit and its drop-ins say how the daemon is meant to start, running or not.
  for (const sd of await systemdDockerd()) daemon.push(sd);
  for (const g of SOCKET_GLOBS) for (const p of await expand(g)) if (!candidates.has(p)) candidates.set(p, socketExposure(p)?.runtime ?? "docker");
  for (const p of opts.extraSockets ?? []) if (!candidates.has(p)) candidates.set(p, socketExposure(p)?.runtime ?? "docker");

  const sockets: SocketFile[] = [];
  const known: KnownSocket[] = [];
  const seenIno = new Set<string>();
  const found: { path: string; runtime: string; st: Awaited<ReturnType<typeof stat>> }[] = [];
  for (const [path, runtime] of candidates) {
    try {
      const st = await stat(path);
      if (!st.isSocket()) continue;
      known.push({ path, runtime, dev: st.dev, ino: st.ino });
      const key = `${st.dev}:${st.ino}`;
      if (seenIno.has(key)) continue; // /var/run/docker.sock and /run/docker.sock are one socket
      seenIno.add(key);
      found.push({ path, runtime, st });
    } catch {
      /* absent */
    }
  }
  // ACLs can let users in that the mode bits do not show; if they cannot be read, say so. One
  // getfacl for all sockets; the mount resolver reuses the answers (KnownSocket.acl).
  const acls = opts.readAcl === false ? new Map<string, AclRead>() : await readAcls(found.map((f) => f.path));
  for (const { path, runtime, st } of found) {
    const mode = Number(st.mode) & 0o7777;
    const uid = Number(st.uid);
    const gid = Number(st.gid);
    const acl = acls.get(path);
    for (const k of known) if (k.dev === Number(st.dev) && k.ino === Number(st.ino) && acl) k.acl = acl.ok && isExtended(acl.acl) ? acl.acl : acl.ok ? null : undefined;
    const who = whoCanOpen({ uid, gid, mode }, users, groups, acl?.ok ? acl.acl : undefined);
    const s: SocketFile = { path, runtime, uid, gid, mode, openableBy: who.users, worldWritable: who.everyone };
    if (acl?.ok && isExtended(acl.acl)) {
      const names = { user: (id: number) => users.find((u) => u.uid === id)?.name, group: (id: number) => groups.find((g) => g.gid === id)?.name };
      s.acl = acl.acl.map((e) => formatAclEntry(e, names));
      if (who.viaAcl?.length) s.openableViaAcl = who.viaAcl;
    } else if (acl && !acl.ok) {
      // In the host facts and in the socket-access finding; not an audit error (the rest stands).
      s.aclError = acl.error;
    }
    const owner = users.find((u) => u.uid === uid)?.name;
    const grp = groups.find((g) => g.gid === gid)?.name;
    if (owner) s.owner = owner;
    if (grp) s.group = grp;
    sockets.push(s);
  }
  const listeners = opts.probeListeners === false ? [] : await tcpListeners();
  const persistence = opts.persistenceSince !== undefined ? await persistenceFiles(opts.persistenceSince) : [];
  return { facts: { host: opts.host, sockets, listeners, daemon, events: [], persistence }, known, errors };
}

/** `ExecStart=` of docker.service and its drop-ins (an empty `ExecStart=` resets the list). */
export function execStartOf(unitTexts: string[]): string | undefined {
  let last: string | undefined;
  for (const t of unitTexts) {
    for (const raw of t.replace(/\\\n/g, " ").split("\n")) {
      const m = /^\s*ExecStart\s*=\s*(.*)$/.exec(raw);
      if (m) last = m[1]!.trim() || undefined;
    }
  }
  return last;
}

async function systemdDockerd(): Promise<DaemonConfig[]> {
  const files: string[] = [];
  for (const base of ["/lib/systemd/system", "/usr/lib/systemd/system", "/etc/systemd/system"]) {
    if (await stat(join(base, "docker.service")).then(() => true, () => false)) files.push(join(base, "docker.service"));
    const dropDir = join(base, "docker.service.d");
    for (const n of (await readdir(dropDir).catch(() => [] as string[])).filter((x) => x.endsWith(".conf")).sort()) files.push(join(dropDir, n));
  }
  if (!files.length) return [];
  const texts = await Promise.all(files.map((f) => readText(f).then((t) => t ?? "")));
  const exec = execStartOf(texts);
  if (!exec) return [];
  // Unit command lines are whitespace-separated words; quotes are rare for dockerd flags.
  const argv = exec.replace(/^[-@+!:]+/, "").split(/\s+/).filter(Boolean);
  const cfg = parseDockerdArgs(argv);
  return [{ ...stripConfigFile(cfg), source: `systemd ${files.join(", ")}` }];
}

function stripConfigFile(c: DaemonConfig & { configFile?: string }): DaemonConfig {
  const { configFile: _ignored, ...rest } = c;
  return rest;
}

function flagValue(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === flag) return argv[i + 1];
    if (a.startsWith(flag + "=")) return a.slice(flag.length + 1);
  }
  return undefined;
}
