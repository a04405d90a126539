// Scan throughput and start-up, each against a floor measured in the same run.
//
//   node --import tsx bench/scan.ts [--files 20000] [--runs 5] [--startup-runs 15] [--build] [--keep]
//
// 1. Throughput. Generates a repository of ~20,000 files in a temp dir (compose files, multi-doc
//    Kubernetes manifests, unrelated YAML/JSON, code, docs; a .gitignore'd dist/ and a
//    node_modules/ the scan must skip; a few socket mounts; the issue-3 formats from
//    scan-formats.ts, which also says what the floor means for them), then measures
//    (a) the floor: list the same files, read every one, and parse every YAML file with the same
//        parser and options (yaml's parseAllDocuments with a LineCounter, via parseYamlDocuments),
//        doing nothing else — both with async reads (32 at a time) and with sync reads; the
//        faster of the two is the floor;
//    (b) the real scan: `scan()` from src/scan/index.ts (walk, .gitignore, detect, extract,
//        rules, policy, summary), the library call the CLI makes.
//    Runs are interleaved (floor, scan, floor, scan, …) after one warm-up each so that the page
//    cache and the JIT treat both alike; the median of each is reported. Goal: scan ≤ 1.5× floor.
// 2. Start-up. `node -e 0` vs `node bin/sockwarden.js --version` vs `node bin/sockwarden.js scan
//    <one small compose file>` vs `… scan <one small Kubernetes manifest>`, interleaved, median of N runs each. Goal: ≤ 1.5× `node -e 0`.
//    Uses the bundle in dist/ (what users run); builds it first with scripts/build.mjs when
//    missing or when --build is given.
//    A/B: `--baseline DIR` runs the same three commands of an older build in the same rounds
//    (DIR holds that build's bin/, dist/ and package.json, e.g. copied before a rebuild:
//    `mkdir /tmp/old && cp -r bin dist package.json /tmp/old/`). The order of the commands
//    rotates every round so that none always runs first. `--startup-only` skips part 1.
//
// Prints figures and ratios; asserts nothing (the machines are shared and noisy).
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync, readFileSync, existsSync, promises as fsp } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join, dirname } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseYamlDocuments } from "../src/sources/yamldoc.js";
import { scan } from "../src/scan/index.js";
import { walkTree } from "../src/scan/walk.js";
import { writeFormats, parseIfHcl, formatsCheck } from "./scan-formats.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TARGET_FILES = flag("--files", 20_000);
const RUNS = flag("--runs", 5);
const STARTUP_RUNS = flag("--startup-runs", 15);
const baselineAt = args.indexOf("--baseline");
const BASELINE = baselineAt >= 0 ? args[baselineAt + 1] : undefined;

// ---------------------------------------------------------------------------------------------
// Generator (deterministic: a seeded PRNG, so every run scans the same repository)

let seed = 42;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const IMAGES = ["nginx:1.27", "postgres:16", "redis:7", "node:20-alpine", "python:3.12-slim", "ghcr.io/acme/api:1.4.2", "grafana/grafana:11.1.0"];

function composeFile(svc: string, i: number): string {
  const services: string[] = [];
  const n = 3 + (i % 6);
  for (let k = 0; k < n; k++) {
    const name = k === 0 ? svc : `${svc}-${pick(["worker", "db", "cache", "queue", "cron", "proxy"])}${k}`;
    const volumes = [`      - ./data/${name}:/var/lib/${name}`, `      - type: volume\n        source: ${name}-cache\n        target: /cache`];
    // About 1 compose file in 20 mounts the socket (Traefik/Portainer style), some read-only.
    if (k === 1 && i % 20 === 0) volumes.push(`      - /var/run/docker.sock:/var/run/docker.sock${i % 40 === 0 ? ":ro" : ""}`);
    services.push(`  ${name}:
    <<: *defaults
    image: ${pick(IMAGES)}
    environment:
      LOG_LEVEL: info
      PORT: "${8000 + k}"
      DATABASE_URL: \${DATABASE_URL:-postgres://db/${name}}
    ports:
      - "${8000 + k}:${8000 + k}"
    volumes:
${volumes.join("\n")}
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:${8000 + k}/health"]
      interval: 30s
`);
  }
  const vols = Array.from({ length: n }, (_, k) => `  ${k === 0 ? svc : "v" + k}-cache: {}`).join("\n");
  return `# ${svc} local stack\nx-defaults: &defaults\n  restart: unless-stopped\n  logging:\n    driver: json-file\n    options: { max-size: 10m }\n\nservices:\n${services.join("\n")}\nvolumes:\n${vols}\n`;
}

function podSpec(name: string, indent: string, socket: boolean): string {
  const i = indent;
  return `${i}serviceAccountName: ${name}
${i}securityContext:
${i}  runAsNonRoot: true
${i}  runAsUser: 10001
${i}containers:
${i}  - name: ${name}
${i}    image: ${pick(IMAGES)}
${i}    ports:
${i}      - containerPort: 8080
${i}    resources:
${i}      limits: { cpu: 500m, memory: 256Mi }
${i}    env:
${i}      - name: MODE
${i}        value: production
${i}    volumeMounts:
${i}      - name: config
${i}        mountPath: /etc/${name}
${socket ? `${i}      - name: runtime\n${i}        mountPath: /host/run\n` : ""}${i}volumes:
${i}  - name: config
${i}    configMap:
${i}      name: ${name}
${socket ? `${i}  - name: runtime\n${i}    hostPath:\n${i}      path: /var/run\n` : ""}`;
}

function manifest(svc: string, kind: string, i: number): string {
  const socket = kind === "DaemonSet" && i % 10 === 0;
  const meta = `metadata:\n  name: ${svc}\n  namespace: ${svc.slice(0, 6)}\n  labels:\n    app: ${svc}\n`;
  const workload =
    kind === "CronJob"
      ? `apiVersion: batch/v1\nkind: CronJob\n${meta}spec:\n  schedule: "*/5 * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n${podSpec(svc, "          ", false)}`
      : `apiVersion: apps/v1\nkind: ${kind}\n${meta}spec:\n${kind === "DaemonSet" ? "" : "  replicas: 3\n"}  selector:\n    matchLabels:\n      app: ${svc}\n  template:\n    metadata:\n      labels:\n        app: ${svc}\n    spec:\n${podSpec(svc, "      ", socket)}`;
  return `${workload}---
apiVersion: v1
kind: Service
${meta}spec:
  selector:
    app: ${svc}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
${meta}data:
  settings.yaml: |
    feature_flags:
      new_checkout: ${i % 2 === 0}
    timeout_seconds: 30
`;
}

function unrelatedYaml(i: number): string {
  const lines = ["# application settings", `version: ${i % 5}`, "server:", "  host: 0.0.0.0", `  port: ${3000 + (i % 100)}`, "features:"];
  for (let k = 0; k < 20 + (i % 30); k++) lines.push(`  - name: flag_${k}\n    enabled: ${k % 3 === 0}\n    rollout: ${(k * 7) % 100}`);
  return lines.join("\n") + "\n";
}

function jsonFile(i: number): string {
  const items = Array.from({ length: 20 + (i % 40) }, (_, k) => ({ id: k, name: `item-${k}`, tags: ["a", "b"], price: k * 1.5 }));
  return JSON.stringify({ name: `fixture-${i}`, version: "1.0.0", items }, null, 2);
}

function codeFile(i: number, ext: string): string {
  const body: string[] = [];
  for (let k = 0; k < 30 + (i % 60); k++) {
    body.push(
      ext === "py"
        ? `def handler_${k}(event, context):\n    return {"status": ${200 + (k % 3)}, "body": "ok ${k}"}\n`
        : ext === "go"
          ? `func Handler${k}(w http.ResponseWriter, r *http.Request) {\n\tw.WriteHeader(${200 + (k % 3)})\n}\n`
          : `export function handler${k}(req: Request): Response {\n  return new Response("ok ${k}", { status: ${200 + (k % 3)} });\n}\n`,
    );
  }
  return body.join("\n");
}

function generate(root: string, target: number): { written: number; yaml: number; planted: number; mix: Record<string, number> } {
  let written = 0;
  let yaml = 0;
  let planted = 0; // critical findings the issue-3 formats plant (counted by hand in scan-formats.ts)
  const mix: Record<string, number> = {};
  const put = (rel: string, text: string): void => {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    written++;
    if (/\.ya?ml$/.test(rel)) yaml++;
  };
  put(".gitignore", "dist/\n*.log\n");
  // Ignored content the scan must not read (not counted in the target).
  for (let k = 0; k < 50; k++) writeFileAt(root, `node_modules/pkg${k}/docker-compose.yml`, composeFile(`nm${k}`, 1));
  const KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Deployment", "Deployment"];
  for (let s = 0; written < target; s++) {
    const svc = `svc${String(s).padStart(4, "0")}`;
    const base = `services/${svc}`;
    put(`${base}/docker-compose.yml`, composeFile(svc, s));
    if (s % 4 === 0) put(`${base}/compose.override.yml`, `services:\n  ${svc}:\n    environment:\n      DEBUG: "1"\n`);
    KINDS.forEach((kind, k) => put(`${base}/deploy/k8s/${kind.toLowerCase()}-${k}.yaml`, manifest(`${svc}-${k}`, kind, s + k)));
    for (let k = 0; k < 5; k++) put(`${base}/config/settings-${k}.yaml`, unrelatedYaml(s + k));
    for (let k = 0; k < 5; k++) put(`${base}/fixtures/data-${k}.json`, jsonFile(s + k));
    put(`${base}/package.json`, JSON.stringify({ name: svc, version: "1.0.0", scripts: { test: "node --test" } }, null, 2));
    for (let k = 0; k < 30; k++) put(`${base}/src/${["handler", "model", "util"][k % 3]}${k}.${["ts", "py", "go"][k % 3]}`, codeFile(s + k, ["ts", "py", "go"][k % 3]!));
    const fm = writeFormats(put, base, svc, s);
    planted += fm.critical;
    for (const [k, v] of Object.entries(fm.byFormat)) mix[k] = (mix[k] ?? 0) + v;
    put(`${base}/README.md`, `# ${svc}\n\nRun it with \`docker compose up\`.\n`);
    writeFileAt(root, `${base}/dist/bundle.js`, codeFile(s, "ts")); // .gitignore'd
  }
  return { written, yaml, planted, mix };
}

function writeFileAt(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

// ---------------------------------------------------------------------------------------------
// The floor: the same files (the generator's .gitignore names dist/; .git and node_modules are
// always skipped), read, YAML parsed with positions. Nothing else.

const SKIP = new Set([".git", "node_modules", "dist"]);
function listFiles(dir: string, out: string[] = []): string[] {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.isDirectory()) {
      if (!SKIP.has(d.name)) listFiles(join(dir, d.name), out);
    } else if (d.isFile() && !d.name.endsWith(".log")) out.push(join(dir, d.name));
  }
  return out;
}

function parseIfYaml(path: string, text: string, hcl = false): number {
  if (hcl && parseIfHcl(path, text)) return 1; // the "floor + HCL" variant (see scan-formats.ts)
  if (!path.endsWith(".yaml") && !path.endsWith(".yml")) return 0;
  return parseYamlDocuments(text).length;
}

function floorSync(root: string, hcl = false): { files: number; docs: number } {
  const files = listFiles(root);
  let docs = 0;
  for (const f of files) docs += parseIfYaml(f, readFileSync(f, "utf8"), hcl);
  return { files: files.length, docs };
}

async function floorAsync(root: string): Promise<{ files: number; docs: number }> {
  const files = listFiles(root);
  let docs = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const f = files[next++]!;
      docs += parseIfYaml(f, await fsp.readFile(f, "utf8"));
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  return { files: files.length, docs };
}

// ---------------------------------------------------------------------------------------------

/** Wall time and CPU time (user + system, all threads of this process). On a loaded shared
 *  machine wall time swings several-fold between runs; CPU time is the steadier figure. */
async function time<T>(fn: () => Promise<T> | T): Promise<{ ms: number; cpu: number; value: T }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1000, value };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number, d = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

async function throughput(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "sw-bench-"));
  try {
    const g = await time(() => generate(root, TARGET_FILES));
    console.log(`repository: ${fmt(g.value.written)} files (${fmt(g.value.yaml)} YAML) + ignored dist/ and node_modules/, generated in ${fmt(g.ms)} ms at ${root}`);
    console.log(`issue-3 formats written: ${Object.entries(g.value.mix).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    console.log(`machine: ${cpus().length} CPUs, node ${process.version}; ${RUNS} measured runs each after a warm-up, interleaved\n`);

    // Warm-up (page cache, JIT, module loading) — and a check that both see the same files.
    const fs0 = floorSync(root);
    const sc0 = await scan(root);
    const scanned = sc0.summary.filesScanned ?? 0;
    console.log(
      `scan found ${sc0.summary.total} findings (${sc0.summary.bySeverity.critical} critical), ${sc0.summary.errors} errors; ` +
        `${fmt(scanned)} files handed to a source (the scan reads only files some source may accept); floor read ${fmt(fs0.files)} files, parsed ${fmt(fs0.docs)} YAML documents`,
    );
    console.log(formatsCheck(sc0.findings, g.value.planted));
    floorSync(root, true);
    await floorAsync(root);

    type T = { ms: number; cpu: number };
    const tSync: T[] = [];
    const tAsync: T[] = [];
    const tScan: T[] = [];
    const tWalk: T[] = [];
    const tHcl: T[] = [];
    for (let r = 0; r < RUNS; r++) {
      tWalk.push(await time(() => walkTree(root)));
      tSync.push(await time(() => floorSync(root)));
      tScan.push(await time(() => scan(root)));
      tAsync.push(await time(() => floorAsync(root)));
      tHcl.push(await time(() => floorSync(root, true)));
    }
    const tList: T[] = [];
    for (let r = 0; r < 3; r++) tList.push(await time(() => listFiles(root)));
    const files = fs0.files;
    const med = (ts: T[]): T => ({ ms: median(ts.map((t) => t.ms)), cpu: median(ts.map((t) => t.cpu)) });
    const mSync = med(tSync);
    const mAsync = med(tAsync);
    const mScan = med(tScan);
    const row = (name: string, t: T) =>
      console.log(`  ${name.padEnd(34)} ${fmt(t.ms).padStart(7)} ms wall ${fmt((files / t.ms) * 1000).padStart(8)} files/s   ${fmt(t.cpu).padStart(7)} ms CPU ${fmt((files / t.cpu) * 1000).padStart(8)} files/s`);
    console.log("\nthroughput (median):");
    row("floor, sync reads", mSync);
    row("floor, async reads (32 at a time)", mAsync);
    row("sockwarden scan()", mScan);
    row("floor, sync reads + HCL parsed", med(tHcl));
    row("  of which: walkTree() alone", med(tWalk));
    row("  for scale: bare recursive readdir", med(tList));
    const wall = mScan.ms / Math.min(mSync.ms, mAsync.ms);
    const cpu = mScan.cpu / Math.min(mSync.cpu, mAsync.cpu);
    console.log(`\n  ratio scan / floor: wall ${fmt(wall, 2)}×, CPU ${fmt(cpu, 2)}×  (goal ≤ 1.5×: ${wall <= 1.5 && cpu <= 1.5 ? "met" : cpu <= 1.5 ? "met on CPU time" : "NOT met"})`);
    console.log(`  ratio scan / (floor + HCL parsed with parseHcl): wall ${fmt(mScan.ms / med(tHcl).ms, 2)}×, CPU ${fmt(mScan.cpu / med(tHcl).cpu, 2)}×  (for reference; the goal is judged on the floor above)`);
    const list = (ts: T[]) => ts.map((t) => `${fmt(t.ms)}/${fmt(t.cpu)}`).join(", ");
    console.log(`  all runs (wall/CPU ms): floor sync [${list(tSync)}], floor async [${list(tAsync)}], scan [${list(tScan)}]`);
  } finally {
    if (!args.includes("--keep")) rmSync(root, { recursive: true, force: true });
  }
}

function startup(): void {
  if (STARTUP_RUNS <= 0) return;
  const bin = join(REPO, "bin/sockwarden.js");
  if (args.includes("--build") || !existsSync(join(REPO, "dist/cli.js")) || !existsSync(join(REPO, "dist/start.cjs"))) {
    console.log("building dist/ (node scripts/build.mjs) …");
    const b = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: REPO, stdio: "inherit" });
    if (b.status !== 0) {
      console.log("build failed: start-up bench skipped");
      return;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "sw-start-"));
  try {
    // One small, clean compose file: what a pre-commit hook hands over on a typical commit.
    const file = join(dir, "compose.yml");
    writeFileSync(file, "services:\n  web:\n    image: nginx:1.27\n    user: \"101\"\n    ports: [\"8080:80\"]\n");
    // And one small Kubernetes manifest (a Deployment that runs as non-root: clean too).
    const manifestFile = join(dir, "deployment.yaml");
    writeFileSync(
      manifestFile,
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: { app: web }\n  template:\n    metadata:\n      labels: { app: web }\n    spec:\n      securityContext: { runAsNonRoot: true, runAsUser: 101 }\n      containers:\n        - name: web\n          image: nginx:1.27\n",
    );
    // The one-file scan keeps compiled code between runs (src/cli/code-cache.ts); the warm-up
    // run below makes it, as a hook's first run would. The
    // "no code cache" row shows what a run without it costs (the first one after an install or
    // an upgrade also writes the cache: a few ms more, once).
    const NO_CACHE = { ...process.env, NODE_DISABLE_COMPILE_CACHE: "1" };
    const commandsOf = (b: string, tag: string): [string, string[], NodeJS.ProcessEnv?][] => [
      [`${tag}sockwarden --version`, [b, "--version"]],
      [`${tag}sockwarden scan <one file>`, [b, "scan", file]],
      [`${tag}sockwarden scan <one manifest>`, [b, "scan", manifestFile]],
    ];
    const cmds: [string, string[], NodeJS.ProcessEnv?][] = [
      ["node -e 0", ["-e", "0"]],
      ...commandsOf(bin, ""),
      ["sockwarden scan <one file>, no code cache", [bin, "scan", file], NO_CACHE],
    ];
    if (BASELINE) cmds.push(...commandsOf(join(BASELINE, "bin/sockwarden.js"), "baseline: "));
    for (const [name, argv, env] of cmds) {
      const r = spawnSync(process.execPath, argv, { encoding: "utf8", env });
      if (r.status !== 0) console.log(`note: ${name} exited ${r.status}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`);
    }
    // Each command runs under `bash -c '…; times'`: the second line of `times` is the CPU time
    // (user, system) of bash's children, i.e. of node alone.
    const cpuOf = (out: string): number => {
      const line = out.trim().split("\n").pop() ?? "";
      const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      return (secs[0]! + secs[1]!) * 1000;
    };
    const wall = cmds.map(() => [] as number[]);
    const cpu = cmds.map(() => [] as number[]);
    for (let r = 0; r < STARTUP_RUNS; r++) {
      for (let j = 0; j < cmds.length; j++) {
        const k = (j + r) % cmds.length;
        const [, argv, env] = cmds[k]!;
        const t0 = process.hrtime.bigint();
        const out = spawnSync("bash", ["-c", '"$0" "$@" >/dev/null 2>&1; times', process.execPath, ...argv], { encoding: "utf8", env });
        wall[k]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
        cpu[k]!.push(cpuOf(out.stdout));
      }
    }
    const baseWall = median(wall[0]!);
    const baseCpu = median(cpu[0]!);
    console.log(`\nstart-up (median of ${STARTUP_RUNS}, interleaved in rotating order; wall includes a bash wrapper, CPU is node's own):`);
    cmds.forEach(([name], k) => {
      const w = median(wall[k]!);
      const c = median(cpu[k]!);
      const goal = k > 0 ? `  (goal ≤ 1.5×: ${w / baseWall <= 1.5 && c / baseCpu <= 1.5 ? "met" : w / baseWall <= 1.5 ? "met on wall time" : c / baseCpu <= 1.5 ? "met on CPU time" : "NOT met"})` : "";
      console.log(`  ${name.padEnd(44)} wall ${fmt(w, 1).padStart(7)} ms ${fmt(w / baseWall, 2)}×   CPU ${fmt(c, 1).padStart(7)} ms ${fmt(c / baseCpu, 2)}×${goal}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!args.includes("--startup-only")) await throughput();
startup();
