/**
 * `diffReports` / `diffCommand` on hand-made reports. Each case says what it expects and why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Finding } from "../../src/model/finding.js";
import type { Report } from "../../src/model/report.js";
import type { Severity } from "../../src/model/severity.js";
import { diffReports, diffCommand, driftFailures, findingKey, parseReport, renderDiffText, renderDiffJson } from "../../src/report/diff.js";

function f(over: Partial<Finding> & { rule: string; object: string }): Finding {
  return {
    concern: "socket-mount",
    severity: "critical",
    title: "T",
    message: "M",
    location: {},
    suppressed: false,
    meaning: "",
    decision: "",
    action: "deny",
    fingerprint: "",
    docs: "",
    ...over,
  } as Finding;
}

function report(findings: Finding[], extra: Partial<Report> = {}): Report {
  const bySeverity = { info: 0, low: 0, medium: 0, high: 0, critical: 0 } as Record<Severity, number>;
  return { version: 1, tool: { name: "sockwarden", version: "0" }, kind: "audit", findings, errors: [], summary: { bySeverity, byConcern: {}, total: findings.length, suppressed: 0, errors: 0 }, ...extra };
}

test("appeared, disappeared and severity changes are keyed on host + fingerprint", () => {
  const old = report([
    f({ rule: "runtime-socket-mount", object: "container:a", host: "h1", fingerprint: "fa", severity: "high" }),
    f({ rule: "runtime-socket-mount", object: "container:b", host: "h1", fingerprint: "fb" }),
    f({ rule: "live-image", object: "container:c", host: "h1", fingerprint: "fc", severity: "medium", concern: "image" }),
  ]);
  const neu = report([
    // a: same fingerprint, high → critical: changed, not appeared.
    f({ rule: "runtime-socket-mount", object: "container:a", host: "h1", fingerprint: "fa", severity: "critical" }),
    // c: unchanged.
    f({ rule: "live-image", object: "container:c", host: "h1", fingerprint: "fc", severity: "medium", concern: "image" }),
    // The same fingerprint as b but on another host: a different finding (b is gone from h1, this one is new on h2).
    f({ rule: "runtime-socket-mount", object: "container:b", host: "h2", fingerprint: "fb" }),
  ]);
  const d = diffReports(old, neu);
  assert.deepEqual(d.appeared.map((x) => `${x.host}/${x.object}`), ["h2/container:b"]);
  assert.deepEqual(d.disappeared.map((x) => `${x.host}/${x.object}`), ["h1/container:b"]);
  assert.deepEqual(d.severityChanged.map((c) => `${c.after.object} ${c.from}->${c.to}`), ["container:a high->critical"]);
  assert.equal(d.unchanged, 1);
  // Gate at high: the new critical on h2 and a's rise to critical both fail it.
  assert.deepEqual(driftFailures(d, "high").map((x) => `${x.host}/${x.object}`).sort(), ["h1/container:a", "h2/container:b"]);
});

test("without fingerprints the key is rule + host + object + where", () => {
  const a = f({ rule: "r", object: "service web", location: { file: "compose.yml", line: 3, column: 5 } });
  const moved = f({ rule: "r", object: "service web", location: { file: "compose.yml", line: 9, column: 5 } });
  delete (a as Partial<Finding>).fingerprint;
  delete (moved as Partial<Finding>).fingerprint;
  // Different line, no fingerprint: a different key (the fallback cannot know it moved).
  assert.notEqual(findingKey(a), findingKey(moved));
  const c1 = f({ rule: "r", object: "container:x", location: { container: { id: "1111", name: "x", state: "running" } } });
  const c2 = f({ rule: "r", object: "container:x", location: { container: { id: "2222", name: "x", state: "running" } } });
  delete (c1 as Partial<Finding>).fingerprint;
  delete (c2 as Partial<Finding>).fingerprint;
  // A recreated container (new id, same name) is the same finding.
  assert.equal(findingKey(c1), findingKey(c2));
  const d = diffReports(report([a, c1]), report([moved, c2]));
  assert.equal(d.appeared.length, 1);
  assert.equal(d.disappeared.length, 1);
  assert.equal(d.unchanged, 1);
});

test("a host that could not be audited in NEW: its old findings are unverified, not disappeared", () => {
  const old = report([f({ rule: "r", object: "container:a", host: "h1", fingerprint: "1" }), f({ rule: "r", object: "container:b", host: "h2", fingerprint: "2" })]);
  const neu = report([], {
    hosts: [
      { host: "h1", bySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 }, findings: 0, suppressed: 0, containers: 4 },
      { host: "h2", bySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 }, findings: 0, suppressed: 0, containers: 0, error: { kind: "daemon-down", message: "connection refused" } },
    ],
  });
  const d = diffReports(old, neu);
  assert.deepEqual(d.disappeared.map((x) => x.host), ["h1"]);
  assert.deepEqual(d.unverified.map((x) => x.host), ["h2"]);
  assert.deepEqual(d.hostsNotAudited, ["h2"]);
  assert.match(renderDiffText(d, "high"), /Not audited in the new report: h2/);
});

test("lower severity, warn action and suppressed findings do not fail the drift gate; an unsuppressed one does", () => {
  const old = report([
    f({ rule: "r", object: "container:down", fingerprint: "1", severity: "critical" }),
    f({ rule: "r", object: "container:sup", fingerprint: "3", suppressed: true }),
  ]);
  const neu = report([
    f({ rule: "r", object: "container:down", fingerprint: "1", severity: "high" }), // went down: never fails
    f({ rule: "r", object: "container:warn", fingerprint: "2", action: "warn" }), // new but warn
    f({ rule: "r", object: "container:med", fingerprint: "4", severity: "medium" }), // new, below high
    f({ rule: "r", object: "container:sup", fingerprint: "3", suppressed: false }), // suppression removed: critical again
  ]);
  const d = diffReports(old, neu);
  assert.equal(d.appeared.length, 2);
  assert.equal(d.severityChanged.length, 1);
  assert.deepEqual(d.suppressionChanged.map((c) => c.now), ["unsuppressed"]);
  assert.deepEqual(driftFailures(d, "high").map((x) => x.object), ["container:sup"]);
  // At medium, the new medium one fails too.
  assert.deepEqual(driftFailures(d, "medium").map((x) => x.object).sort(), ["container:med", "container:sup"]);
  const j = JSON.parse(renderDiffJson(d, "high"));
  assert.equal(j.summary.appeared, 2);
  assert.equal(j.summary.failed, true);
  assert.deepEqual(j.severityChanged, [{ from: "critical", to: "high", finding: j.severityChanged[0].finding }]);
});

test("text output makes control characters from the report visible (no terminal escapes)", () => {
  const evil = f({ rule: "r", object: "container:x\u001b[2Jy", host: "h", fingerprint: "9", message: "line1\nline2" });
  const txt = renderDiffText(diffReports(report([]), report([evil])), "high");
  assert.ok(!txt.includes("\u001b"), "raw ESC must not reach the terminal");
  assert.match(txt, /container:x\\u001b\[2Jy/);
  assert.match(txt, /line1 line2/);
});

test("diffCommand: exit 0 / 1 / 2 with clear messages", () => {
  const dir = mkdtempSync(join(tmpdir(), "swdiff-"));
  try {
    const p = (n: string) => join(dir, n);
    const base = report([f({ rule: "r", object: "container:a", host: "h1", fingerprint: "1", severity: "medium" })]);
    writeFileSync(p("old.json"), JSON.stringify(base));
    writeFileSync(p("same.json"), JSON.stringify(base));
    writeFileSync(p("worse.json"), JSON.stringify(report([...base.findings, f({ rule: "r", object: "container:b", host: "h1", fingerprint: "2", severity: "critical" })])));
    writeFileSync(p("broken.json"), '{"version": 1, "findings": [');
    writeFileSync(p("badsev.json"), JSON.stringify({ version: 1, findings: [{ rule: "r", concern: "c", object: "o", severity: "urgent" }] }));
    writeFileSync(p("notreport.json"), JSON.stringify([1, 2]));
    let out = "";
    let err = "";
    const io = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) };

    assert.equal(diffCommand(p("old.json"), p("same.json"), io), 0);
    assert.match(out, /0 appeared, 0 disappeared/);
    out = "";
    assert.equal(diffCommand(p("old.json"), p("worse.json"), { ...io, format: "json" }), 1);
    assert.equal(JSON.parse(out).appeared[0].object, "container:b");
    out = "";
    // The new one is critical: a gate at critical still fails, none above it exists.
    assert.equal(diffCommand(p("old.json"), p("worse.json"), { ...io, failOn: "critical" }), 1);
    // Reversed: b disappeared; nothing new.
    assert.equal(diffCommand(p("worse.json"), p("old.json"), io), 0);
    assert.match(out, /Disappeared \(1\)/);

    assert.equal(diffCommand(p("old.json"), p("broken.json"), io), 2);
    assert.match(err, /broken\.json: not valid JSON/);
    err = "";
    assert.equal(diffCommand(p("badsev.json"), p("old.json"), io), 2);
    assert.match(err, /badsev\.json: findings\[0\]\.severity is "urgent", expected one of info, low, medium, high, critical/);
    err = "";
    assert.equal(diffCommand(p("nope.json"), p("old.json"), io), 2);
    assert.match(err, /nope\.json: cannot read: no such file/);
    err = "";
    assert.equal(diffCommand(p("notreport.json"), p("old.json"), io), 2);
    assert.match(err, /not a sockwarden report/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("parseReport accepts what the JSON reporter writes (nulls for absent host/location fields)", () => {
  const r = parseReport(JSON.stringify({ version: 1, findings: [{ rule: "r", concern: "c", object: "o", severity: "low", host: null, fingerprint: null, location: { file: null, line: null } }] }), "x.json");
  assert.equal(r.findings[0]!.host, undefined);
  assert.equal(findingKey(r.findings[0]!), "rk\u0000r\u0000\u0000o\u0000::"); // three empty parts (file, line, column) joined by two colons
});
