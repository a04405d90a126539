/**
 * A real, private `dockerd` for tests (see ../shared/TESTING.md for the verified recipe).
 *
 *   const d = await startDockerd();          // one per test file is plenty
 *   await d.docker(["create", "--name", "x", "mini:latest", "sleep", "60"]);
 *   ...
 *   await d.stop();                           // also runs on process exit if a test forgets
 *
 * What it gives you:
 * - `dir`: a short private temp dir (Unix socket paths are limited to 107 bytes) holding
 *   `data/`, `exec/`, `docker.sock`, `dockerd.pid`, `dockerd.log`.
 * - `socket`: the daemon's socket path; `host`: `unix://<socket>`.
 * - `env`: a copy of process.env with DOCKER_HOST pointing at the private daemon and the docker
 *   CLI's other selectors (DOCKER_CONTEXT, DOCKER_TLS*, DOCKER_CERT_PATH) removed, plus a private
 *   DOCKER_CONFIG so the user's ~/.docker never leaks in. Hand it to child processes.
 * - `docker(args, opts)`: runs the real docker CLI (28.x at /usr/local/bin/docker by default,
 *   `{ cli: "old" }` for Debian's 20.10 at /usr/bin/docker) with `-H unix://<socket>`, through
 *   execFile with an argv array (never a shell string). Rejects with stdout/stderr on non-zero
 *   exit unless `{ allowFail: true }`.
 * - an image `mini:latest` imported from /bin/busybox (busybox-static) with applet symlinks, so
 *   `docker run --rm mini:latest id` works without any registry.
 *
 * The daemon runs with `--bridge=none --iptables=false --ip-masq=false`: containers get only
 * loopback (`--network none` / `host` work), and nothing on the machine's network is touched.
 * `--privileged` containers can be created but not started on these machines.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, copyFileSync, chmodSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NEW_DOCKER_CLI = "/usr/local/bin/docker";
export const OLD_DOCKER_CLI = "/usr/bin/docker";
export const BUSYBOX = "/bin/busybox";
/** Applets linked into `mini:latest`. */
export const MINI_APPLETS = ["sh", "ls", "cat", "id", "sleep", "echo", "nc", "wget", "stat", "test", "grep", "sed", "awk", "find", "head", "tr", "cut", "printf", "env", "mkdir", "rm", "touch", "true", "false", "hostname", "readlink", "wc", "od", "base64", "timeout", "tail", "sort", "uniq", "xargs", "expr", "dirname", "basename"];

export interface DockerOpts {
  /** `new` (default): /usr/local/bin/docker 28.x; `old`: /usr/bin/docker 20.10; or a path. */
  cli?: "new" | "old" | string;
  /** Resolve with the result instead of rejecting on a non-zero exit. */
  allowFail?: boolean;
  /** Written to the CLI's stdin. */
  input?: string | Buffer;
  /** Default 120 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Dockerd {
  dir: string;
  socket: string;
  host: string;
  env: NodeJS.ProcessEnv;
  pid: number;
  docker(args: string[], opts?: DockerOpts): Promise<DockerResult>;
  /**
   * Stop the daemon and start it again with the same data dir, exec root and socket (a daemon
   * restart as a watcher sees it: the event stream drops, the daemon's event buffer is lost).
   * SIGTERM only: after a SIGKILL the daemon's own containerd is left behind and a new dockerd
   * times out starting another one (seen on these machines). Resolves when the new daemon
   * answers `GET /_ping`; `pid` is updated.
   */
  restart(opts?: { timeoutMs?: number }): Promise<void>;
  /** Remove every container, stop the daemon, unmount leftovers, delete `dir`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOpts {
  /** Import `mini:latest` from busybox (default true). */
  image?: boolean;
  /** Readiness timeout (default 60 s). */
  timeoutMs?: number;
  /** Extra dockerd arguments (e.g. another `-H tcp://127.0.0.1:0`). argv elements, never a shell string. */
  extraArgs?: string[];
}

function cliPath(cli: DockerOpts["cli"]): string {
  if (!cli || cli === "new") return existsSync(NEW_DOCKER_CLI) ? NEW_DOCKER_CLI : OLD_DOCKER_CLI;
  if (cli === "old") return OLD_DOCKER_CLI;
  return cli;
}

/** Run a program with an argv array; never throws for a non-zero exit (callers decide). */
export function run(file: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === "string") return reject(new Error(`${file}: ${err.message}`));
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: "/_ping", method: "GET", timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  // A dockerd that has exited but is not reaped yet is a zombie, and kill(pid, 0) still finds it.
  // stopSync blocks the event loop, so Node cannot reap it meanwhile: without this check every
  // stop on a signal waited the full 15 s (twice: the signal handler, then the 'exit' handler).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false;
  }
}

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo; octal escapes decoded). */
function mountsUnder(dir: string): string[] {
  let text = "";
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    if (f.length < 5) continue;
    const mp = f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === dir || mp.startsWith(dir + "/")) out.push(mp);
  }
  return out.sort((a, b) => b.length - a.length);
}

async function unmountAll(dir: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const mps = mountsUnder(dir);
    if (mps.length === 0) return;
    for (const mp of mps) await run("umount", ["-l", mp], { timeoutMs: 10_000 }).catch(() => undefined);
  }
}

/** Synchronous last-resort cleanup ('exit' handlers cannot await): SIGTERM and wait up to 15 s
 *  (dockerd then stops its containerd and containers), SIGKILL if it hangs, unmount, delete. */
function stopSync(dir: string, child: ChildProcess | undefined): void {
  const pid = child?.pid;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  if (pid && child.exitCode === null && pidAlive(pid)) {
    try {
      process.kill(pid, "SIGTERM");
      for (let i = 0; i < 150 && pidAlive(pid); i++) Atomics.wait(nap, 0, 0, 100);
      if (pidAlive(pid)) process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  for (const mp of mountsUnder(dir)) {
    try {
      execFileSync("umount", ["-l", mp], { stdio: "ignore" });
    } catch {
      /* best effort */
    }
  }
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

const live = new Map<string, { child: ChildProcess }>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", () => {
    for (const [dir, { child }] of live) stopSync(dir, child);
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      for (const [dir, { child }] of live) stopSync(dir, child);
      process.exit(130);
    });
  }
}

/** Build the busybox rootfs and `docker import` it as mini:latest. */
async function importMini(d: Pick<Dockerd, "dir" | "docker">): Promise<void> {
  const root = join(d.dir, "rootfs");
  mkdirSync(join(root, "bin"), { recursive: true });
  for (const sub of ["etc", "tmp", "proc", "sys", "dev", "run", "var"]) mkdirSync(join(root, sub), { recursive: true });
  copyFileSync(BUSYBOX, join(root, "bin", "busybox"));
  chmodSync(join(root, "bin", "busybox"), 0o755);
  for (const a of MINI_APPLETS) symlinkSync("busybox", join(root, "bin", a));
  // Users the tests use: root, an app user (1000), nobody (65534); a `docker` group the tests may set.
  writeFileSync(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
  writeFileSync(join(root, "etc", "group"), "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n");
  const tar = await run("tar", ["-C", root, "-cf", join(d.dir, "mini.tar"), "."]);
  if (tar.code !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  await d.docker(["import", "--change", "ENV PATH=/bin", "--change", "CMD [\"sh\"]", join(d.dir, "mini.tar"), "mini:latest"]);
  rmSync(root, { recursive: true, force: true });
  rmSync(join(d.dir, "mini.tar"), { force: true });
}

export async function startDockerd(opts: StartOpts = {}): Promise<Dockerd> {
  if (!existsSync("/usr/sbin/dockerd") && !existsSync("/usr/bin/dockerd")) {
    throw new Error("dockerd is not installed: apt-get install -y docker.io (see ../shared/TESTING.md)");
  }
  hookExit();
  // Short base: /tmp/swd-XXXXXX. os.tmpdir() may be long (TMPDIR); fall back to /tmp when it is.
  const base = tmpdir().length <= 40 ? tmpdir() : "/tmp";
  const dir = mkdtempSync(join(base, "swd-"));
  const socket = join(dir, "docker.sock");
  if (Buffer.byteLength(socket) > 100) throw new Error(`socket path too long for a Unix socket: ${socket}`);
  const pidfile = join(dir, "dockerd.pid");
  const logFile = join(dir, "dockerd.log");
  const args = [
    "--data-root", join(dir, "data"),
    "--exec-root", join(dir, "exec"),
    "-H", `unix://${socket}`,
    "--pidfile", pidfile,
    "--bridge=none", "--iptables=false", "--ip-masq=false",
    // Keep the private daemon away from the machine's own config file.
    "--config-file", join(dir, "daemon.json"),
    ...(opts.extraArgs ?? []),
  ];
  writeFileSync(join(dir, "daemon.json"), "{}\n");
  let exited: string | undefined;
  const launch = (): ChildProcess => {
    const logFd = openSync(logFile, "a");
    const c = spawn("dockerd", args, { stdio: ["ignore", logFd, logFd], detached: false });
    closeSync(logFd);
    live.set(dir, { child: c });
    exited = undefined;
    c.on("exit", (code, sig) => {
      exited = `dockerd exited (${code ?? sig})`;
    });
    c.on("error", (e) => {
      exited = `dockerd could not start: ${e.message}`;
    });
    return c;
  };
  let child = launch();

  const configDir = join(dir, "config");
  mkdirSync(configDir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: configDir };
  for (const k of ["DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH", "DOCKER_API_VERSION"]) delete env[k];

  let stopped = false;
  const d: Dockerd = {
    dir,
    socket,
    host: `unix://${socket}`,
    env,
    pid: child.pid ?? -1,
    async docker(dargs, o = {}) {
      const r = await run(cliPath(o.cli), ["-H", `unix://${socket}`, ...dargs], { input: o.input, env: { ...env, ...(o.env ?? {}) }, timeoutMs: o.timeoutMs });
      if (r.code !== 0 && !o.allowFail) throw new Error(`docker ${dargs.join(" ")} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      return r;
    },
    async restart(ro = {}) {
      if (stopped) throw new Error("restart after stop()");
      const old = child;
      if (old.exitCode === null && old.pid) {
        const gone = new Promise<void>((r) => old.once("exit", () => r()));
        process.kill(old.pid, "SIGTERM");
        const t = setTimeout(() => old.pid && pidAlive(old.pid) && process.kill(old.pid, "SIGKILL"), 30_000);
        await gone;
        clearTimeout(t);
      }
      // A clean stop removes the pidfile; if the old daemon had to be killed it stays behind.
      rmSync(pidfile, { force: true });
      child = launch();
      d.pid = child.pid ?? -1;
      const until = Date.now() + (ro.timeoutMs ?? 60_000);
      while (Date.now() < until) {
        if (exited) throw new Error(`dockerd did not come back: ${exited}; last log lines:\n${tail(logFile)}`);
        if (await ping(socket)) return;
        await sleep(100);
      }
      throw new Error(`dockerd did not answer after restart; last log lines:\n${tail(logFile)}`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        if (child.exitCode === null && (await ping(socket))) {
          const ids = (await d.docker(["ps", "-aq"], { allowFail: true })).stdout.split("\n").filter(Boolean);
          if (ids.length) await d.docker(["rm", "-f", ...ids], { allowFail: true, timeoutMs: 60_000 });
        }
        if (child.exitCode === null && child.pid) {
          process.kill(child.pid, "SIGTERM");
          const until = Date.now() + 30_000;
          while ((existsSync(pidfile) || child.exitCode === null) && Date.now() < until) await sleep(100);
          if (child.exitCode === null) {
            process.kill(child.pid, "SIGKILL");
            await sleep(200);
          }
        }
        await unmountAll(dir);
        rmSync(dir, { recursive: true, force: true });
      } finally {
        live.delete(dir);
      }
    },
  };

  const timeout = opts.timeoutMs ?? 60_000;
  const until = Date.now() + timeout;
  let ready = false;
  while (Date.now() < until) {
    if (exited) break;
    if (await ping(socket)) {
      ready = true;
      break;
    }
    await sleep(150);
  }
  if (!ready) {
    const log = tail(logFile);
    await d.stop().catch(() => undefined);
    throw new Error(`private dockerd did not answer GET /_ping ${exited ? `(${exited})` : `within ${timeout / 1000} s`}; last log lines:\n${log}`);
  }
  if (opts.image !== false) {
    try {
      await importMini(d);
    } catch (e) {
      await d.stop().catch(() => undefined);
      throw e;
    }
  }
  return d;
}
