/**
 * Unix peer credentials for the proxy's audit log: which process (pid, uid, gid, program name) holds
 * the other end of an accepted Unix-socket connection.
 *
 * Why `ss`: the kernel answers this with SO_PEERCRED (a getsockopt Node does not expose) or with
 * sock_diag (a netlink protocol Node cannot speak). iproute2's `ss -xpnH` speaks sock_diag for us and
 * is on every Debian/Ubuntu host. It lists each connected Unix socket as
 *   u_str ESTAB 0 0 <local address or *> <local inode> * <peer inode> users:(("name",pid=N,fd=N),...)
 * so our accepted socket's line names the client socket's inode, and the line whose *local* inode is
 * that one names the processes holding it. One run costs a process spawn and a walk of /proc/∗/fd,
 * so runs are shared: at most one in flight, lookups arriving meanwhile wait for the next run, and run
 * starts are spaced by `minIntervalMs` (a client opening connections at full rate costs at most
 * 1000/minIntervalMs runs a second, not one per connection). Nothing is cached across runs: inodes
 * and pids are reused.
 *
 * `ss` prints socket paths raw (spaces, even newlines) and process names unescaped, and both are
 * chosen by the client. So nothing `ss` says is believed on its own:
 *  - every inode we rely on must be claimed by exactly one line (a forged line makes the answer
 *    "unknown", never someone else), and our own inode may not appear as a token more than twice;
 *  - each (pid, fd) from `users:` is checked against the kernel: /proc/<pid>/fd/<fd> must be the
 *    client socket, before and after reading the ids (so a pid reused meanwhile is not believed).
 *
 * What this reports is who holds the client end *now* (at the run), like `ss`/`lsof`, not who called
 * connect(): a descriptor can be inherited or passed. uid/gid are the effective ids, as SO_PEERCRED
 * reports them. `command` is /proc/<pid>/comm: the client chooses it (prctl), trust pid and uid. No
 * argv, ever: command lines can hold secrets.
 *
 * Every failure (no `ss`, not permitted, timeout, the client already gone, a proxy not running as root
 * that cannot see other users' processes) resolves to undefined; run failures are reported on stderr
 * once per kind, never per connection.
 */
import { execFile } from "node:child_process";
import { readlinkSync } from "node:fs";
import { readFile, readlink } from "node:fs/promises";
import type * as net from "node:net";
import { idsFromStatus, socketInodeOfLink } from "../model/procfs.js";

export interface PeerCredentials {
  pid: number;
  /** Effective uid of the process (what SO_PEERCRED reports). */
  uid: number;
  /** Effective gid of the process. */
  gid: number;
  /** Program name from /proc/<pid>/comm (at most 15 bytes, set by the process itself). */
  command: string;
}

/**
 * The accepted socket's inode, from its descriptor's /proc/self/fd link. Node keeps the descriptor
 * on the undocumented `_handle.fd` (stable for years on Unix). Undefined on any failure, never throws.
 */
export function socketInode(sock: net.Socket): number | undefined {
  try {
    const fd = (sock as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
    if (typeof fd !== "number" || !Number.isInteger(fd) || fd < 0) return undefined;
    return socketInodeOfLink(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing `ss -xpnH` (pure)

export interface SsUser {
  /** As `ss` prints it (it stops at the first ")" of the name); informational only. */
  name: string;
  pid: number;
  fd: number;
}

export interface SsUnixSocket {
  /** u_str, u_dgr, u_seq. */
  netid: string;
  state: string;
  localInode: number;
  /** 0 when the socket has no peer. */
  peerInode: number;
  users: SsUser[];
}

/*
 * One record: netid, state, Recv-Q, Send-Q, local address (anything, spaces included, or "*"), local
 * inode, peer address (always "*" in sock_diag mode), peer inode, optional process column. The local
 * address is matched greedily, so the inode pair is the rightmost "<digits> * <digits>" that the
 * process column can follow: a socket path can hold such text, a process name (15 bytes) too short
 * to hold a real inode cannot.
 */
const RECORD = /^(u_\w+)\s+(\S+)\s+\d+\s+\d+\s+(?:.*\s)?(\d{1,10})\s+\*\s+(\d{1,10})(?:\s+users:\((.*)\))?\s*$/;
/*
 * One `("name",pid=N,fd=N)` entry, followed by the next entry or the end of the column. The name is
 * lazy but must leave a well-formed tail, so a name containing `",pid=1,fd=2)` stays part of the name.
 */
const USER = /\("(.*?)",pid=(\d{1,10}),fd=(\d{1,10})\)(?=,\(|$)/gs;

/** Every line of `ss -xpnH` that has the shape of a Unix socket record; other lines are skipped. */
export function parseSsUnix(text: string): SsUnixSocket[] {
  const out: SsUnixSocket[] = [];
  for (const line of text.split("\n")) {
    const m = RECORD.exec(line);
    if (!m) continue;
    const users: SsUser[] = [];
    if (m[5] !== undefined) {
      for (const u of m[5].matchAll(USER)) users.push({ name: u[1], pid: Number(u[2]), fd: Number(u[3]) });
    }
    out.push({ netid: m[1], state: m[2], localInode: Number(m[3]), peerInode: Number(m[4]), users });
  }
  return out;
}

export type PeerMiss =
  /** No line has this local inode: closed, not a Unix socket, or in another network namespace. */
  | "absent"
  /** Claimed by more than one line, or mentioned more than our line and the peer's can account for. */
  | "ambiguous"
  /** Our socket has no peer (the client closed). */
  | "unconnected"
  /** The peer's line is missing (closed meanwhile, or in another network namespace). */
  | "peer-absent"
  /** The peer's line lists no process (not visible to this user, or held by no process). */
  | "no-users";

export type PeerMatch = { peerInode: number; holders: { pid: number; fd: number }[] } | { miss: PeerMiss };

/** Count whitespace-separated tokens of `text` that are one of `wanted`. */
function countTokens(text: string, wanted: Set<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/(?<!\S)\d{1,10}(?!\S)/g)) {
    if (wanted.has(m[0])) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  return counts;
}

/**
 * For each of our sockets' inodes, the client socket's inode and the (pid, fd) pairs `ss` says hold
 * it (still to be checked against /proc), or why there is no answer. Pure: `text` is one `ss -xpnH`.
 */
export function matchPeers(text: string, inodes: readonly number[]): Map<number, PeerMatch> {
  const byLocal = new Map<number, SsUnixSocket[]>();
  for (const s of parseSsUnix(text)) {
    const list = byLocal.get(s.localInode);
    if (list) list.push(s);
    else byLocal.set(s.localInode, [s]);
  }
  const counts = countTokens(text, new Set(inodes.map(String)));
  const out = new Map<number, PeerMatch>();
  for (const inode of inodes) out.set(inode, matchOne(inode, byLocal, counts.get(String(inode)) ?? 0));
  return out;
}

function matchOne(inode: number, byLocal: Map<number, SsUnixSocket[]>, mentions: number): PeerMatch {
  const ours = byLocal.get(inode);
  if (!ours) return { miss: "absent" };
  // Our line names it once, the peer's line once more: any other mention is text we cannot place.
  if (ours.length !== 1 || mentions > 2) return { miss: "ambiguous" };
  const peerInode = ours[0].peerInode;
  if (peerInode === 0) return { miss: "unconnected" };
  const theirs = byLocal.get(peerInode);
  if (!theirs) return { miss: "peer-absent" };
  if (theirs.length !== 1 || theirs[0].peerInode !== inode) return { miss: "ambiguous" };
  const holders: { pid: number; fd: number }[] = [];
  for (const u of theirs[0].users) {
    if (u.pid > 0 && !holders.some((h) => h.pid === u.pid && h.fd === u.fd)) holders.push({ pid: u.pid, fd: u.fd });
  }
  if (holders.length === 0) return { miss: "no-users" };
  return { peerInode, holders };
}

// ---------------------------------------------------------------------------------------------
// Checking a holder against the kernel (I/O)

async function holds(pid: number, fd: number, inode: number): Promise<boolean> {
  try {
    return socketInodeOfLink(await readlink(`/proc/${pid}/fd/${fd}`)) === inode;
  } catch {
    return false;
  }
}

/**
 * The credentials of process `pid` if its descriptor `fd` is socket `inode` (checked before and
 * after reading them); undefined otherwise or on any failure.
 */
export async function holderCredentials(pid: number, fd: number, inode: number): Promise<PeerCredentials | undefined> {
  if (!(await holds(pid, fd, inode))) return undefined;
  let status: string;
  let comm: string;
  try {
    [status, comm] = await Promise.all([readFile(`/proc/${pid}/status`, "utf8"), readFile(`/proc/${pid}/comm`, "utf8")]);
  } catch {
    return undefined;
  }
  const ids = idsFromStatus(status);
  // Checked again: had the process exited and its pid been reused while we read, this fails.
  if (!ids || !(await holds(pid, fd, inode))) return undefined;
  return { pid, uid: ids.uid, gid: ids.gid, command: comm.replace(/\n$/, "") };
}

/**
 * Of the processes holding the client socket (a forked child shares its parent's descriptors), the
 * one with the lowest pid that the kernel confirms: deterministic, and usually the parent.
 */
async function resolveHolders(m: PeerMatch): Promise<PeerCredentials | undefined> {
  if ("miss" in m) return undefined;
  const found = await Promise.all(m.holders.map((h) => holderCredentials(h.pid, h.fd, m.peerInode)));
  let best: PeerCredentials | undefined;
  for (const c of found) if (c && (!best || c.pid < best.pid)) best = c;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Batched lookups

export interface PeerLookupOptions {
  /** The `ss` program; default "ss" from PATH. */
  ssPath?: string;
  /** Kill a run after this long; default 3000 ms. */
  timeoutMs?: number;
  /** Largest `ss` output read; default 32 MiB (a host with ~200k Unix sockets). */
  maxBuffer?: number;
  /** Least time between two run starts; default 200 ms (at most 5 runs a second under a flood). */
  minIntervalMs?: number;
  /** Where the once-per-kind failure notes go; default stderr. */
  warn?: (message: string) => void;
}

interface Pending {
  inode: number;
  resolve: (c: PeerCredentials | undefined) => void;
}

export class PeerLookup {
  private readonly ssPath: string;
  private readonly timeoutMs: number;
  private readonly maxBuffer: number;
  private readonly minIntervalMs: number;
  private readonly warnOut: (message: string) => void;
  private pending: Pending[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private lastStart = -Infinity;
  /** Set when `ss` does not exist: later lookups answer undefined without trying. */
  private disabled = false;
  private readonly warned = new Set<string>();
  private runCount = 0;

  constructor(opts: PeerLookupOptions = {}) {
    this.ssPath = opts.ssPath ?? "ss";
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.maxBuffer = opts.maxBuffer ?? 32 * 1024 * 1024;
    this.minIntervalMs = opts.minIntervalMs ?? 200;
    this.warnOut = opts.warn ?? ((m) => void process.stderr.write(`sockwarden proxy: ${m}\n`));
  }

  /** How many times `ss` was started (tests, metrics). */
  get runs(): number {
    return this.runCount;
  }

  /**
   * The credentials of the process holding the other end of `sock`, an accepted Unix-socket
   * connection; undefined when they cannot be known. Never rejects. Call it soon after accept: the
   * socket's inode is read now, the rest at the next run.
   */
  lookup(sock: net.Socket): Promise<PeerCredentials | undefined> {
    // A TCP (or TLS over TCP) socket has a remote family; only Unix sockets have peer credentials.
    if (this.disabled || sock.remoteFamily !== undefined) return Promise.resolve(undefined);
    const inode = socketInode(sock);
    if (inode === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.pending.push({ inode, resolve });
      this.schedule();
    });
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.warnOut(message);
  }

  private schedule(): void {
    if (this.running || this.timer || this.pending.length === 0) return;
    const wait = this.lastStart + this.minIntervalMs - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.run();
      }, wait);
    } else {
      void this.run();
    }
  }

  private async run(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.running = true;
    this.lastStart = performance.now();
    this.runCount++;
    try {
      const text = await this.ss();
      if (text === undefined) {
        for (const p of batch) p.resolve(undefined);
        return;
      }
      const matches = matchPeers(text, batch.map((p) => p.inode));
      if ([...matches.values()].some((m) => "miss" in m && m.miss === "ambiguous")) {
        this.warnOnce("ambiguous", "peer credentials: ss output names a socket more than once (a socket path with spaces or line breaks?); such clients are logged without them");
      }
      await Promise.all(
        batch.map(async (p) => {
          const m = matches.get(p.inode);
          p.resolve(m ? await resolveHolders(m).catch(() => undefined) : undefined);
        }),
      );
    } catch (e) {
      // Not expected (every step above catches its own failures); never leave a lookup hanging.
      this.warnOnce("internal", `peer credentials: ${(e as Error).message}`);
      for (const p of batch) p.resolve(undefined);
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  /** One `ss -xpnH` run (argv only, no shell); undefined on failure, noted once per kind. */
  private ss(): Promise<string | undefined> {
    return new Promise((resolve) => {
      try {
        execFile(
          this.ssPath,
          ["-xpnH"],
          { timeout: this.timeoutMs, maxBuffer: this.maxBuffer, encoding: "utf8", windowsHide: true },
          (err, stdout) => {
            if (!err) return resolve(stdout);
            const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: unknown };
            if (e.code === "ENOENT") {
              this.disabled = true;
              this.warnOnce("missing", `peer credentials: ${this.ssPath} not found (install iproute2); Unix clients are logged without them`);
            } else if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
              this.warnOnce("maxbuffer", `peer credentials: ${this.ssPath} output exceeds ${this.maxBuffer} bytes; Unix clients are logged without them`);
            } else if (e.killed || e.signal) {
              this.warnOnce("timeout", `peer credentials: ${this.ssPath} did not finish within ${this.timeoutMs} ms (${e.signal ?? "killed"})`);
            } else {
              this.warnOnce("failed", `peer credentials: ${this.ssPath} failed: ${e.message.split("\n")[0]}`);
            }
            resolve(undefined);
          },
        );
      } catch (e) {
        this.warnOnce("spawn", `peer credentials: cannot run ${this.ssPath}: ${(e as Error).message}`);
        resolve(undefined);
      }
    });
  }
}
