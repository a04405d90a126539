/**
 * The generated documents themselves: VAP objects valid against the Kubernetes OpenAPI schema
 * (kubernetes-models); Kyverno and Gatekeeper documents parsed and checked field by field (no
 * npm package ships their CRD schemas); every CEL expression compiles with a real CEL
 * implementation; the lists come from the source modules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { parse } from "@marcbachmann/cel-js";
import { generatePolicy, POLICY_FORMATS } from "../../src/k8s/generate/index.js";
import { defaultPolicy, type Policy } from "../../src/policy/types.js";
import { RUNTIME_SOCKET_NAMES, SENSITIVE_HOST_DIRS } from "../../src/model/hostpath.js";
import { dangerousCapabilities } from "../../src/k8s/generate/facts.js";

type Obj = Record<string, any>;
const NOW = new Date("2026-11-28T12:00:00Z");
const docs = (p: Policy, f: (typeof POLICY_FORMATS)[number]) => parseAllDocuments(generatePolicy(p, f, { now: NOW })).map((d) => d.toJS() as Obj);

function policyWith(extra: Partial<Policy>): Policy {
  return { ...defaultPolicy(), ...extra };
}

const GLASS = policyWith({
  rules: { "host-path": "warn", "security-opt": "off" },
  webhook: { breakGlass: [{ namespace: "node-debug", reason: "on-call node debugging", owner: "sre", expires: "2027-01-31" }] },
  exceptions: [{ concern: "socket-mount", match: { namespace: "monitoring", name: "cadvisor" }, reason: "reads container stats", owner: "obs", expires: "2027-06-30", source: "sockwarden.yaml:9" }],
});

/** Every CEL expression in a document, wherever the format puts it. */
function celExpressions(d: Obj): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key?: string) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (key === "expression" && typeof v === "string") out.push(v);
  };
  walk(d);
  return out;
}

test("VAP: every object is valid against the Kubernetes OpenAPI schema; deny and warn bindings", async () => {
  const ds = docs(GLASS, "vap");
  assert.deepEqual(ds.map((d) => `${d.kind}/${d.metadata.name}`), [
    "ValidatingAdmissionPolicy/sockwarden-deny",
    "ValidatingAdmissionPolicyBinding/sockwarden-deny",
    "ValidatingAdmissionPolicy/sockwarden-warn",
    "ValidatingAdmissionPolicyBinding/sockwarden-warn",
  ]);
  for (const d of ds) {
    const mod = await import(`kubernetes-models/admissionregistration.k8s.io/v1/${d.kind}`);
    new mod[d.kind](d).validate();
  }
  assert.deepEqual(ds[1]!.spec.validationActions, ["Deny"]);
  assert.deepEqual(ds[3]!.spec.validationActions, ["Warn"]);
  const messages = (i: number) => (ds[i]!.spec.validations as Obj[]).map((v) => /\[([a-z-]+)\]/.exec(v.message)![1]);
  assert.deepEqual([...new Set(messages(0))], ["socket-mount", "privileged", "host-namespace", "capabilities"]);
  assert.deepEqual([...new Set(messages(2))], ["host-path"]);
  const rules = ds[0]!.spec.matchConstraints.resourceRules as Obj[];
  assert.ok(rules.some((r) => r.resources.includes("cronjobs") && r.apiGroups[0] === "batch"));
  assert.ok(rules.some((r) => r.resources.includes("pods/ephemeralcontainers")));
  assert.equal(ds[0]!.spec.failurePolicy, "Fail");
  assert.equal(ds[0]!.spec.matchConditions[0].expression, '!(request.namespace in ["node-debug"])');
});

test("Kyverno: a ClusterPolicy with an Enforce and an Audit CEL rule, explicit kinds, break-glass excluded", () => {
  const ds = docs(GLASS, "kyverno");
  assert.equal(ds.length, 1);
  const cp = ds[0]!;
  assert.equal(cp.apiVersion, "kyverno.io/v1");
  assert.equal(cp.kind, "ClusterPolicy");
  assert.equal(cp.metadata.annotations["pod-policies.kyverno.io/autogen-controllers"], "none");
  assert.equal(cp.spec.emitWarning, true);
  assert.deepEqual(cp.spec.rules.map((r: Obj) => [r.name, r.validate.failureAction]), [["sockwarden-deny", "Enforce"], ["sockwarden-warn", "Audit"]]);
  const kinds = cp.spec.rules[0].match.any[0].resources.kinds;
  for (const k of ["Pod", "Pod/ephemeralcontainers", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate"]) assert.ok(kinds.includes(k), k);
  assert.deepEqual(cp.spec.rules[0].exclude.any[0].resources.namespaces, ["kube-system", "node-debug"]);
  assert.deepEqual(cp.spec.rules[1].exclude.any[0].resources.namespaces, ["kube-system"], "break-glass lifts denials only; warnings stay");
  assert.ok(cp.spec.rules[0].validate.cel.expressions.length >= 5);
});

test("Gatekeeper: a ConstraintTemplate (K8sNativeValidation) and a Constraint per action", () => {
  const ds = docs(GLASS, "gatekeeper");
  assert.deepEqual(ds.map((d) => d.kind), ["ConstraintTemplate", "SockwardenDeny", "ConstraintTemplate", "SockwardenWarn"]);
  for (const [i, action] of [[0, "deny"], [2, "warn"]] as const) {
    const ct = ds[i]!;
    const c = ds[i + 1]!;
    assert.equal(ct.apiVersion, "templates.gatekeeper.sh/v1");
    assert.equal(ct.metadata.name, ct.spec.crd.spec.names.kind.toLowerCase(), "Gatekeeper requires name == lower-cased kind");
    assert.equal(c.kind, ct.spec.crd.spec.names.kind);
    assert.equal(c.apiVersion, "constraints.gatekeeper.sh/v1beta1");
    assert.equal(c.spec.enforcementAction, action);
    assert.equal(ct.spec.targets[0].target, "admission.k8s.gatekeeper.sh");
    assert.equal(ct.spec.targets[0].code[0].engine, "K8sNativeValidation");
    const groups = Object.fromEntries(c.spec.match.kinds.map((k: Obj) => [k.apiGroups[0], k.kinds]));
    assert.deepEqual(groups.batch, ["Job", "CronJob"]);
    assert.ok(groups[""].includes("Pod"));
  }
  assert.deepEqual(ds[1]!.spec.match.excludedNamespaces, ["kube-system", "node-debug"]);
});

test("every CEL expression of every format compiles with a real CEL implementation", () => {
  for (const f of POLICY_FORMATS) {
    const exprs = docs(GLASS, f).flatMap(celExpressions);
    assert.ok(exprs.length > 15, `${f}: ${exprs.length}`);
    for (const e of exprs) assert.doesNotThrow(() => parse(e), `${f}: ${e.slice(0, 80)}`);
  }
});

test("the lists come from the rule engine's modules; allow-lists and off concerns change the output", () => {
  const text = generatePolicy(defaultPolicy(), "vap", { now: NOW });
  for (const n of RUNTIME_SOCKET_NAMES) assert.ok(text.includes(JSON.stringify(n).slice(1, -1)), n);
  for (const d of SENSITIVE_HOST_DIRS) assert.ok(text.includes(`"${d}"`), d);
  const caps = dangerousCapabilities([]);
  for (const c of ["ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE"]) assert.ok(caps.includes(c), c);
  for (const c of ["NET_BIND_SERVICE", "CHOWN", "KILL"]) assert.ok(!caps.includes(c), c);
  assert.ok(!dangerousCapabilities(["cap_sys_admin"]).includes("SYS_ADMIN"), "allow.capabilities, normalized");
  const off = generatePolicy(policyWith({ rules: { privileged: "off" } }), "kyverno", { now: NOW });
  assert.doesNotMatch(off, /\[privileged\]/);
  assert.match(off, /\[socket-mount\]/);
  const allOff = policyWith({ rules: { "socket-mount": "off", privileged: "off", "host-namespace": "off", "host-path": "off", capabilities: "off", "security-opt": "off" } });
  for (const f of POLICY_FORMATS) assert.deepEqual(docs(allOff, f).filter((d) => d), [], f);
});

test("comments say what the target cannot do: exceptions not carried, no clock for expiry", () => {
  for (const f of POLICY_FORMATS) {
    const text = generatePolicy(GLASS, f, { now: NOW });
    assert.match(text, /Exceptions carried[^\n]*\n#?\s*- socket-mount \{"namespace":"monitoring","name":"cadvisor"\}/, f);
    assert.match(text, /CEL has no clock/, f);
    assert.match(text, /# break-glass: namespace node-debug: on-call node debugging \(owner sre, expires 2027-01-31\)/, f);
  }
  assert.throws(() => generatePolicy(defaultPolicy(), "opa" as never), /unknown policy format "opa"/);
});
