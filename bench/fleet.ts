// Fleet audit: wall time of one `auditFleet` over 3 daemons vs the sum of the three single-host
// audits run one after the other, measured in the same run.
//
//   node --import tsx bench/fleet.ts [--daemons 3] [--containers 100] [--runs 3]
//
// Starts N private dockerd instances (test/harness/dockerd.ts), gives each C containers (a fifth
// running, the rest created; every tenth binds the daemon socket, so the rules have work), then
// alternates: the sequential single-host audits (`audit()` per endpoint, --all, summed), then the
// fleet audit (`auditFleet`, --all, default concurrency 8), and the fleet audit with --concurrency 1
// (its own overhead). One warm-up of each first; medians.
// Prints figures and the ratio; asserts nothing (the machines are shared and noisy).
import { startDockerd, type Dockerd } from "../test/harness/dockerd.js";
import { audit } from "../src/audit/index.js";
import { auditFleet } from "../src/fleet/index.js";
import { defaultPolicy } from "../src/policy/types.js";

const args = process.argv.slice(2);
const flag = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const DAEMONS = flag("--daemons", 3);
const CONTAINERS = flag("--containers", 100);
const RUNS = flag("--runs", 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function populate(d: Dockerd): Promise<void> {
  const jobs: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < CONTAINERS; i++) {
    const sock = i % 10 === 0 ? ["-v", `${d.socket}:/var/run/docker.sock`] : [];
    const running = i % 5 === 0;
    const argv = running ? ["run", "-d"] : ["create"];
    jobs.push(() => d.docker([...argv, "--name", `bench-${i}`, "--network", "none", ...sock, "mini:latest", "sleep", "3600"]));
  }
  // 8 CLI calls at a time per daemon.
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < jobs.length) await jobs[next++]!();
  }));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const ds = await Promise.all(Array.from({ length: DAEMONS }, () => startDockerd()));
  try {
    await Promise.all(ds.map(populate));
    console.log(`set-up: ${DAEMONS} daemons × ${CONTAINERS} containers in ${ms(performance.now() - t0)}`);
    const policy = defaultPolicy();
    const common = { all: true, policy, events: true } as const;
    const sequential = async () => {
      const per: number[] = [];
      for (const d of ds) {
        const s = performance.now();
        const r = await audit({ ...common, flags: { host: d.host }, env: d.env });
        per.push(performance.now() - s);
        if (r.summary.containersAudited !== CONTAINERS) throw new Error(`expected ${CONTAINERS} containers, audited ${r.summary.containersAudited}`);
      }
      return per;
    };
    const fleet = async (concurrency = 8) => {
      const s = performance.now();
      const r = await auditFleet(ds.map((d) => ({ host: d.host })), { all: true, policy, progress: false, env: ds[0]!.env, concurrency });
      const t = performance.now() - s;
      if (r.summary.containersAudited !== DAEMONS * CONTAINERS || r.errors.some((e) => e.kind !== "notice" && e.host)) throw new Error(`fleet audit incomplete: ${JSON.stringify(r.errors)}`);
      return { t, findings: r.findings.length };
    };
    await sequential();
    await fleet();
    const sums: number[] = [];
    const singles: number[][] = [];
    const fleets: number[] = [];
    const fleets1: number[] = [];
    let findings = 0;
    for (let i = 0; i < RUNS; i++) {
      const per = await sequential();
      singles.push(per);
      sums.push(per.reduce((a, b) => a + b, 0));
      const f = await fleet();
      fleets.push(f.t);
      findings = f.findings;
      // The fleet's own overhead: the same merge, one host at a time.
      fleets1.push((await fleet(1)).t);
    }
    const sum = median(sums);
    const fl = median(fleets);
    console.log(`single-host audits (median of ${RUNS}): ${ds.map((_, j) => ms(median(singles.map((p) => p[j]!)))).join(", ")}; sum ${ms(sum)}`);
    console.log(`fleet audit (median of ${RUNS}):        ${ms(fl)} for ${DAEMONS * CONTAINERS} containers, ${findings} findings (${((DAEMONS * CONTAINERS) / (fl / 1000)).toFixed(0)} containers/s)`);
    console.log(`fleet audit, --concurrency 1:    ${ms(median(fleets1))}`);
    console.log(`fleet / sum of singles: ${(fl / sum).toFixed(2)}× (speed-up ${(sum / fl).toFixed(2)}×)`);
  } finally {
    await Promise.all(ds.map((d) => d.stop()));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
