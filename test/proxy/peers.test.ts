import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, fstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PeerLookup, holderCredentials, matchPeers, parseSsUnix, socketInode } from "../../src/proxy/peers.js";
import { idsFromStatus } from "../../src/model/procfs.js";

// ---------------------------------------------------------------------------------------------
// Parser: literal `ss -xpnH` output captured on a Debian 12 host (iproute2 6.1.0). Only the temp
// directory in socket paths was renamed (/tmp/pp-XXXX -> /run/demo); the column padding is ss's own.

/*
 * A python3 process (pid 3263) made: a listening socket /run/demo/srv.sock, a client to it (fd 4,
 * inode 2637689) and the accepted end (fd 5, inode 2637690); then forked a child (pid 3439) that
 * renamed itself with prctl to `we "x" (y), z` (ss reads names from /proc/<pid>/stat up to the first
 * ")", so it prints `we "x" (y`); a SOCK_DGRAM pair (2637691/2637692, fds 6/7), a SOCK_SEQPACKET pair
 * (2637693/2637694, fds 8/9), and a connection to the abstract name "\0abs name" (client 2637696 fd 12,
 * accepted 2637697 fd 13; ss prints the leading NUL as "@"). The last two lines are a socket pair no
 * process holds any more, as root's ss prints it (no process column at all).
 */
const CAPTURED = [
  'u_seq ESTAB 0      0                                                                                       * 2637693 * 2637694 users:(("python3",pid=3263,fd=8))                            ',
  'u_seq ESTAB 0      0                                                                                       * 2637694 * 2637693 users:(("python3",pid=3263,fd=9))                            ',
  'u_str ESTAB 0      0                                                                                       * 2637696 * 2637697 users:(("python3",pid=3263,fd=12))                           ',
  'u_str ESTAB 0      0                                                                     /run/demo/srv.sock 2637690 * 2637689 users:(("we "x" (y",pid=3439,fd=5),("python3",pid=3263,fd=5))',
  'u_str ESTAB 0      0                                                                               @abs name 2637697 * 2637696 users:(("python3",pid=3263,fd=13))                           ',
  'u_str ESTAB 0      0                                                                                       * 2637689 * 2637690 users:(("we "x" (y",pid=3439,fd=4),("python3",pid=3263,fd=4))',
  'u_dgr ESTAB 0      0                                                                                       * 2637691 * 2637692 users:(("python3",pid=3263,fd=6))                            ',
  'u_dgr ESTAB 0      0                                                                                       * 2637692 * 2637691 users:(("python3",pid=3263,fd=7))                            ',
  "u_str ESTAB 0      0                                                                                       * 1455    * 1456                                               ",
  "u_str ESTAB 0      0                                                                                       * 1456    * 1455                                               ",
  "",
].join("\n");

test("parser: every captured record, with netid, inodes and each process holding the socket", () => {
  const s = parseSsUnix(CAPTURED);
  assert.equal(s.length, 10, "ten record lines, the trailing empty line skipped");
  // The accepted end on a path: local inode after the path, peer inode after "*"; two holders
  // because the forked child inherited fd 5. The name is as ss printed it, cut at ")".
  assert.deepEqual(s[3], {
    netid: "u_str",
    state: "ESTAB",
    localInode: 2637690,
    peerInode: 2637689,
    users: [
      { name: 'we "x" (y', pid: 3439, fd: 5 },
      { name: "python3", pid: 3263, fd: 5 },
    ],
  });
  // An abstract name with a space is still one address: the inodes are the last two numbers.
  assert.deepEqual([s[4].localInode, s[4].peerInode, s[4].users], [2637697, 2637696, [{ name: "python3", pid: 3263, fd: 13 }]]);
  assert.deepEqual([s[0].netid, s[6].netid, s[2].netid], ["u_seq", "u_dgr", "u_str"]);
  // No process column: no users, inodes still read despite the extra padding.
  assert.deepEqual([s[8].localInode, s[8].peerInode, s[8].users], [1455, 1456, []]);
});

test("matchPeers: from our accepted socket to the processes holding the client end", () => {
  const m = matchPeers(CAPTURED, [2637690, 2637697, 1455, 999]);
  // 2637690's peer is 2637689, whose line lists the child (fd 4) and the parent (fd 4).
  assert.deepEqual(m.get(2637690), { peerInode: 2637689, holders: [{ pid: 3439, fd: 4 }, { pid: 3263, fd: 4 }] });
  // Abstract-name connection: peer 2637696 is held by python3 fd 12.
  assert.deepEqual(m.get(2637697), { peerInode: 2637696, holders: [{ pid: 3263, fd: 12 }] });
  // 1455's peer 1456 exists but lists no process.
  assert.deepEqual(m.get(1455), { miss: "no-users" });
  assert.deepEqual(m.get(999), { miss: "absent" });
});

/*
 * Captured: a node process (pid 22290, renamed with process.title to `we(i) "rd`) listened on a path
 * holding a line break followed by a whole fake record:
 *   "/tmp/pp-ulGrqw/a b\nu_str ESTAB 0 0 x 7 * 8 users:((\"q\",pid=1,fd=3))"
 * ss prints the path raw, so the accepted socket's record (inode 2611806, peer 2611804, fd 22)
 * spans two lines. The first line has no inodes and is skipped; on the second, the fake "7 * 8" is
 * not taken for the inodes because the local address is matched up to the *last* "<n> * <n>".
 */
const NEWLINE_PATH = [
  "u_str ESTAB  0      0                                               /tmp/pp-ulGrqw/a b",
  'u_str ESTAB 0 0 x 7 * 8 users:(("q",pid=1,fd=3)) 2611806 * 2611804 users:(("we(i",pid=22290,fd=22))           ',
  'u_str ESTAB  0      0                                                                                                                 * 2611804 * 2611806 users:(("we(i",pid=22290,fd=20))           ',
].join("\n");

test("parser: a socket path with a line break and a fake record inside does not forge inodes", () => {
  const s = parseSsUnix(NEWLINE_PATH);
  assert.deepEqual(
    s.map((r) => [r.localInode, r.peerInode, r.users.map((u) => u.pid)]),
    [
      [2611806, 2611804, [22290]],
      [2611804, 2611806, [22290]],
    ],
  );
  assert.deepEqual(matchPeers(NEWLINE_PATH, [2611806]).get(2611806), { peerInode: 2611804, holders: [{ pid: 22290, fd: 20 }] });
});

test("matchPeers: a forged line or an extra mention of our inode gives no answer, never someone else's", () => {
  // Our socket 500 is connected to 600 (pid 60). A client-chosen path with a line break adds a
  // second record claiming local inode 500 with peer 700 (pid 70, a victim): 500 is claimed twice.
  const real = [
    'u_str ESTAB 0 0 /run/sw.sock 500 * 600 users:(("node",pid=10,fd=20))',
    'u_str ESTAB 0 0 * 600 * 500 users:(("client",pid=60,fd=3))',
    'u_str ESTAB 0 0 * 700 * 701 users:(("victim",pid=70,fd=3))',
  ];
  assert.deepEqual(matchPeers(real.join("\n"), [500]).get(500), { peerInode: 600, holders: [{ pid: 60, fd: 3 }] });
  const forgedRecord = [...real, "u_str ESTAB 0 0 /tmp/x", "u_str ESTAB 0 0 y 500 * 700 users:((\"a\",pid=9,fd=9))"];
  assert.deepEqual(matchPeers(forgedRecord.join("\n"), [500]).get(500), { miss: "ambiguous" });
  // A path merely containing " 500 " is a third mention (ours and the peer's are the only two).
  const extraMention = [...real, 'u_str ESTAB 0 0 /tmp/a 500 b 800 * 801 users:(("x",pid=80,fd=3))'];
  assert.deepEqual(matchPeers(extraMention.join("\n"), [500]).get(500), { miss: "ambiguous" });
  // The peer's line must point back at us.
  const notBack = [real[0], 'u_str ESTAB 0 0 * 600 * 501 users:(("client",pid=60,fd=3))'];
  assert.deepEqual(matchPeers(notBack.join("\n"), [500]).get(500), { miss: "ambiguous" });
  // Our socket without a peer (0), and a peer whose line is gone.
  assert.deepEqual(matchPeers('u_str ESTAB 0 0 /run/sw.sock 500 * 0 users:(("node",pid=10,fd=20))', [500]).get(500), { miss: "unconnected" });
  assert.deepEqual(matchPeers(real[0], [500]).get(500), { miss: "peer-absent" });
});

test("parser: process names holding quotes, commas, parentheses or a whole fake entry", () => {
  // Synthetic (a real comm is at most 15 bytes, and ss 6.1 cuts names at ")"; a later ss might not).
  // The name `a",pid=1,fd=2)` contains the text of an entry; the real entry is the one followed by
  // the next entry or the end of the column, so pid 555 fd 3, and the fake pid 1 is not listed.
  const line = 'u_str ESTAB 0 0 * 11 * 12 users:(("a",pid=1,fd=2)",pid=555,fd=3),("b c, (d",pid=556,fd=4))';
  assert.deepEqual(parseSsUnix(line)[0].users, [
    { name: 'a",pid=1,fd=2)', pid: 555, fd: 3 },
    { name: "b c, (d", pid: 556, fd: 4 },
  ]);
  // Lines that are not records: a header, netlink noise, a truncated record, a non-Unix line.
  const junk = ["Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process", "u_str ESTAB 0 0 * 11", "tcp ESTAB 0 0 127.0.0.1:1 * 2", "Cannot open netlink socket: Protocol not supported"];
  assert.deepEqual(parseSsUnix(junk.join("\n")), []);
});

test("idsFromStatus: the effective uid and gid (second column), as SO_PEERCRED reports them", () => {
  // Synthetic status of a set-id program: real 1000/100, effective 0/0, saved 0/0, fs 0/0.
  const status = "Name:\tsu\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t0\t0\t0\nGid:\t100\t0\t0\t0\nGroups:\t100\n";
  assert.deepEqual(idsFromStatus(status), { uid: 0, gid: 0 });
  assert.equal(idsFromStatus("Name:\tx\n"), undefined);
});

// ---------------------------------------------------------------------------------------------
// Real sockets, real processes, real ss.

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error("this test starts a client as uid 65534 and must run as root (CI does)");
}

/** A Unix server in a fresh temp dir whose accepted sockets are handed out in order. */
async function unixServer(opts: net.ServerOpts = {}): Promise<{ path: string; next(): Promise<net.Socket>; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "swpeer-"));
  const path = join(dir, "s.sock");
  const accepted: net.Socket[] = [];
  const waiting: ((s: net.Socket) => void)[] = [];
  const all: net.Socket[] = [];
  const server = net.createServer(opts, (s) => {
    all.push(s);
    s.on("error", () => undefined);
    const w = waiting.shift();
    if (w) w(s);
    else accepted.push(s);
  });
  await new Promise<void>((res) => server.listen(path, res));
  // Open to everyone: one test connects as uid 65534.
  chmodSync(dir, 0o755);
  chmodSync(path, 0o777);
  return {
    path,
    next: () => {
      const s = accepted.shift();
      return s ? Promise.resolve(s) : new Promise((res) => waiting.push(res));
    },
    close: async () => {
      for (const s of all) s.destroy();
      await new Promise((res) => server.close(res));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A node child that makes `n` connections to `path`, writes its pid on each, and stays until its
 * stdin closes. `title` renames the process first (what /proc/<pid>/comm then shows).
 */
function clientChild(path: string, n = 1, opts: { title?: string; uid?: number; gid?: number } = {}): ChildProcess {
  const code = `
    const net = require("node:net");
    if (process.env.SW_TITLE) process.title = process.env.SW_TITLE;
    for (let i = 0; i < Number(process.env.SW_N); i++) {
      const c = net.connect(process.env.SW_SOCK, () => c.write(process.pid + "\\n"));
      c.on("error", () => {});
    }
    process.stdin.on("end", () => process.exit(0));
    process.stdin.resume();`;
  return spawn(process.execPath, ["-e", code], {
    env: { ...process.env, SW_SOCK: path, SW_N: String(n), SW_TITLE: opts.title ?? "" },
    stdio: ["pipe", "inherit", "inherit"],
    uid: opts.uid,
    gid: opts.gid,
  });
}

/** The pid a child announced as the first line on an accepted socket. */
function announcedPid(s: net.Socket): Promise<number> {
  return new Promise((res, rej) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        s.off("data", onData);
        s.pause();
        res(Number(buf.slice(0, nl)));
      }
    };
    s.on("data", onData);
    s.once("end", () => rej(new Error("closed before announcing a pid")));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((res) => child.once("exit", res));
  child.stdin?.end();
  await done;
}

/** A socket's descriptor (Node's undocumented `_handle.fd`, as peers.ts reads it). */
function fdOf(sock: net.Socket): number {
  return (sock as unknown as { _handle: { fd: number } })._handle.fd;
}

function comm(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, "utf8").replace(/\n$/, "");
}

test("socketInode: the accepted socket's inode, as fstat of its descriptor reports it", async () => {
  const srv = await unixServer();
  const c = net.connect(srv.path);
  try {
    const s = await srv.next();
    const fd = fdOf(s);
    const inode = socketInode(s);
    assert.equal(typeof inode, "number");
    assert.equal(inode, fstatSync(fd).ino);
    s.destroy();
    assert.equal(socketInode(s), undefined, "a destroyed socket has no descriptor");
  } finally {
    c.destroy();
    await srv.close();
  }
});

test("lookup: a client in this process is this process", async () => {
  const srv = await unixServer();
  const c = net.connect(srv.path);
  try {
    const s = await srv.next();
    const peer = await new PeerLookup().lookup(s);
    assert.deepEqual(peer, { pid: process.pid, uid: process.geteuid!(), gid: process.getegid!(), command: comm(process.pid) });
  } finally {
    c.destroy();
    await srv.close();
  }
});

test("lookup: a client in a child process is that child, with its name as /proc shows it", async () => {
  requireRoot();
  const srv = await unixServer();
  // A name with a space, quotes and parentheses (ss itself prints it cut at the ")").
  const child = clientChild(srv.path, 1, { title: 'sw "c" (x) y' });
  try {
    const s = await srv.next();
    assert.equal(await announcedPid(s), child.pid);
    const lookup = new PeerLookup();
    const peer = await lookup.lookup(s);
    assert.ok(peer, "found");
    assert.equal(peer.pid, child.pid);
    assert.equal(peer.command, comm(child.pid!));
    assert.equal(peer.command, 'sw "c" (x) y', "15 bytes or fewer, so not truncated by the kernel");
    assert.deepEqual([peer.uid, peer.gid], [process.geteuid!(), process.getegid!()]);
    assert.equal(lookup.runs, 1);
  } finally {
    await stop(child);
    await srv.close();
  }
});

test("lookup: a client running as another user shows that user's ids", async () => {
  requireRoot();
  const srv = await unixServer();
  const child = clientChild(srv.path, 1, { uid: 65534, gid: 65534 });
  try {
    const s = await srv.next();
    assert.equal(await announcedPid(s), child.pid);
    const peer = await new PeerLookup().lookup(s);
    assert.deepEqual(peer, { pid: child.pid, uid: 65534, gid: 65534, command: comm(child.pid!) });
  } finally {
    await stop(child);
    await srv.close();
  }
});

test("holderCredentials: believed only when the kernel shows that descriptor is that socket", async () => {
  const srv = await unixServer();
  const c = net.connect(srv.path);
  try {
    await srv.next();
    const fd = fdOf(c);
    const inode = fstatSync(fd).ino;
    const me = { pid: process.pid, uid: process.geteuid!(), gid: process.getegid!(), command: comm(process.pid) };
    assert.deepEqual(await holderCredentials(process.pid, fd, inode), me);
    assert.equal(await holderCredentials(process.pid, fd, inode + 1), undefined, "another socket's inode");
    assert.equal(await holderCredentials(process.pid, 0, inode), undefined, "a descriptor that is not this socket");
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((res) => gone.once("exit", res));
    assert.equal(await holderCredentials(gone.pid!, fd, inode), undefined, "a process that exited");
  } finally {
    c.destroy();
    await srv.close();
  }
});

test("lookup: a client socket held by two processes is the one with the lower pid", async () => {
  const srv = await unixServer();
  const c = net.connect(srv.path);
  await new Promise((res) => c.once("connect", res));
  // The child inherits our client socket as its fd 3: both hold it, as after a fork.
  const child = spawn(process.execPath, ["-e", "process.stdin.on('end', () => process.exit(0)); process.stdin.resume(); process.stdout.write('up')"], {
    stdio: ["pipe", "pipe", "inherit", c],
  });
  try {
    const s = await srv.next();
    await new Promise((res) => child.stdout!.once("data", res));
    const childFd3 = readlinkSync(`/proc/${child.pid}/fd/3`);
    assert.equal(childFd3, `socket:[${fstatSync(fdOf(c)).ino}]`, "the child holds our client socket");
    const peer = await new PeerLookup().lookup(s);
    assert.equal(peer?.pid, Math.min(process.pid, child.pid!));
  } finally {
    await stop(child);
    c.destroy();
    await srv.close();
  }
});

test("lookup in a proxy not running as root: its own user's clients are found, root's are undefined", async () => {
  requireRoot();
  // The lookup runs in a child as uid 65534: there ss -p cannot read root's /proc/<pid>/fd.
  const code = `
    const { PeerLookup } = await import(process.env.SW_PEERS);
    const net = await import("node:net"), fs = await import("node:fs"), os = await import("node:os"), path = await import("node:path");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swpeer-"));
    fs.chmodSync(dir, 0o755);
    const p = path.join(dir, "s.sock");
    const got = {}, lookup = new PeerLookup({ warn: (m) => console.error(m) });
    const srv = net.createServer((s) => s.once("data", async (d) => {
      got[d.toString().trim()] = (await lookup.lookup(s)) ?? null;
      if (Object.keys(got).length === 2) {
        // Its own name read here, apart from the lookup, for the test to compare with.
        got.comm = fs.readFileSync("/proc/self/comm", "utf8").replace(/\\n$/, "");
        console.log(JSON.stringify(got)); fs.rmSync(dir, { recursive: true }); process.exit(0);
      }
    }));
    srv.listen(p, () => {
      fs.chmodSync(p, 0o777);
      console.log(p);
      const c = net.connect(p, () => c.write("self\\n"));
    });`;
  const child = spawn("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--import", "tsx", "--input-type=module", "-e", code], {
    env: { ...process.env, SW_PEERS: new URL("../../src/proxy/peers.ts", import.meta.url).href },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  let c: net.Socket | undefined;
  try {
    while (!out.includes("\n")) await new Promise((res) => child.stdout!.once("data", res));
    c = net.connect(out.split("\n")[0], () => c!.write("root\n"));
    c.on("error", () => undefined);
    const code_ = await new Promise((res) => child.once("exit", res));
    assert.equal(code_, 0);
    const got = JSON.parse(out.split("\n")[1]);
    // setpriv execs node, so the child's pid is node's.
    assert.deepEqual(got, { self: { pid: child.pid, uid: 65534, gid: 65534, command: got.comm }, root: null, comm: got.comm });
    assert.notEqual(got.comm, "");
  } finally {
    c?.destroy();
    child.kill();
  }
});

test("lookup: a client that already closed is undefined, without throwing", async () => {
  // Half-open allowed, so our end stays open after the client's end arrives, as a proxy still
  // answering would be.
  const srv = await unixServer({ allowHalfOpen: true });
  const child = clientChild(srv.path, 1);
  try {
    const s = await srv.next();
    await announcedPid(s);
    const ended = new Promise((res) => s.once("end", res));
    s.resume();
    await stop(child);
    await ended; // the client end is closed; ours is still open
    const lookup = new PeerLookup();
    assert.equal(await lookup.lookup(s), undefined);
    assert.equal(lookup.runs, 1, "ss ran: the answer came from its output, not from a guard");
    s.destroy();
    assert.equal(await lookup.lookup(s), undefined, "destroyed: no descriptor, no run");
    assert.equal(lookup.runs, 1);
  } finally {
    await stop(child);
    await srv.close();
  }
});

test("lookup: 50 connections from 5 processes, each mapped to its own process, with 2 ss runs", async () => {
  const srv = await unixServer();
  const children = Array.from({ length: 5 }, () => clientChild(srv.path, 10));
  try {
    const socks: net.Socket[] = [];
    const announced: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = await srv.next();
      socks.push(s);
      announced.push(await announcedPid(s));
    }
    // Every child's pid announced on 10 connections.
    for (const c of children) assert.equal(announced.filter((p) => p === c.pid).length, 10);
    const lookup = new PeerLookup();
    // All asked at once: the first starts a run, the other 49 wait for the next one.
    const peers = await Promise.all(socks.map((s) => lookup.lookup(s)));
    assert.deepEqual(
      peers.map((p) => p?.pid),
      announced,
    );
    assert.ok(lookup.runs <= 2, `ss ran ${lookup.runs} times for 50 lookups`);
  } finally {
    await Promise.all(children.map(stop));
    await srv.close();
  }
});

test("lookup: no ss, or a failing one, is undefined for everyone and noted once", async () => {
  const srv = await unixServer();
  const c = net.connect(srv.path);
  try {
    const s = await srv.next();
    const notes: string[] = [];
    const missing = new PeerLookup({ ssPath: join(tmpdir(), "no-such-dir-sw", "ss"), warn: (m) => notes.push(m), minIntervalMs: 0 });
    assert.equal(await missing.lookup(s), undefined);
    assert.equal(await missing.lookup(s), undefined);
    assert.equal(missing.runs, 1, "once known missing, not tried again");
    assert.equal(notes.length, 1);
    assert.match(notes[0], /not found \(install iproute2\)/);

    const failingNotes: string[] = [];
    // /bin/false: a real program that exits 1, as ss does when it cannot do its job.
    const failing = new PeerLookup({ ssPath: "/bin/false", warn: (m) => failingNotes.push(m), minIntervalMs: 0 });
    assert.equal(await failing.lookup(s), undefined);
    assert.equal(await failing.lookup(s), undefined);
    assert.equal(failing.runs, 2, "a failure may be passing: tried again");
    assert.equal(failingNotes.length, 1, "but noted once");
    assert.match(failingNotes[0], /\/bin\/false failed/);
  } finally {
    c.destroy();
    await srv.close();
  }
});

test("lookup: a TCP connection has no peer credentials and starts no run", async () => {
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const accepted = new Promise<net.Socket>((res) => server.once("connection", res));
  const c = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  try {
    const s = await accepted;
    const lookup = new PeerLookup();
    assert.equal(await lookup.lookup(s), undefined);
    assert.equal(lookup.runs, 0);
    s.destroy();
  } finally {
    c.destroy();
    await new Promise((res) => server.close(res));
  }
});
