import { test } from "node:test";
import assert from "node:assert/strict";
import { summarize, exitCodeFor, failsGate } from "../../src/report/summary.js";
import { socket, hostPath, capability, privileged, scanReport } from "./sample.js";

test("summarize counts unsuppressed findings by severity and concern, suppressed apart, errors without notices", () => {
  const r = scanReport();
  // socket (critical, socket-mount) and hostPath (high, host-path) are open; capability and
  // privileged are suppressed; one error and one notice.
  assert.deepEqual(summarize(r.findings, r.errors, "high"), {
    bySeverity: { info: 0, low: 0, medium: 0, high: 1, critical: 1 },
    byConcern: { "socket-mount": 1, "host-path": 1 },
    total: 2,
    suppressed: 2,
    errors: 1,
    failOn: "high",
    failed: true,
  });
});

test("byConcern follows the catalog order, whatever order findings come in", () => {
  const s = summarize([hostPath, socket], [], "high");
  assert.deepEqual(Object.keys(s.byConcern), ["socket-mount", "host-path"]);
});

test("the gate: deny + unsuppressed + severity at or above --fail-on", () => {
  // socket: critical deny → fails at critical and below.
  assert.equal(exitCodeFor({ findings: [socket] }, "critical"), 1);
  assert.equal(exitCodeFor({ findings: [socket] }, "info"), 1);
  // hostPath: high but action warn → never fails, even at --fail-on info.
  for (const lvl of ["info", "low", "medium", "high", "critical"] as const) {
    assert.equal(exitCodeFor({ findings: [hostPath] }, lvl), 0, `warn must not fail at ${lvl}`);
  }
  // Suppressed findings never fail (capability is high deny, privileged critical deny).
  assert.equal(exitCodeFor({ findings: [capability, privileged] }, "info"), 0);
  // A medium deny finding fails at medium, not at high.
  const medium = { ...socket, severity: "medium" as const };
  assert.equal(failsGate(medium, "medium"), true);
  assert.equal(failsGate(medium, "high"), false);
  assert.equal(summarize([medium], [], "high").failed, false);
  assert.equal(exitCodeFor({ findings: [] }, "info"), 0);
});
