import { test } from "node:test";
import assert from "node:assert/strict";
import { validate, valid } from "./sarif-schema.js";
import { renderSarif, fileUri } from "../../src/report/sarif.js";
import { scanReport, auditReport, RULES, DOCS } from "./sample.js";

test("the validator itself rejects a broken log (so a pass means something)", () => {
  assert.equal(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] }), false); // driver.name missing
  assert.equal(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ message: { text: "m" }, level: "fatal" }] }] }), false);
  assert.equal(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ message: { text: "m" }, locations: [{ physicalLocation: { artifactLocation: { uri: "a b" } } }] }] }] }), false);
});

test("SARIF of a scan validates against the OASIS 2.1.0 schema and carries what GitHub reads", () => {
  const log = renderSarif(scanReport(), RULES);
  valid(log);
  assert.equal(log.version, "2.1.0");
  assert.match(log.$schema, /sarif-schema-2\.1\.0\.json$/);
  const run = log.runs[0] as any;
  const driver = run.tool.driver;
  assert.equal(driver.name, "sockwarden");
  assert.equal(driver.version, "0.1.0");
  assert.match(driver.informationUri, /^https:\/\//);

  // Rule table: the three given rules in order, then privileged-container synthesized from its
  // finding (it was not in the table handed in).
  assert.deepEqual(driver.rules.map((r: any) => r.id), ["runtime-socket-mount", "sensitive-host-path", "dangerous-capability", "privileged-container"]);
  const socketRule = driver.rules[0];
  assert.equal(socketRule.name, "RuntimeSocketMount");
  assert.equal(socketRule.shortDescription.text, "Container runtime socket mounted into a container");
  assert.equal(socketRule.fullDescription.text, "Whoever can connect to the socket is root on the host.");
  assert.ok(socketRule.help.text.includes("Remove the mount or put a filtering proxy in front of it."));
  assert.ok(socketRule.help.markdown.includes(`(${DOCS}#runtime-socket-mount)`));
  assert.ok(socketRule.help.markdown.includes("docs/rules.md#runtime-socket-mount"));
  assert.deepEqual(socketRule.defaultConfiguration, { level: "error" });
  // critical → "9.5", a numeric string (GitHub: > 9.0 is critical).
  assert.equal(socketRule.properties["security-severity"], "9.5");
  assert.deepEqual(socketRule.properties.tags, ["security", "socket-mount"]);
  assert.equal(socketRule.properties.precision, "high");
  // dangerous-capability defaults to medium: level warning, score "5.5".
  assert.deepEqual(driver.rules[2].defaultConfiguration, { level: "warning" });
  assert.equal(driver.rules[2].properties["security-severity"], "5.5");

  // Results, in the report's order: socket, capability, hostPath, privileged.
  const [rs, rc, rh, rp] = run.results;
  assert.equal(rs.ruleId, "runtime-socket-mount");
  assert.equal(rs.ruleIndex, 0);
  assert.equal(rs.level, "error");
  assert.equal(rs.message.text, "Mounts the docker socket /var/run/docker.sock at /var/run/docker.sock. It runs as root.");
  assert.deepEqual(rs.locations[0].physicalLocation, {
    artifactLocation: { uri: "deploy/traefik/compose.yml", uriBaseId: "%SRCROOT%" },
    region: { startLine: 12, startColumn: 9 },
  });
  assert.deepEqual(rs.partialFingerprints, { primaryLocationLineHash: "aaaa1111" });
  assert.equal(rs.suppressions, undefined);
  // hostPath: high but warn → level warning, not error.
  assert.equal(rh.ruleIndex, 1);
  assert.equal(rh.level, "warning");
  // capability: suppressed by a sockwarden.yaml exception → external.
  assert.equal(rc.ruleIndex, 2);
  assert.deepEqual(rc.suppressions.map((s: any) => [s.kind, s.status, s.justification]), [
    ["external", "accepted", "ingress reads events (owner platform-team, until 2027-03-31, at sockwarden.yaml:8)"],
  ]);
  // privileged: inline comment → inSource; its ruleIndex points at the synthesized descriptor.
  assert.equal(rp.ruleIndex, 3);
  assert.equal(rp.suppressions[0].kind, "inSource");
  assert.equal(rp.suppressions[0].justification, "dind for CI (at k8s/monitoring.yaml:39)");

  // Errors: one error and one notice, so the execution was not (fully) successful.
  const inv = run.invocations[0];
  assert.equal(inv.executionSuccessful, false);
  assert.deepEqual(
    inv.toolExecutionNotifications.map((n: any) => [n.level, n.message.text, n.locations[0].physicalLocation.artifactLocation.uri, n.locations[0].physicalLocation.region?.startLine]),
    [
      ["error", "YAML parse error: bad indentation", "broken.yml", 3],
      ["note", "symlink points outside the scan root (/opt/x): not followed", "vendor-link", undefined],
    ],
  );
});

test("SARIF without errors: executionSuccessful, no notifications; odd file names are encoded", () => {
  const r = scanReport();
  r.errors = [];
  r.findings = [{ ...r.findings[0]!, location: { file: "my dir/a#b%.yml", line: 1, column: 1 } }];
  const log = renderSarif(r, RULES);
  valid(log);
  const run = log.runs[0] as any;
  assert.deepEqual(run.invocations, [{ executionSuccessful: true }]);
  assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, "my%20dir/a%23b%25.yml");
  assert.equal(fileUri("a/b.yml"), "a/b.yml");
});

test("SARIF of an audit: a container finding gets a logical location and no physical one", () => {
  const log = renderSarif(auditReport(), RULES);
  valid(log);
  const res = (log.runs[0] as any).results[0];
  assert.deepEqual(res.locations, [{ logicalLocations: [{ fullyQualifiedName: "container portainer", kind: "resource" }] }]);
  assert.equal(res.properties.host, "node1");
  assert.deepEqual(res.properties.container, { id: "0123456789abcdef0123", name: "portainer", state: "running" });
  const n = (log.runs[0] as any).invocations[0].toolExecutionNotifications[0];
  assert.deepEqual(n.locations, [{ logicalLocations: [{ fullyQualifiedName: "node1: container 9f8e7d", kind: "resource" }] }]);
});
