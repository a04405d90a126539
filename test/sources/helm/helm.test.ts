import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHelmSource, chartDirOf, HELM_UNCERTAIN } from "../../../src/sources/helm/index.js";
import { renderChart, findHelm, splitRendered } from "../../../src/sources/helm/render.js";
import { readTemplate, evalAction, UNRESOLVED } from "../../../src/sources/helm/template.js";
import { parseYamlDocuments, toY } from "../../../src/sources/yamldoc.js";
import { FIXTURES, dirContext } from "../terraform/helpers.js";

// No helm binary here (and none is installed for CI): `helmBin: null` says so explicitly, so the
// tests never depend on what PATH holds. The rendering path is covered up to the binary itself.
const noHelm = createHelmSource({ helmBin: null });
const read = (rel: string) => readFileSync(join(FIXTURES, rel), "utf8");
const extract = (src = noHelm, rel = "helm/agent/templates/daemonset.yaml") => src.extract({ path: rel, text: read(rel) }, dirContext(FIXTURES));

test("detect: YAML under a templates/ folder that holds template actions; helpers (.tpl) and plain YAML are not ours", () => {
  assert.equal(noHelm.detect({ path: "charts/a/templates/x.yaml", text: "a: {{ .Values.b }}" }), true);
  assert.equal(noHelm.detect({ path: "templates/x.yml", text: "a: {{ .Values.b }}" }), true);
  assert.equal(noHelm.detect({ path: "charts/a/templates/_helpers.tpl", text: "{{ define }}" }), false);
  assert.equal(noHelm.detect({ path: "k8s/deploy.yaml", text: "a: {{ x }}" }), false);
  assert.equal(chartDirOf("charts/a/templates/sub/x.yaml"), "charts/a");
  assert.equal(chartDirOf("templates/x.yaml"), "");
});

test("without helm: values.yaml lookups, control lines dropped, template line numbers kept, every value uncertain (agent/templates/daemonset.yaml)", () => {
  const r = extract();
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1);
  const w = r.workloads[0]!;
  assert.equal(w.source.object, `DaemonSet default/${UNRESOLVED} container agent`);
  assert.equal(w.source.file, "helm/agent/templates/daemonset.yaml");
  assert.deepEqual([w.image?.value, w.image?.at?.line, w.image?.uncertain], ["example/agent:latest", 22, HELM_UNCERTAIN]);
  assert.deepEqual([w.privileged?.value, w.privileged?.at?.line, w.privileged?.uncertain], [true, 24, HELM_UNCERTAIN]);
  assert.equal(w.mounts.length, 1);
  assert.deepEqual([w.mounts[0]!.hostPath, w.mounts[0]!.target, w.mounts[0]!.at?.line, w.mounts[0]!.uncertain], ["/var/run/docker.sock", "/var/run/docker.sock", 35, HELM_UNCERTAIN]);
  assert.deepEqual([w.namespaces.pid?.value.mode, w.namespaces.pid?.at?.line, w.namespaces.pid?.uncertain], ["host", 18, HELM_UNCERTAIN]);
});

test("a template only helm can read is a notice, not a crash (agent/templates/broken.yaml)", () => {
  const r = extract(noHelm, "helm/agent/templates/broken.yaml");
  assert.equal(r.workloads.length, 0);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.kind, "notice");
  assert.equal(r.errors[0]!.line, 5);
  assert.match(r.errors[0]!.message, /could not be read without helm/);
});

test("a templates/ folder without a Chart.yaml is not a chart (notachart/templates/pod.yaml)", () => {
  const r = extract(noHelm, "helm/notachart/templates/pod.yaml");
  assert.deepEqual(r, { workloads: [], errors: [] });
});

test("a helm binary that is not there: renderChart says so; the source falls back to reading, with a notice", () => {
  const missing = join(FIXTURES, "helm", "no-such-helm-binary");
  const rr = renderChart(missing, join(FIXTURES, "helm", "agent"));
  assert.equal(rr.ok, false);
  assert.match(rr.ok ? "" : rr.error, /helm binary not found at .*no-such-helm-binary/);
  const src = createHelmSource({ helmBin: missing, rootDir: FIXTURES });
  const r = extract(src);
  assert.equal(r.workloads.length, 1, "best-effort reading still happens");
  assert.equal(r.workloads[0]!.privileged?.uncertain, HELM_UNCERTAIN);
  assert.deepEqual(r.errors.map((e) => [e.kind, /helm binary not found/.test(e.message)]), [["notice", true]]);
});

test("findHelm: looks only at PATH entries, finds nothing in a PATH without helm", () => {
  assert.equal(findHelm(join(FIXTURES, "helm")), undefined);
  assert.equal(findHelm(""), undefined);
});

test("helm output is split per template by its `# Source:` comments", () => {
  const out = "---\n# Source: agent/templates/a.yaml\nkind: Pod\n---\n# Source: agent/templates/b.yaml\nkind: Service\n";
  const m = splitRendered(out);
  assert.deepEqual([...m.keys()], ["templates/a.yaml", "templates/b.yaml"]);
  assert.equal(m.get("templates/a.yaml")?.trim(), "kind: Pod");
});

test("template reader: actions, pipes and defaults", () => {
  const d = parseYamlDocuments("a:\n  b: x\nn: 3\n")[0]!;
  const values = toY(d.doc, d.doc.contents, d.lineCounter);
  const ctx = { values, chartName: "c" };
  assert.equal(evalAction(".Values.a.b", ctx), "x");
  assert.equal(evalAction(".Values.a.b | quote", ctx), '"x"');
  assert.equal(evalAction(".Values.missing | default \"d\"", ctx), "d");
  assert.equal(evalAction('default "d" .Values.a.b', ctx), "x");
  assert.equal(evalAction(".Values.n", ctx), "3");
  assert.equal(evalAction(".Chart.Name", ctx), "c");
  assert.equal(evalAction("include \"x\" .", ctx), UNRESOLVED);
  assert.equal(evalAction(".Values.a", ctx), '{"b":"x"}', "a map is inlined as flow YAML");
  const t = readTemplate("a: 1\n{{- if x }}\nb: {{ .Values.a.b }}\n{{/* note\nmore */}}\n{{ end }}\n", ctx);
  assert.equal(t, "a: 1\n\nb: x\n\n\n\n", "one output line per input line");
});

test("the scan root can come from the SourceContext (ctx.root): rendering is attempted, then falls back", () => {
  const missing = join(FIXTURES, "helm", "no-such-helm-binary");
  const src = createHelmSource({ helmBin: missing });
  const rel = "helm/agent/templates/daemonset.yaml";
  const withRoot = src.extract({ path: rel, text: read(rel) }, { ...dirContext(FIXTURES), root: FIXTURES });
  assert.ok(withRoot.errors.some((e) => e.kind === "notice" && /helm binary not found/.test(e.message)));
  const withoutRoot = createHelmSource({ helmBin: missing }).extract({ path: rel, text: read(rel) }, dirContext(FIXTURES));
  assert.deepEqual(withoutRoot.errors, [], "no root on disk: helm is not tried");
  assert.equal(withoutRoot.workloads.length, 1);
});

test("without helm: `toYaml .Values.x | nindent N` and `with` blocks carry values.yaml's maps onto the template line (agent/templates/pod.yaml)", () => {
  const r = extract(noHelm, "helm/agent/templates/pod.yaml");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1);
  const w = r.workloads[0]!;
  assert.equal(w.source.object, "Pod default/release-name-debug container debug");
  assert.deepEqual([w.privileged?.value, w.privileged?.at?.line, w.privileged?.uncertain], [true, 13, HELM_UNCERTAIN]);
  assert.deepEqual(w.capAdd.map((c) => [c.value, c.at?.line]), [["SYS_ADMIN", 13]]);
  assert.deepEqual([w.namespaces.network?.value.mode, w.namespaces.network?.at?.line], ["host", 15]);
});
