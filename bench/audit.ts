// Audit wall time and containers/s on a real private dockerd, against a baseline in the same run.
//
//   node --import tsx bench/audit.ts [--containers 200] [--runs 5] [--steps 50,100,200]
//
// Creates containers on a private dockerd (test/harness/dockerd.ts) through the Engine API, a mix
// like a busy host: plain ones, socket binds (direct, :ro, parent directory), named volumes with
// bind options, volumes-from, --pid/--net host, privileged, devices. Then, at each step
// (50, 100, 200 containers), interleaved after one warm-up, median of --runs:
//   (a) audit() with the API only (no host facts, no events)        — the container part;
//   (b) audit() as `sockwarden audit --all` runs it (host facts: /proc scan, listener probes,
//       socket stats; events of the last hour);
//   (c) the baseline: what docker-bench-security's container checks do — one `docker inspect`
//       CLI process per container (they run one or more per check per container). Only one
//       inspect per container is counted here, so the baseline is a lower bound.
// Goal (issue 4): 200 containers in under 2 s, growing linearly. Prints figures and ratios;
// asserts nothing (shared, noisy machines).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startDockerd, type Dockerd } from "../test/harness/dockerd.js";
import { audit } from "../src/audit/index.js";
import { defaultPolicy } from "../src/policy/types.js";
import { EngineClient, mapLimit, resolveEndpoint } from "../src/engine/index.js";

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
};
const TOTAL = Number(opt("--containers", "200"));
const RUNS = Number(opt("--runs", "5"));
const STEPS = opt("--steps", `${Math.round(TOTAL / 4)},${Math.round(TOTAL / 2)},${TOTAL}`)
  .split(",")
  .map(Number)
  .filter((n) => n > 0 && n <= TOTAL);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

function spec(i: number, d: Dockerd): Record<string, unknown> {
  const S = d.socket;
  const hc: Record<string, unknown> = { NetworkMode: "none" };
  switch (i % 10) {
    case 0:
      hc.Binds = [`${S}:/var/run/docker.sock`];
      break;
    case 1:
      hc.Binds = [`${S}:/var/run/docker.sock:ro`];
      break;
    case 2:
      hc.Binds = [`${d.dir}:/host`];
      break;
    case 3:
      hc.Binds = ["benchvol:/v"];
      break;
    case 4:
      hc.Privileged = true;
      break;
    case 5:
      hc.PidMode = "host";
      break;
    case 6:
      hc.Binds = [`${join(d.dir, "data-dir")}:/data`];
      break;
    case 7:
      hc.Devices = [{ PathOnHost: "/dev/zero", PathInContainer: "/dev/xz", CgroupPermissions: "rwm" }];
      break;
    case 8:
      hc.VolumesFrom = ["bench-0"];
      break;
    default:
      break;
  }
  return { Image: "mini:latest", Cmd: ["sleep", "600"], User: i % 3 === 0 ? "1000" : "", Env: ["A=1", "DOCKER_HOST=unix:///var/run/docker.sock"], Labels: { bench: String(i) }, HostConfig: hc };
}

async function main(): Promise<void> {
  console.log(`bench/audit: ${TOTAL} containers, steps ${STEPS.join(", ")}, ${RUNS} runs each (median)`);
  const d = await startDockerd();
  try {
    mkdirSync(join(d.dir, "data-dir"));
    await d.docker(["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${d.dir}`, "benchvol"]);
    const client = new EngineClient(resolveEndpoint({ flags: { host: d.host }, env: {} }));
    let made = 0;
    const ids: string[] = [];
    const policy = defaultPolicy();
    const env = { DOCKER_CONFIG: join(d.dir, "config") };
    const rows: string[] = [];
    for (const step of STEPS) {
      const t0 = process.hrtime.bigint();
      const want = Array.from({ length: step - made }, (_, k) => made + k);
      // bench-0 first: others borrow its volumes.
      if (made === 0) {
        const r = await client.postJson<{ Id: string }>("/containers/create", spec(0, d), { name: "bench-0" });
        ids.push(r.Id);
        want.shift();
      }
      const res = await mapLimit(want, 16, (i) => client.postJson<{ Id: string }>("/containers/create", spec(i, d), { name: `bench-${i}` }));
      for (const r of res) {
        if (!r.ok) throw r.error;
        ids.push(r.value.Id);
      }
      made = step;
      console.log(`  created ${step} containers (${(ms(t0) / 1000).toFixed(1)} s)`);

      const apiOnly = () => audit({ flags: { host: d.host }, env, all: true, policy, hostFacts: false, events: false });
      const full = () => audit({ flags: { host: d.host }, env, all: true, policy });
      const baseline = async () => {
        // docker-bench style: one CLI process per container, sequentially (its checks loop in sh).
        for (const id of ids) await d.docker(["inspect", "--format", "{{ .Id }}: Volumes={{ .Mounts }}", id]);
      };
      // Warm-up.
      const r0 = await full();
      if (r0.summary.containersAudited !== step) throw new Error(`audited ${r0.summary.containersAudited}, expected ${step}`);
      await apiOnly();
      const tA: number[] = [];
      const tF: number[] = [];
      const tB: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        let t = process.hrtime.bigint();
        await apiOnly();
        tA.push(ms(t));
        t = process.hrtime.bigint();
        await full();
        tF.push(ms(t));
        // The baseline is slow; one run per step is enough to see it.
        if (i === 0) {
          t = process.hrtime.bigint();
          await baseline();
          tB.push(ms(t));
        }
      }
      const a = median(tA);
      const f = median(tF);
      const b = median(tB);
      rows.push(
        `  ${String(step).padStart(4)} containers | audit (API) ${a.toFixed(0).padStart(5)} ms ${((step / a) * 1000).toFixed(0).padStart(5)} c/s | ` +
          `audit (full) ${f.toFixed(0).padStart(5)} ms ${((step / f) * 1000).toFixed(0).padStart(5)} c/s | ` +
          `baseline (1 docker inspect per container) ${b.toFixed(0).padStart(6)} ms | baseline/full ${(b / f).toFixed(1)}x | findings ${r0.findings.length}`,
      );
      console.log(rows[rows.length - 1]);
    }
    client.close();
    console.log("\nsummary");
    for (const r of rows) console.log(r);
    console.log("goal: 200 containers in under 2 s (full audit), linear growth");
  } finally {
    await d.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
