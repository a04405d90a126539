/**
 * The audit passes the daemon's own defaults (`GET /info` DefaultRuntime) to the mapping, so the
 * runtime every container holds on a host whose default is not runc is not reported as a choice.
 * A real private dockerd whose default runtime is `swa`, a second name for the same runc binary
 * (`--add-runtime swa=/usr/sbin/runc --default-runtime swa`), plus `swb`, a third name for it.
 *
 * Expected `non-default-runtime` findings, by hand (rule src/rules/runtime.ts: runc by name and
 * the daemon's default give none; a name it does not know gives `low`):
 * - rt-default, no --runtime: the daemon stores `swa` (its default) → none.
 * - rt-a, --runtime swa: the same as the default, the same container → none.
 * - rt-runc, --runtime runc: Docker's stock runtime, which the rule never reports → none.
 * - rt-b, --runtime swb: not the default, a name the rule does not know → one, low.
 * Before the daemon's defaults were passed, rt-default and rt-a were reported as well.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { auditDetailed } from "../../src/audit/index.js";
import { defaultPolicy } from "../../src/policy/types.js";

const RUNC = "/usr/sbin/runc";
let d: Dockerd;

before(async () => {
  d = await startDockerd({ extraArgs: ["--add-runtime", `swa=${RUNC}`, "--add-runtime", `swb=${RUNC}`, "--default-runtime", "swa"] });
  await d.docker(["create", "--name", "rt-default", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "rt-a", "--runtime", "swa", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "rt-runc", "--runtime", "runc", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "rt-b", "--runtime", "swb", "mini:latest", "sleep", "600"]);
});

after(async () => {
  await d?.stop();
});

test("the daemon really has swa as its default runtime and stores it in containers made without --runtime", async () => {
  // Guards the premise: were the daemon's default still runc, the test below would prove nothing.
  const info = JSON.parse((await d.docker(["info", "--format", "{{json .DefaultRuntime}}"])).stdout);
  assert.equal(info, "swa");
  const rt = (await d.docker(["inspect", "--format", "{{.HostConfig.Runtime}}", "rt-default"])).stdout.trim();
  assert.equal(rt, "swa");
});

test("audit: only the container asking for another runtime than the daemon's default is reported", async () => {
  const { report, workloads } = await auditDetailed({ flags: { host: d.host }, env: d.env, all: true, policy: defaultPolicy(), events: false, hostFacts: false, probeListeners: false });
  const got = report.findings.filter((f) => f.rule === "non-default-runtime").map((f) => `${f.object} | ${f.severity}`);
  assert.deepEqual(got, ["container:rt-b | low"]);
  const f = report.findings.find((x) => x.rule === "non-default-runtime")!;
  assert.match(f.message, /runtime swb, not runc/);
  const byName = new Map(workloads.map((w) => [w.source.container?.name, w]));
  assert.equal(byName.size, 4);
  assert.equal(byName.get("rt-default")!.runtime, undefined);
  assert.equal(byName.get("rt-a")!.runtime, undefined);
  assert.equal(byName.get("rt-runc")!.runtime, undefined);
  assert.equal(byName.get("rt-b")!.runtime?.value, "swb");
});
