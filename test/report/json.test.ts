import { test } from "node:test";
import assert from "node:assert/strict";
import { renderJson } from "../../src/report/json.js";
import { scanReport, auditReport, DOCS } from "./sample.js";

test("JSON: the contract's keys, in the contract's order, every time", () => {
  // Written out by hand from sample.ts. Order of findings: compose.yml line 12, 18, then
  // monitoring.yaml line 30, 40. Key order inside a finding: the contract's (rule … decision)
  // with the extras (suppression after suppressed; action, fingerprint, docs after decision).
  const expected = {
    version: 1,
    tool: { name: "sockwarden", version: "0.1.0" },
    kind: "scan",
    target: "repo",
    findings: [
      {
        rule: "runtime-socket-mount",
        concern: "socket-mount",
        severity: "critical",
        title: "Container runtime socket mounted into a container",
        message: "Mounts the docker socket /var/run/docker.sock at /var/run/docker.sock. It runs as root.",
        location: { file: "deploy/traefik/compose.yml", line: 12, column: 9 },
        object: "service traefik",
        suppressed: false,
        meaning: "Whoever can connect to the socket is root on the host.",
        decision: "Remove the mount or put a filtering proxy in front of it.",
        action: "deny",
        fingerprint: "aaaa1111",
        docs: `${DOCS}#runtime-socket-mount`,
      },
      {
        rule: "dangerous-capability",
        concern: "capabilities",
        severity: "high",
        title: "Dangerous capability added",
        message: "Adds NET_ADMIN.",
        location: { file: "deploy/traefik/compose.yml", line: 18, column: 9 },
        object: "service traefik",
        suppressed: true,
        suppression: { kind: "exception", reason: "ingress reads events", owner: "platform-team", expires: "2027-03-31", source: "sockwarden.yaml:8" },
        meaning: "NET_ADMIN reconfigures the host network when combined with host networking.",
        decision: "Drop it.",
        action: "deny",
        fingerprint: "cccc3333",
        docs: `${DOCS}#dangerous-capability`,
      },
      {
        rule: "sensitive-host-path",
        concern: "host-path",
        severity: "high",
        title: "Sensitive host directory mounted",
        message: "Mounts /proc read-write.",
        location: { file: "k8s/monitoring.yaml", line: 30, column: 19 },
        object: "DaemonSet monitoring/node-exporter container exporter",
        suppressed: false,
        meaning: "The host's /proc shows every process of the host.",
        decision: "Mount only what the exporter needs, read-only.",
        action: "warn",
        fingerprint: "bbbb2222",
        docs: `${DOCS}#sensitive-host-path`,
      },
      {
        rule: "privileged-container",
        concern: "privileged",
        severity: "critical",
        title: "Privileged container",
        message: "Runs privileged.",
        location: { file: "k8s/monitoring.yaml", line: 40, column: 11 },
        object: "Pod ci/dind container docker",
        suppressed: true,
        suppression: { kind: "inline", reason: "dind for CI", source: "k8s/monitoring.yaml:39" },
        meaning: "A privileged container is root on the host.",
        decision: "Use rootless buildkit.",
        action: "deny",
        fingerprint: "dddd4444",
        docs: `${DOCS}#privileged-container`,
      },
    ],
    errors: [
      { file: "broken.yml", line: 3, message: "YAML parse error: bad indentation", kind: "error" },
      { file: "vendor-link", line: null, message: "symlink points outside the scan root (/opt/x): not followed", kind: "notice" },
    ],
    summary: {
      total: 2,
      bySeverity: { critical: 1, high: 1, medium: 0, low: 0, info: 0 },
      byConcern: { "socket-mount": 1, "host-path": 1 },
      suppressed: 2,
      errors: 1,
      filesScanned: 7,
      failOn: "high",
      failed: true,
    },
  };
  const out = renderJson(scanReport());
  // Byte for byte: key order and 2-space indentation are part of the contract.
  assert.equal(out, JSON.stringify(expected, null, 2) + "\n");
  assert.match(out, /^\{\n  "version": 1,\n  "tool": \{\n    "name": "sockwarden",/);
});

test("JSON: a finding without a file keeps location.file/line/column as null, plus its container", () => {
  const out = JSON.parse(renderJson(auditReport()));
  assert.deepEqual(out.findings[0].location, {
    file: null,
    line: null,
    column: null,
    container: { id: "0123456789abcdef0123", name: "portainer", state: "running" },
    host: "node1",
  });
  assert.equal(out.findings[0].host, "node1");
  assert.deepEqual(out.errors, [{ file: "container 9f8e7d", line: null, message: "inspect failed: no such container", kind: "error", host: "node1" }]);
  assert.deepEqual(Object.keys(out), ["version", "tool", "kind", "findings", "errors", "summary"]);
});

test("JSON: fields the reporter does not know yet are kept, after the known ones", () => {
  const r = scanReport();
  (r.findings[0] as unknown as Record<string, unknown>).zeta = 1;
  (r.findings[0] as unknown as Record<string, unknown>).alpha = 2;
  const keys = Object.keys(JSON.parse(renderJson(r)).findings[0]);
  assert.deepEqual(keys.slice(-2), ["alpha", "zeta"]);
  assert.equal(keys[0], "rule");
});
