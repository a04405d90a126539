/**
 * The watcher learns the daemon's default runtime from `GET /info` at start and again after the
 * daemon restarts, so the runtime every container holds is not alerted as a choice. A real private
 * dockerd reads a config file of this test (given last, so it wins over the harness's empty one):
 * `swa` and `swb` are two more names for the runc binary; the default runtime is `swa`, then,
 * after the file changes and the daemon restarts, `swb`.
 *
 * Expected `non-default-runtime` alerts, by hand (src/rules/runtime.ts: runc by name and the
 * daemon's default give none; an unknown name gives `low`):
 * default swa:
 * - wr-default (no --runtime, holds swa) → none; wr-runc (--runtime runc) → none;
 * - wr-b (--runtime swb) → one, low.
 * after the restart, default swb:
 * - wr-after (no --runtime, holds swb) → none — with the defaults of before the restart it would be alerted;
 * - wr-default still holds swa, no longer the default: the reconnect audit alerts it, low.
 * wr-b's alert is not repeated (same finding, already alerted), and nothing else is alerted for the rule.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { startWatch, type WatchHandle } from "../../src/watch/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { MemorySink } from "./helpers.js";

const RUNC = "/usr/sbin/runc";
let d: Dockerd;
let tmp: string;
let cfg: string;
let h: WatchHandle | undefined;

const config = (def: string) => JSON.stringify({ runtimes: { swa: { path: RUNC }, swb: { path: RUNC } }, "default-runtime": def }) + "\n";

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "swd-wrt-"));
  cfg = join(tmp, "daemon.json");
  writeFileSync(cfg, config("swa"));
  d = await startDockerd({ extraArgs: ["--config-file", cfg] });
});
after(async () => {
  await h?.stop().catch(() => undefined);
  await d?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test("watch: the daemon's default runtime (learnt at start, and again after a restart) is not alerted; another one is", async () => {
  const defaultRuntime = async () => JSON.parse((await d.docker(["info", "--format", "{{json .DefaultRuntime}}"])).stdout);
  assert.equal(await defaultRuntime(), "swa"); // the premise
  const sink = new MemorySink();
  h = await startWatch({ host: d.host, policy: defaultPolicy(), sinks: [sink], state: false, log: () => undefined, reconnect: { initialMs: 200, maxMs: 2000 } });
  const rt = () => sink.alerts.filter((a) => a.finding.rule === "non-default-runtime").map((a) => `${a.container?.name} | ${a.finding.severity}`).sort();

  await d.docker(["create", "--name", "wr-default", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "wr-runc", "--runtime", "runc", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "wr-b", "--runtime", "swb", "mini:latest", "sleep", "600"]);
  await sink.waitFor((as) => as.some((a) => a.container?.name === "wr-b" && a.finding.rule === "non-default-runtime"), 60_000, "wr-b's runtime alert");
  await h.idle();
  assert.deepEqual(rt(), ["wr-b | low"]);

  writeFileSync(cfg, config("swb"));
  await d.restart();
  assert.equal(await defaultRuntime(), "swb");
  await d.docker(["create", "--name", "wr-after", "mini:latest", "sleep", "600"]);
  assert.equal((await d.docker(["inspect", "--format", "{{.HostConfig.Runtime}}", "wr-after"])).stdout.trim(), "swb");
  await sink.waitFor((as) => as.some((a) => a.container?.name === "wr-default" && a.finding.rule === "non-default-runtime"), 90_000, "wr-default's runtime alert after the restart");
  // wr-after's create event is judged too (wait for it to be seen at all, then for everything in flight).
  await sink.waitFor((as) => as.some((a) => a.finding.rule === "watch-event-gap"), 60_000, "gap alert");
  await h.audit();
  await h.idle();
  assert.deepEqual(rt(), ["wr-b | low", "wr-default | low"]);
  await h.stop();
  h = undefined;
});
