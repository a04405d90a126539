// Hand-made findings and reports for the reporter tests. Nothing here comes from the rule
// engine: every value is written out, so expected outputs can be worked out by hand.
import type { Finding } from "../../src/model/finding.js";
import type { Report } from "../../src/model/report.js";
import type { RuleMeta } from "../../src/rules/types.js";

export const DOCS = "https://github.com/sockwarden/sockwarden/blob/main/docs/rules.md";

/** Unsuppressed, deny, critical: fails any gate. */
export const socket: Finding = {
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
};

/** Unsuppressed, high, but the policy says warn: reported, never fails the gate. */
export const hostPath: Finding = {
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
};

/** Suppressed by a sockwarden.yaml exception (external). */
export const capability: Finding = {
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
};

/** Suppressed by an inline comment (in source); its rule is not in the rule table given to SARIF. */
export const privileged: Finding = {
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
};

export const RULES: RuleMeta[] = [
  { id: "runtime-socket-mount", concern: "socket-mount", defaultSeverity: "critical", title: socket.title, meaning: socket.meaning, decision: socket.decision, anchor: "runtime-socket-mount" },
  { id: "sensitive-host-path", concern: "host-path", defaultSeverity: "high", title: hostPath.title, meaning: hostPath.meaning, decision: hostPath.decision, anchor: "sensitive-host-path" },
  { id: "dangerous-capability", concern: "capabilities", defaultSeverity: "medium", title: capability.title, meaning: capability.meaning, decision: capability.decision, anchor: "dangerous-capability" },
];

/** Findings in the engine's order (file, line, column). Summary worked out by hand:
 *  unsuppressed = socket (critical) + hostPath (high) → total 2; suppressed 2; one error
 *  (the notice does not count); the socket finding is deny + critical ≥ high → failed. */
export function scanReport(): Report {
  return {
    version: 1,
    tool: { name: "sockwarden", version: "0.1.0" },
    kind: "scan",
    target: "repo",
    findings: [capability, socket, privileged, hostPath].sort((a, b) =>
      a.location.file! < b.location.file! ? -1 : a.location.file! > b.location.file! ? 1 : a.location.line! - b.location.line!,
    ),
    errors: [
      { file: "broken.yml", line: 3, message: "YAML parse error: bad indentation" },
      { file: "vendor-link", message: "symlink points outside the scan root (/opt/x): not followed", kind: "notice" },
    ],
    summary: {
      bySeverity: { info: 0, low: 0, medium: 0, high: 1, critical: 1 },
      byConcern: { "socket-mount": 1, "host-path": 1 },
      total: 2,
      suppressed: 2,
      errors: 1,
      filesScanned: 7,
      failOn: "high",
      failed: true,
    },
  };
}

/** An audit finding: a live container, no file. */
export const auditSocket: Finding = {
  ...socket,
  message: "Bind-mounts /run/docker.sock.",
  location: { container: { id: "0123456789abcdef0123", name: "portainer", state: "running" }, host: "node1" },
  object: "container portainer",
  host: "node1",
  fingerprint: "eeee5555",
};

export function auditReport(): Report {
  return {
    version: 1,
    tool: { name: "sockwarden", version: "0.1.0" },
    kind: "audit",
    findings: [auditSocket],
    errors: [{ file: "container 9f8e7d", message: "inspect failed: no such container", host: "node1" }],
    summary: {
      bySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 1 },
      byConcern: { "socket-mount": 1 },
      total: 1,
      suppressed: 0,
      errors: 1,
      containersAudited: 4,
      failOn: "high",
      failed: true,
    },
  };
}
