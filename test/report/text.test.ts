import { test } from "node:test";
import assert from "node:assert/strict";
import { renderText, wrap, summaryLine } from "../../src/report/text.js";
import { scanReport, auditReport, DOCS } from "./sample.js";

const ANSI = /\x1b\[[0-9;]*m/g;

test("text: grouped by file, headline then message, Why/Fix, suppressed compactly, errors, summary", () => {
  // Worked out by hand from sample.ts. The socket message line is 106 characters with its
  // "service traefik: " prefix and indent, so "root." wraps onto a second line (100 columns).
  const expected = [
    "deploy/traefik/compose.yml",
    "deploy/traefik/compose.yml:12:9  critical  socket-mount  Container runtime socket mounted into a container",
    "  service traefik: Mounts the docker socket /var/run/docker.sock at /var/run/docker.sock. It runs as",
    "  root.",
    "    Why: Whoever can connect to the socket is root on the host.",
    "    Fix: Remove the mount or put a filtering proxy in front of it.",
    `    Docs: ${DOCS}#runtime-socket-mount`,
    "  deploy/traefik/compose.yml:18:9  capabilities  suppressed: ingress reads events (platform-team, until 2027-03-31)",
    "",
    "k8s/monitoring.yaml",
    "k8s/monitoring.yaml:30:19  high (warn)  host-path  Sensitive host directory mounted",
    "  DaemonSet monitoring/node-exporter container exporter: Mounts /proc read-write.",
    "    Why: The host's /proc shows every process of the host.",
    "    Fix: Mount only what the exporter needs, read-only.",
    `    Docs: ${DOCS}#sensitive-host-path`,
    "  k8s/monitoring.yaml:40:11  privileged  suppressed: dind for CI",
    "",
    "Errors (these files were not fully scanned):",
    "  broken.yml:3  YAML parse error: bad indentation",
    "",
    "Notices:",
    "  vendor-link  symlink points outside the scan root (/opt/x): not followed",
    "",
    "2 findings (1 critical, 1 high), 2 suppressed, 1 error in 7 files",
    "Gate (--fail-on high): failed, 1 finding at or above high",
    "",
  ].join("\n");
  const out = renderText(scanReport(), { color: false });
  assert.equal(out, expected);
  assert.doesNotMatch(out, ANSI);
});

test("text: colours only when asked, and the same text underneath", () => {
  const plain = renderText(scanReport(), { color: false });
  const coloured = renderText(scanReport(), { color: true });
  assert.ok(coloured.includes("\x1b[1;35mcritical\x1b[22;39m"), "critical in bold magenta");
  assert.ok(coloured.includes("\x1b[31mGate (--fail-on high): failed"), "a failed gate in red");
  assert.equal(coloured.replace(ANSI, ""), plain);
});

test("text: Why/Fix wrap at 100 columns with a hanging indent", () => {
  const r = scanReport();
  const long = "word ".repeat(40).trim(); // 40 × "word" = 199 characters with spaces
  r.findings = [{ ...r.findings[0]!, meaning: long }];
  const lines = renderText(r, { color: false }).split("\n");
  const i = lines.findIndex((l) => l.startsWith("    Why: "));
  // "    Why: " is 9 columns; the first word takes 4, each next one 5 with its space:
  // 9 + 4 + 5 × (n - 1) ≤ 100 → n ≤ 18.4 → 18 words, 98 columns. Continuation lines have the
  // same 9-column indent, so 40 words = 18 + 18 + 4.
  assert.equal(lines[i], "    Why: " + "word ".repeat(18).trim());
  assert.equal(lines[i]!.length, 98);
  assert.equal(lines[i + 1], "         " + "word ".repeat(18).trim());
  assert.equal(lines[i + 2], "         " + "word ".repeat(4).trim()); // 40 - 36 = 4 left
  assert.ok(lines[i + 3]!.startsWith("    Fix: "));
});

test("wrap(): long words stay whole, the first prefix may carry colour codes", () => {
  assert.deepEqual(wrap("aaa bbb ccc", 9, "> ", "  "), ["> aaa bbb", "  ccc"]);
  assert.deepEqual(wrap("abcdefghijklmnop x", 5, "", ""), ["abcdefghijklmnop", "x"]);
  assert.deepEqual(wrap("aa bb", 6, "\x1b[1m>\x1b[22m ", "  ", 2), ["\x1b[1m>\x1b[22m aa", "  bb"]);
});

test("text of an audit: grouped by host and container, summary counts containers", () => {
  const out = renderText(auditReport(), { color: false });
  const lines = out.split("\n");
  assert.equal(lines[0], "node1: container portainer");
  assert.equal(lines[1], "portainer (0123456789ab, running)  critical  socket-mount  Container runtime socket mounted into a container");
  assert.equal(lines[2], "  container portainer: Bind-mounts /run/docker.sock.");
  assert.ok(lines.includes("  node1: container 9f8e7d  inspect failed: no such container"));
  assert.equal(summaryLine(auditReport()), "1 finding (1 critical), 0 suppressed, 1 error in 4 containers");
});

test("summary line with nothing found", () => {
  const r = scanReport();
  r.findings = [];
  r.errors = [];
  r.summary = { bySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 }, byConcern: {}, total: 0, suppressed: 0, errors: 0, filesScanned: 1, failOn: "high", failed: false };
  assert.equal(renderText(r, { color: false }), "0 findings, 0 suppressed, 0 errors in 1 file\nGate (--fail-on high): passed\n");
});
