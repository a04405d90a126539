/**
 * bench/proxy: sockwarden proxy vs the daemon directly vs HAProxy (plain HTTP passthrough), all in
 * one run against the same private dockerd.
 *
 *   node --import tsx bench/proxy.ts            # BENCH_N=2000 BENCH_LOAD_SECONDS=60 BENCH_LOAD_WINDOWS=3 to change sizes
 *
 * The proxy measured is what users run: `bin/sockwarden.js proxy` from the dist/ bundle, built
 * first from the current sources (BENCH_PROXY_FROM_SOURCE=1 runs src/ through tsx instead, for
 * profiling with BENCH_PROXY_NODE_ARGS).
 *
 * Prints p50/p99 latency of `GET /_ping` and `GET /containers/json` (one keep-alive connection,
 * sequential) with each proxy's CPU time per request, archive-read throughput (GET
 * /containers/{id}/archive of a 256 MiB file), and a load run (200 concurrent clients, mixed
 * reads and harmless creates, loopback/Unix only) in three equal windows with the proxy's RSS
 * after each (flat memory = no growth from one window to the next). Ratios are against "direct".
 *
 * The default is measured beside the same CLI with `--busy-poll off` and `--busy-poll 3ms`
 * (BENCH_BUSY_POLL_VARIANTS, latency only), so the part the spin plays, and what it costs in CPU,
 * is in the same run. The archive run adds the same CLI under GLIBC_TUNABLES that keep glibc from
 * returning freed heap to the kernel (BENCH_ARCHIVE_TUNABLES): the CLI keeps freed heap by itself
 * (src/proxy/malloc.ts), and this shows whether glibc settings beyond that still buy anything.
 *
 * A Node pass-through that reads nothing (bench/node-passthrough.mjs) is measured beside them in
 * latency and archive: the floor under any proxy written for Node on this machine, so what is
 * sockwarden's own work and what is the runtime and the extra hops can be told apart.
 *
 * Warm-up: every target gets BENCH_WARM requests (default 3000) before anything is measured. A
 * proxy runs for days; what matters is its steady state, and V8 is still compiling the request
 * path for the first few thousand requests (seen in profiles: TurboFan took a quarter of the
 * proxy's CPU during a 300-request warm-up). HAProxy has no JIT, so a short warm-up measured our
 * compiler, not our proxy.
 */
import http from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startDockerd, type Dockerd } from "../test/harness/dockerd.js";

const N = Number(process.env.BENCH_N ?? 2000);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60);
const WARM = Number(process.env.BENCH_WARM ?? 3000);
const FROM_SOURCE = process.env.BENCH_PROXY_FROM_SOURCE === "1";
const ROOT = join(import.meta.dirname, "..");
const LOAD_CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 200);
const LOAD_WINDOWS = Math.max(2, Number(process.env.BENCH_LOAD_WINDOWS ?? 3));
const ARCHIVE_ROUNDS = Number(process.env.BENCH_ARCHIVE_ROUNDS ?? 7);
const HAPROXY = "/usr/sbin/haproxy";
/**
 * The same CLI with other --busy-poll budgets, measured beside the default for latency only: how
 * much of the result is the spin, and what a longer one buys and costs. BENCH_BUSY_POLL_VARIANTS=""
 * leaves them out.
 */
const BUSY_POLL_VARIANTS = (process.env.BENCH_BUSY_POLL_VARIANTS ?? "off,3ms").split(",").filter(Boolean);
/**
 * glibc malloc settings that keep freed heap instead of handing it back to the kernel (and faulting
 * it in again on the next bulk read: one page fault per 4 KiB, costly on a VM), beyond what the CLI
 * does itself (trim threshold 64 MiB; these: 256 MiB, plus 16 MiB of padding per heap growth). The
 * archive run measures the same CLI with them beside the default; BENCH_ARCHIVE_TUNABLES="" leaves
 * it out.
 */
const ARCHIVE_TUNABLES = process.env.BENCH_ARCHIVE_TUNABLES ?? "glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=16777216:glibc.malloc.mmap_threshold=33554432";

function agentFor(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

function request(socketPath: string, agent: http.Agent, method: string, path: string, body?: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: "docker" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    const req = http.request({ socketPath, agent, method, path, headers }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/**
 * p50/p99 per target, interleaved: every target is warmed up first, then measured in ROUNDS
 * rounds of n/ROUNDS requests each, in rotating order. Measuring targets one after the other
 * favours whichever runs last: the client's own JIT (Node's http client) keeps warming up, and
 * a changing machine load hits one target only.
 */
const ROUNDS = 10;
type Target = [name: string, socket: string, pid: number | undefined];
type Lat = { p50: number; p99: number; cpuUs?: number };

/**
 * CPU time of a process (all its threads), in ms, from the scheduler's nanosecond run-time
 * account (/proc/<pid>/task/<tid>/schedstat). utime + stime from /proc/<pid>/stat are sampled
 * in 10 ms ticks: for 500 list requests of ~0.3 ms CPU each that is 15 ticks, ±25% noise.
 * Threads that exited between two readings are missed (the proxy's threads live as long as it).
 */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      /* thread gone */
    }
  }
  return ns / 1e6;
}

async function latencies(targets: Target[], path: string, n: number): Promise<Record<string, Lat>> {
  const agents = targets.map(() => agentFor());
  const xs: number[][] = targets.map(() => []);
  const cpu: number[] = targets.map(() => 0);
  for (let t = 0; t < targets.length; t++) for (let i = 0; i < WARM; i++) await request(targets[t]![1], agents[t]!, "GET", path);
  const per = Math.ceil(n / ROUNDS);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < targets.length; k++) {
      const t = (r + k) % targets.length;
      const [name, sock, pid] = targets[t]!;
      const c0 = pid ? cpuMs(pid) : 0;
      for (let i = 0; i < per; i++) {
        const t0 = process.hrtime.bigint();
        const res = await request(sock, agents[t]!, "GET", path);
        xs[t]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.status !== 200) throw new Error(`${path} via ${name}: ${res.status}`);
      }
      if (pid) cpu[t]! += cpuMs(pid) - c0;
    }
  }
  agents.forEach((a) => a.destroy());
  return Object.fromEntries(targets.map(([name, , pid], t) => [name, { p50: pct(xs[t]!, 50), p99: pct(xs[t]!, 99), ...(pid ? { cpuUs: (cpu[t]! * 1000) / (per * ROUNDS) } : {}) }]));
}

async function throughput(socketPath: string, path: string, runs = 3): Promise<number> {
  const agent = agentFor();
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    const r = await request(socketPath, agent, "GET", path);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    if (r.status !== 200) throw new Error(`archive via ${socketPath}: ${r.status}`);
    rates.push(r.bytes / s / (1024 * 1024));
  }
  agent.destroy();
  return pct(rates, 50);
}

/** The proxy's JS heap in use and its external memory (MiB), from its /metrics. */
function jsHeap(hostPort: string): Promise<{ used: number; external: number } | undefined> {
  return new Promise((resolve) => {
    http
      .get(`http://${hostPort}/metrics`, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          const used = /^nodejs_heap_size_used_bytes ([0-9]+)$/m.exec(text);
          const ext = /^nodejs_external_memory_bytes ([0-9]+)$/m.exec(text);
          resolve(used && ext ? { used: Number(used[1]) / 1048576, external: Number(ext[1]) / 1048576 } : undefined);
        });
      })
      .on("error", () => resolve(undefined));
  });
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+([0-9]+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

async function load(socketPath: string, seconds: number, clients: number): Promise<{ requests: number; errors: number; creates: number; statuses: Record<string, number> }> {
  const deadline = Date.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  let creates = 0;
  const statuses: Record<string, number> = {};
  const worker = async (id: number) => {
    const agent = agentFor();
    let i = 0;
    while (Date.now() < deadline) {
      i++;
      try {
        let r;
        if (i % 4 === 1) {
          // a harmless create, then remove it
          r = await request(socketPath, agent, "POST", `/containers/create?name=load-${id}-${i}`, JSON.stringify({ Image: "mini:latest", Cmd: ["true"], HostConfig: { NetworkMode: "none" } }));
          if (r.status === 201) {
            creates++;
            await request(socketPath, agent, "DELETE", `/containers/load-${id}-${i}?force=1`);
            requests++;
          }
        } else if (i % 3 === 0) r = await request(socketPath, agent, "GET", "/containers/json?all=1");
        else if (i % 3 === 1) r = await request(socketPath, agent, "GET", "/_ping");
        else r = await request(socketPath, agent, "GET", "/version");
        requests++;
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status >= 400) errors++;
      } catch {
        errors++;
      }
    }
    agent.destroy();
  };
  await Promise.all(Array.from({ length: clients }, (_, k) => worker(k)));
  return { requests, errors, creates, statuses };
}

function waitLine(child: ChildProcess, re: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 30_000);
    // The bench child prints on stdout, the CLI on stderr: watch both.
    const onData = (c: Buffer) => {
      out += c;
      const m = re.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[0]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`${what} exited ${code}: ${out}`)));
  });
}

async function waitSocket(path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (existsSync(path)) {
      try {
        await request(path, agentFor(), "GET", "/_ping");
        return;
      } catch {
        /* not yet */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} never answered`);
}

const fmt = (x: number) => x.toFixed(3);
/** bench/node-passthrough.mjs: what any Node proxy costs here before it reads a byte. */
const FLOOR = "node pass-through";

async function main(): Promise<void> {
  let d: Dockerd | undefined;
  let sw: ChildProcess | undefined;
  const variants: ChildProcess[] = [];
  let hap: ChildProcess | undefined;
  let floor: ChildProcess | undefined;
  const work = mkdtempSync(join(tmpdir().length <= 40 ? tmpdir() : "/tmp", "swb-"));
  try {
    d = await startDockerd();
    // 20 containers so /containers/json has something to list
    for (let i = 0; i < 20; i++) await d.docker(["create", "--name", `c${i}`, "--label", `n=${i}`, "mini:latest", "true"]);
    await d.docker(["run", "-d", "--name", "big", "mini:latest", "sh", "-c", "head -c 268435456 /dev/zero > /big && sleep 3600"]);
    for (let i = 0; i < 100; i++) {
      const r = await d.docker(["exec", "big", "stat", "-c", "%s", "/big"], { allowFail: true });
      if (r.stdout.trim() === "268435456") break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const swSock = join(work, "sw.sock");
    // BENCH_PROXY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/some/dir" profiles the proxy process.
    const extra = (process.env.BENCH_PROXY_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const policy = join(work, "sockwarden.yaml");
    const metricsAt = new Map<ChildProcess, string | undefined>();
    /** The shipped CLI on `sock`, started and listening (the default and each variant). */
    const startCli = async (sock: string, what: string, args: string[] = [], env?: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [...nodeArgs, join(ROOT, "bin/sockwarden.js"), "proxy", "--listen", `unix://${sock}`, "--upstream", d!.host, "--policy", policy, ...args], { stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env });
      // The start line names the metrics address too, when there is one.
      const line = await waitLine(child, /listening on .*\n/, what);
      metricsAt.set(child, /metrics on http:\/\/(\S+)\/metrics/.exec(line)?.[1]);
      return child;
    };
    if (FROM_SOURCE) {
      sw = spawn(process.execPath, [...extra, "--import", "tsx", join(import.meta.dirname, "proxy-child.ts"), `unix://${swSock}`, d.host], { stdio: ["ignore", "pipe", "pipe"] });
      await waitLine(sw, /ready \S+/, "sockwarden proxy");
    } else {
      // The shipped CLI, built from the sources being measured.
      const b = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs")], { cwd: ROOT, encoding: "utf8" });
      if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
      writeFileSync(policy, "version: 1\n");
      // With metrics, as deployed: the load run reads the JS heap from them.
      sw = await startCli(swSock, "sockwarden proxy", ["--metrics", "127.0.0.1:0"], undefined, extra);
    }
    const hapSock = join(work, "hap.sock");
    const cfg = join(work, "haproxy.cfg");
    writeFileSync(
      cfg,
      [
        "global",
        "  maxconn 4096",
        "defaults",
        "  mode http",
        "  timeout connect 5s",
        "  timeout client 300s",
        "  timeout server 300s",
        "frontend docker",
        `  bind unix@${hapSock}`,
        "  default_backend dockerd",
        "backend dockerd",
        `  server d unix@${d.socket}`,
        "",
      ].join("\n"),
    );
    hap = spawn(HAPROXY, ["-f", cfg, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
    await waitSocket(hapSock);
    await waitSocket(swSock);
    // The Node floor: the same two socket hops through a Node process that reads nothing.
    const floorSock = join(work, "floor.sock");
    floor = spawn(process.execPath, [join(import.meta.dirname, "node-passthrough.mjs"), floorSock, d.socket], { stdio: ["ignore", "pipe", "pipe"] });
    await waitLine(floor, /ready \S+/, "node pass-through");
    await waitSocket(floorSock);
    const variantTargets: Target[] = [];
    if (!FROM_SOURCE) {
      for (const v of BUSY_POLL_VARIANTS) {
        const sock = join(work, `sw-bp-${v}.sock`);
        const child = await startCli(sock, `sockwarden proxy --busy-poll ${v}`, ["--busy-poll", v]);
        variants.push(child);
        variantTargets.push([`sw busy-poll ${v}`, sock, child.pid]);
      }
    }

    const targets: Target[] = [
      ["direct", d.socket, undefined],
      ["sockwarden", swSock, sw.pid],
      ["haproxy", hapSock, hap.pid],
      [FLOOR, floorSock, floor.pid],
      ...variantTargets,
    ];
    const rows: Record<string, Record<string, Lat>> = {};
    for (const path of ["/_ping", "/containers/json?all=1"]) {
      rows[path] = await latencies(targets, path, path === "/_ping" ? N : Math.max(200, N / 2));
    }
    console.log(`\nLatency (ms, one keep-alive connection per target, sequential, ${WARM} warm-up requests per target, then targets interleaved in ${ROUNDS} rounds; n=${N} for /_ping, ${Math.max(200, N / 2)} for list)`);
    console.log("path                      target                p50      p99    p50 ratio vs direct   proxy CPU per request");
    for (const [path, r] of Object.entries(rows)) {
      for (const [name] of targets) {
        const x = r[name]!;
        console.log(`${path.padEnd(25)} ${name.padEnd(20)} ${fmt(x.p50).padStart(7)} ${fmt(x.p99).padStart(8)}    ${(x.p50 / r.direct!.p50).toFixed(2)}x${x.cpuUs !== undefined ? `                 ${x.cpuUs.toFixed(0)} µs` : ""}`);
      }
    }
    const ping = rows["/_ping"]!;
    console.log(`ping p50 sockwarden / haproxy: ${(ping.sockwarden!.p50 / ping.haproxy!.p50).toFixed(2)}x (goal ≤ 1.00)`);
    const list = rows["/containers/json?all=1"]!;
    console.log(`list p50 sockwarden / direct:  ${(list.sockwarden!.p50 / list.direct!.p50).toFixed(2)}x (goal ≤ 1.10)`);
    for (const [name] of [[FLOOR], ...variantTargets]) {
      console.log(`  ${name}: ping ${(ping[name]!.p50 / ping.haproxy!.p50).toFixed(2)}x haproxy, list ${(list[name]!.p50 / list.direct!.p50).toFixed(2)}x direct`);
    }
    // Latency only: the variants would take CPU from the archive and load runs.
    for (const c of variants) c.kill("SIGTERM");

    const archive = "/containers/big/archive?path=/big";
    // Interleaved too: one run per target per round, median of ARCHIVE_ROUNDS rounds (round to
    // round spread is ±15% on a 2-CPU machine with three busy processes), after one warm-up read
    // per target (the bulk-body path is compiled by V8 during its first reads: the proxy's CPU per
    // 256 MiB fell from ~800 ms to ~330 ms over the first rounds in a profile run).
    const socks = [d.socket, swSock, hapSock, floorSock];
    const pids = [undefined, sw.pid, hap.pid, floor.pid];
    const names = ["direct", "sockwarden", "haproxy", FLOOR];
    if (ARCHIVE_TUNABLES && !FROM_SOURCE) {
      const sock = join(work, "sw-tunables.sock");
      const child = await startCli(sock, "sockwarden proxy with GLIBC_TUNABLES", [], { ...process.env, GLIBC_TUNABLES: ARCHIVE_TUNABLES });
      variants.push(child);
      socks.push(sock);
      pids.push(child.pid);
      names.push("sw GLIBC_TUNABLES");
    }
    for (const sock of socks) await throughput(sock, archive, 1);
    const runs: number[][] = socks.map(() => []);
    const cpus: number[][] = socks.map(() => []);
    for (let r = 0; r < ARCHIVE_ROUNDS; r++) for (let k = 0; k < socks.length; k++) {
      const t = (r + k) % socks.length;
      const pid = pids[t];
      const c0 = pid ? cpuMs(pid) : 0;
      runs[t]!.push(await throughput(socks[t]!, archive, 1));
      if (pid) cpus[t]!.push(cpuMs(pid) - c0);
    }
    const [tDirect, tSw, tHap] = runs.map((xs) => pct(xs, 50)) as [number, number, number];
    console.log(`\nArchive read (256 MiB tar, one warm-up read each, median of ${ARCHIVE_ROUNDS} interleaved): direct ${tDirect.toFixed(0)} MiB/s, sockwarden ${tSw.toFixed(0)} MiB/s, haproxy ${tHap.toFixed(0)} MiB/s`);
    console.log(`proxy CPU per 256 MiB (median): sockwarden ${pct(cpus[1]!, 50).toFixed(0)} ms, haproxy ${pct(cpus[2]!, 50).toFixed(0)} ms; per-round MiB/s direct ${runs[0]!.map((x) => x.toFixed(0)).join(" ")}, sockwarden ${runs[1]!.map((x) => x.toFixed(0)).join(" ")}, haproxy ${runs[2]!.map((x) => x.toFixed(0)).join(" ")}`);
    console.log(`archive throughput sockwarden / direct: ${(tSw / tDirect).toFixed(2)} (goal ≥ 0.90)`);
    for (let t = 3; t < socks.length; t++) {
      console.log(`  ${names[t]}: ${(pct(runs[t]!, 50) / tDirect).toFixed(2)} of direct, CPU per 256 MiB ${pct(cpus[t]!, 50).toFixed(0)} ms; per-round MiB/s ${runs[t]!.map((x) => x.toFixed(0)).join(" ")}`);
    }
    // Archive only: it would take CPU from the load run.
    for (const c of variants) c.kill("SIGTERM");
    floor.kill("SIGTERM");

    if (LOAD_SECONDS > 0) {
      // The issue's load: 200 clients for 60 s, no errors, flat memory. Measured in three equal
      // windows back to back (BENCH_LOAD_WINDOWS); RSS and the JS heap after each. Memory is flat
      // when it stops growing after the first window (heap and buffers reach their working size
      // once, then are reused). RSS also holds freed heap that glibc keeps for the next reads (up
      // to 64 MiB, src/proxy/malloc.ts), so it can step up while the JS heap, where a leak in our
      // code would show, stays level.
      const windows = LOAD_WINDOWS;
      const metrics = metricsAt.get(sw);
      const win = LOAD_SECONDS / windows;
      const ld = await load(d.socket, win, LOAD_CLIENTS);
      console.log(`\nLoad direct (baseline): ${LOAD_CLIENTS} clients × ${win}s: ${ld.requests} requests, ${ld.creates} creates, ${ld.errors} errors`);
      console.log(`\nLoad via sockwarden: ${LOAD_CLIENTS} clients × ${LOAD_SECONDS}s in ${windows} windows of ${win}s (mixed: ping, version, list, create+delete every 4th)`);
      const rss = [rssKiB(sw.pid!)];
      const heaps: string[] = [];
      let total = 0;
      let errors = 0;
      for (let w = 1; w <= windows; w++) {
        const l = await load(swSock, win, LOAD_CLIENTS);
        rss.push(rssKiB(sw.pid!));
        const heap = metrics ? await jsHeap(metrics) : undefined;
        if (heap) heaps.push(heap.used.toFixed(1));
        total += l.requests;
        errors += l.errors;
        console.log(`  window ${w}: ${l.requests} requests, ${l.creates} creates, ${l.errors} errors, statuses ${JSON.stringify(l.statuses)}, proxy RSS after ${(rss[w]! / 1024).toFixed(1)} MiB${heap ? `, JS heap used ${heap.used.toFixed(1)} MiB, external ${heap.external.toFixed(1)} MiB` : ""}`);
      }
      const growth = (rss[windows]! - rss[1]!) / 1024;
      console.log(`  total ${total} requests, ${errors} errors; RSS ${(rss[0]! / 1024).toFixed(1)} MiB idle → ${(rss[1]! / 1024).toFixed(1)} after window 1 → ${(rss[windows]! / 1024).toFixed(1)} after window ${windows} (growth after the first window: ${growth.toFixed(1)} MiB)${heaps.length ? `; JS heap used ${heaps.join(" → ")} MiB` : ""}`);
    }
  } finally {
    sw?.kill("SIGTERM");
    for (const c of variants) c.kill("SIGTERM");
    hap?.kill("SIGTERM");
    floor?.kill("SIGTERM");
    await d?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
