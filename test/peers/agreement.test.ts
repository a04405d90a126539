/**
 * Agreement with other scanners' own fixtures (../shared/peer-suites, see its README): every
 * compose, Kubernetes and Terraform fixture is scanned on its own, and our verdict for the
 * fixture's concern is compared with the peer's. Where we differ, DIFFERENCES below names the
 * file (or the whole peer rule) and why the peer's verdict is not ours; the test fails both when
 * an unexplained difference appears and when an explained one disappears (so the list stays true).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { scan } from "../../src/scan/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import type { Concern } from "../../src/model/concern.js";

const SUITES = fileURLToPath(new URL("../../../shared/peer-suites/", import.meta.url));

interface Expected {
  file: string;
  tool: string;
  rule: string;
  concern: Concern;
  expect: "finding" | "clean";
  format: string;
}

/** Our concerns that answer a peer concern. A peer's "host-path" is "the host filesystem is
 *  exposed": a runtime socket mount is our socket-mount finding, not a host-path one. */
const EQUIVALENT: Record<string, Concern[]> = {
  "socket-mount": ["socket-mount"],
  privileged: ["privileged"],
  "host-namespace": ["host-namespace"],
  "host-path": ["host-path", "socket-mount"],
  capabilities: ["capabilities"],
};

/** Peer rules whose scope differs from ours, with the reason; files matched by a key here are
 *  allowed to differ in the direction given. Keys: "tool/rule" or a file path. */
const DIFFERENCES: Record<string, { ours: "finding" | "clean"; why: string }> = {};

const FORMATS = new Set(["compose", "kubernetes", "terraform"]);

function load(): Expected[] {
  return readFileSync(join(SUITES, "expected.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Expected)
    .filter((r) => FORMATS.has(r.format));
}

test("peer suites: our verdicts agree with the peers', or the difference is explained", async () => {
  assert.ok(existsSync(SUITES), `peer suites missing at ${SUITES} (CI lays ../shared beside the clone)`);
  const records = load();
  assert.ok(records.length > 250, `expected the peer fixtures, found ${records.length}`);
  const unexplained: string[] = [];
  const stale: string[] = [];
  let agree = 0;
  for (const r of records) {
    const report = await scan(join(SUITES, r.file), { policy: defaultPolicy() });
    const concerns = new Set(report.findings.map((f) => f.concern));
    const ours = EQUIVALENT[r.concern]!.some((c) => concerns.has(c)) ? "finding" : "clean";
    const diff = DIFFERENCES[r.file] ?? DIFFERENCES[`${r.tool}/${r.rule}`];
    if (ours === r.expect) {
      agree++;
      if (DIFFERENCES[r.file]) stale.push(`${r.file}: listed as a difference but we now agree (${r.expect})`);
    } else if (!diff || diff.ours !== ours) {
      unexplained.push(`${r.file} [${r.tool}/${r.rule}, ${r.concern}]: peer ${r.expect}, ours ${ours}; errors: ${report.errors.map((e) => e.message).join("; ") || "none"}`);
    }
  }
  console.log(`peer agreement: ${agree}/${records.length} fixtures agree outright`);
  assert.deepEqual(unexplained, [], "unexplained differences");
  assert.deepEqual(stale, [], "stale explanations");
});
