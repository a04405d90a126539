/**
 * The Compose files of other scanners' suites (../shared/peer-suites, format == compose): every
 * one must extract without error, and the offending value must be located on the line the peer
 * names. Whether a finding is raised is the rules' business (the lead's agreement test); this test
 * only checks that the door hands the rules what they need, where the peer expects it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { composeSource } from "../../../src/sources/compose/index.js";
import { fixtureContext } from "./helpers.js";
import type { Workload } from "../../../src/model/workload.js";

const PEER = fileURLToPath(new URL("../../../../shared/peer-suites/", import.meta.url));

interface Rec {
  file: string;
  format: string;
  concern: string;
  expect: "finding" | "clean";
  lines?: number[];
}

/** Files that hold no service at all: nothing runs, so no workload (and no exposure). */
const NO_SERVICES: Record<string, string> = {
  "kics/compose.volume_has_sensitive_host_directory/negative/negative2.yaml": "only top-level `volumes:` (local-persist mountpoints), no `services:`",
  "kics/compose.volume_has_sensitive_host_directory/positive/positive3.yaml":
    "only top-level `volumes:`, no `services:`: KICS flags the declared volume's `mountpoint: /var/data` (line 12), but no container mounts it",
};

/** Where we locate the value on another line than the peer, and why. */
const OTHER_LINE: Record<string, string> = {
  "kics/compose.volume_has_sensitive_host_directory/positive/positive2.yaml":
    "KICS points at the named volume's `device:` (line 18); we locate the mount where the service uses the volume (line 7: `source: vol`), with via naming the device",
};

function linesCarrying(w: Workload, concern: string): number[] {
  const out: number[] = [];
  const add = (p?: { line: number }) => p && out.push(p.line);
  if (concern === "socket-mount" || concern === "host-path") for (const m of w.mounts) if (m.hostPath) add(m.at);
  if (concern === "privileged") add(w.privileged?.at);
  if (concern === "host-namespace") for (const ns of Object.values(w.namespaces)) if (ns?.value.mode === "host") add(ns.at);
  return out;
}

test("peer suites: every Compose file extracts without error; values sit on the peer's lines", () => {
  assert.ok(existsSync(join(PEER, "expected.jsonl")), `peer suites not found at ${PEER}`);
  const recs = readFileSync(join(PEER, "expected.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec)
    .filter((r) => r.format === "compose");
  assert.ok(recs.length >= 30, `only ${recs.length} compose records`);
  const ctx = fixtureContext(PEER);
  let located = 0;
  for (const r of recs) {
    const text = readFileSync(join(PEER, r.file), "utf8");
    const res = composeSource.extract({ path: r.file, text }, ctx);
    assert.deepEqual(res.errors, [], r.file);
    if (NO_SERVICES[r.file]) {
      assert.equal(res.workloads.length, 0, `${r.file}: ${NO_SERVICES[r.file]}`);
      continue;
    }
    assert.ok(res.workloads.length >= 1, `${r.file}: no workload`);
    assert.equal(composeSource.detect({ path: r.file, text }), true, `${r.file}: not detected by content`);
    if (r.expect !== "finding" || !r.lines || r.concern === "capabilities" || OTHER_LINE[r.file]) continue;
    const ours = res.workloads.flatMap((w) => linesCarrying(w, r.concern));
    assert.ok(r.lines.some((l) => ours.includes(l)), `${r.file}: peer lines ${r.lines}, ours ${ours}`);
    located++;
  }
  // Positive KICS files with lines for these concerns: socket 1, privileged 2, pid 3, ipc 2,
  // network 1, userns 1, host-path 4 = 14, minus the two documented above.
  assert.equal(located, 12);
});
