import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { scan } from "../../src/scan/index.js";
import { ruleMetas } from "../../src/rules/index.js";
import { renderSarif } from "../../src/report/sarif.js";
import { renderJson } from "../../src/report/json.js";
import { renderText } from "../../src/report/text.js";
import { valid } from "./sarif-schema.js";

// The reporters over a real report: the real rule catalog and the real pipeline on
// examples/monitoring/node-agent.yaml, a DaemonSet with hostPID: true (line 15), a hostPath
// /var/run (line 32: the directory that holds the runtime sockets) and a hostPath /proc (line 35).
const dir = fileURLToPath(new URL("../../examples/monitoring", import.meta.url));

test("real scan → SARIF: valid, every rule of the catalog described, each result pointing at its rule", async () => {
  const report = await scan(dir);
  const log = renderSarif(report, ruleMetas());
  valid(log);
  const run = log.runs[0] as any;
  const ids = run.tool.driver.rules.map((r: any) => r.id);
  assert.deepEqual(ids, ruleMetas().map((m) => m.id)); // nothing synthesized: every finding's rule is in the catalog
  for (const r of run.tool.driver.rules) {
    assert.match(r.help.markdown, /docs\/rules\.md#[a-z0-9-]+\)/, r.id);
    assert.match(r.properties["security-severity"], /^\d+\.\d$/, r.id);
  }
  for (const res of run.results) assert.equal(ids[res.ruleIndex], res.ruleId);
  const at = (rule: string) =>
    run.results.filter((x: any) => x.ruleId === rule).map((x: any) => [x.locations[0].physicalLocation.artifactLocation.uri, x.locations[0].physicalLocation.region.startLine]);
  assert.deepEqual(at("runtime-socket-mount"), [["node-agent.yaml", 32]]);
  assert.deepEqual(at("host-namespace"), [["node-agent.yaml", 15]]);
  assert.deepEqual(at("sensitive-host-path"), [["node-agent.yaml", 35]]);
});

test("real scan → JSON and text: the same findings, the gate failed (socket mount, deny, high)", async () => {
  const report = await scan(dir);
  const json = JSON.parse(renderJson(report));
  assert.deepEqual(
    json.findings.map((f: any) => [f.rule, f.location.line]),
    [["host-namespace", 15], ["runtime-socket-mount", 32], ["sensitive-host-path", 35]],
  );
  assert.equal(json.summary.failed, true);
  const text = renderText(report, { color: false });
  assert.ok(text.startsWith("node-agent.yaml\nnode-agent.yaml:15:"), text.slice(0, 80));
  assert.match(text, /^node-agent\.yaml:32:\d+  high  socket-mount  Container runtime socket mounted into a container$/m);
  assert.match(text, /Gate \(--fail-on high\): failed/);
});
