/**
 * install-manifests and the node-audit DaemonSet: parsed, validated against the Kubernetes
 * OpenAPI schemas and cert-manager's CRD schemas (kubernetes-models' generated validators),
 * required fields checked by hand,
 * and scanned with sockwarden's own rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { installManifests, nodeAuditManifests, ManifestOptionError, NODE_AUDIT_HOST_PATHS } from "../../src/k8s/manifests.js";
import { extractKubernetes } from "../../src/sources/kubernetes/index.js";
import { evaluate } from "../../src/rules/evaluate.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { socketExposure } from "../../src/model/hostpath.js";

type Obj = Record<string, any>;
const docsOf = (y: string): Obj[] => parseAllDocuments(y).map((d) => d.toJS());

/** Validate an object against its schema: the Kubernetes OpenAPI schema shipped by
 *  kubernetes-models, or cert-manager's CRD schema from @kubernetes-models/cert-manager. */
async function validateCore(d: Obj): Promise<void> {
  const [g, v] = d.apiVersion.includes("/") ? d.apiVersion.split("/") : ["", d.apiVersion];
  const pkg = g === "cert-manager.io" ? "@kubernetes-models/cert-manager" : "kubernetes-models";
  const mod = await import(`${pkg}/${g ? `${g}/` : ""}${v}/${d.kind}`);
  new mod[d.kind](d).validate();
}

test("the schema validator used here rejects a broken object (so passing it means something)", async () => {
  await assert.rejects(validateCore({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { selector: 5, template: {} } }));
  await assert.rejects(validateCore({ apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name: "x" }, webhooks: [{ name: "a.b.c" }] }));
  await assert.rejects(validateCore({ apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "x" }, spec: { dnsNames: ["a"] } }), "secretName and issuerRef are required");
});

test("install-manifests (cert-manager): every object valid, webhook configuration as the API server requires, Deployment hardened", async () => {
  const docs = docsOf(installManifests({ namespace: "sockwarden", service: "sockwarden", policyText: "version: 1\nrules:\n  host-path: warn\n" }));
  assert.deepEqual(docs.map((d) => d.kind), ["Namespace", "ServiceAccount", "ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "Issuer", "Certificate", "ValidatingWebhookConfiguration"]);
  for (const d of docs) await validateCore(d);
  const by = (k: string) => docs.find((d) => d.kind === k)!;

  const vwc = by("ValidatingWebhookConfiguration");
  const wh = vwc.webhooks[0];
  assert.deepEqual(wh.admissionReviewVersions, ["v1"]);
  assert.equal(wh.sideEffects, "None");
  assert.equal(wh.failurePolicy, "Fail");
  assert.equal(wh.timeoutSeconds, 10);
  assert.deepEqual(wh.clientConfig.service, { namespace: "sockwarden", name: "sockwarden", path: "/validate", port: 443 });
  assert.deepEqual(wh.namespaceSelector.matchExpressions, [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["sockwarden", "kube-system"] }]);
  const resources = wh.rules.flatMap((r: Obj) => r.resources);
  for (const r of ["pods", "pods/ephemeralcontainers", "deployments", "statefulsets", "daemonsets", "replicasets", "replicationcontrollers", "jobs", "cronjobs", "podtemplates"]) assert.ok(resources.includes(r), r);
  for (const r of wh.rules) assert.deepEqual(r.operations, ["CREATE", "UPDATE"]);
  // The CA comes from the Certificate named in the annotation.
  const cert = by("Certificate");
  assert.equal(vwc.metadata.annotations["cert-manager.io/inject-ca-from"], `${cert.metadata.namespace}/${cert.metadata.name}`);
  assert.ok(cert.spec.dnsNames.includes("sockwarden.sockwarden.svc"), "the name the API server dials");
  assert.equal(cert.spec.issuerRef.name, by("Issuer").metadata.name);
  assert.equal(wh.clientConfig.caBundle, undefined);

  const dep = by("Deployment");
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  assert.deepEqual(c.args, ["webhook", "--listen", "0.0.0.0:8443", "--tls-cert", "/etc/sockwarden/tls/tls.crt", "--tls-key", "/etc/sockwarden/tls/tls.key", "--policy", "/etc/sockwarden/sockwarden.yaml"]);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.notEqual(pod.securityContext.runAsUser, 0);
  assert.equal(c.readinessProbe.httpGet.path, "/readyz");
  assert.equal(c.livenessProbe.httpGet.path, "/healthz");
  assert.equal(c.readinessProbe.httpGet.scheme, "HTTPS");
  // The files the args name are where the volumes put them.
  const policyMount = c.volumeMounts.find((m: Obj) => m.name === "policy");
  assert.equal(policyMount.mountPath, "/etc/sockwarden/sockwarden.yaml");
  const cm = by("ConfigMap");
  assert.equal(pod.volumes.find((v: Obj) => v.name === "policy").configMap.name, cm.metadata.name);
  assert.ok(cm.data[policyMount.subPath].includes("host-path: warn"));
  assert.equal(c.volumeMounts.find((m: Obj) => m.name === "tls").mountPath, "/etc/sockwarden/tls");
  assert.equal(pod.volumes.find((v: Obj) => v.name === "tls").secret.secretName, cert.spec.secretName);
  // The Service reaches the pods.
  const svc = by("Service");
  assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
  assert.equal(svc.spec.ports[0].port, 443);
  assert.equal(svc.spec.ports[0].targetPort, c.ports[0].name);
  for (const [k, v] of Object.entries(dep.spec.selector.matchLabels)) assert.equal(dep.spec.template.metadata.labels[k], v);
});

test("install-manifests --ca-bundle: the CA is embedded (base64 of the PEM), no cert-manager objects", () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-ca-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.crt"), "-days", "1", "-subj", "/CN=test-ca"], { stdio: "ignore" });
    const pem = readFileSync(join(dir, "ca.crt"), "utf8");
    const docs = docsOf(installManifests({ namespace: "guard", service: "sw", caBundle: pem, timeoutSeconds: 5 }));
    assert.ok(!docs.some((d) => d.apiVersion.startsWith("cert-manager.io/")));
    const vwc = docs.find((d) => d.kind === "ValidatingWebhookConfiguration")!;
    assert.equal(vwc.metadata.annotations, undefined);
    assert.equal(Buffer.from(vwc.webhooks[0].clientConfig.caBundle, "base64").toString("utf8").trim(), pem.trim());
    assert.equal(vwc.webhooks[0].timeoutSeconds, 5);
    assert.deepEqual(vwc.webhooks[0].namespaceSelector.matchExpressions[0].values, ["guard", "kube-system"]);
    assert.throws(() => installManifests({ namespace: "guard", service: "sw", caBundle: "not a certificate" }), ManifestOptionError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("install-manifests: bad names and timeouts are clear errors", () => {
  assert.throws(() => installManifests({ namespace: "Bad_NS", service: "sw" }), /--namespace "Bad_NS" is not a valid Kubernetes name/);
  assert.throws(() => installManifests({ namespace: "ok", service: "-x" }), /--service/);
  assert.throws(() => installManifests({ namespace: "ok", service: "sw", timeoutSeconds: 31 }), /1 to 30 seconds/);
  assert.throws(() => installManifests({ namespace: "ok", service: "sw", image: "evil image; rm -rf /" }), /not a valid image reference/);
});

test("install-manifests: sockwarden's own rules find nothing in the webhook Deployment", () => {
  const text = installManifests({ namespace: "sockwarden", service: "sockwarden" });
  const r = extractKubernetes({ path: "install.yaml", text });
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1);
  const findings = evaluate({ workloads: r.workloads }, defaultPolicy()).filter((f) => ["socket-mount", "privileged", "host-namespace", "host-path", "capabilities", "security-opt"].includes(f.concern));
  assert.deepEqual(findings.map((f) => f.rule), []);
});

test("deploy/node-audit.yaml is what nodeAuditManifests() generates, valid, read-only, and never mounts a socket (by sockwarden's own scan)", async () => {
  const committed = readFileSync(new URL("../../deploy/node-audit.yaml", import.meta.url), "utf8");
  assert.equal(committed, nodeAuditManifests(), "deploy/node-audit.yaml is stale: regenerate it with `sockwarden k8s manifests`");
  const docs = docsOf(committed);
  for (const d of docs) await validateCore(d);
  const ds = docs.find((d) => d.kind === "DaemonSet")!;
  const pod = ds.spec.template.spec;
  const c = pod.containers[0];
  assert.deepEqual(c.args, ["audit", "--from-disk", "/host", "--format", "json", "--interval", "1h"]);
  assert.ok(c.volumeMounts.length >= 2);
  for (const m of c.volumeMounts) assert.equal(m.readOnly, true, m.mountPath);
  assert.ok(pod.volumes.some((v: Obj) => v.hostPath?.path === "/var/lib/docker/containers"));
  assert.ok(pod.volumes.some((v: Obj) => v.hostPath?.path.startsWith("/run/containerd/")), "containerd's task state");
  for (const v of pod.volumes) assert.equal(socketExposure(v.hostPath.path), undefined, v.hostPath.path);
  assert.equal(pod.automountServiceAccountToken, false);

  // The scan: no socket-mount, nothing privileged, no host namespace. Host-path findings are
  // expected for the two paths under /var/lib/docker (a critical directory, read-only → high);
  // /run/containerd/io.containerd.runtime.v2.task is under no sensitive directory.
  const r = extractKubernetes({ path: "deploy/node-audit.yaml", text: committed });
  assert.deepEqual(r.errors, []);
  const findings = evaluate({ workloads: r.workloads }, defaultPolicy());
  for (const concern of ["socket-mount", "privileged", "host-namespace", "capabilities"]) assert.deepEqual(findings.filter((f) => f.concern === concern), [], concern);
  const hp = findings.filter((f) => f.concern === "host-path");
  assert.equal(hp.length, 2, hp.map((f) => f.message).join("\n"));
  assert.ok(hp.every((f) => f.severity === "high"));
  // The allow.hostPaths note in the file's comment covers them.
  const allow = [...committed.matchAll(/^#\s+- (\S+)\s+# node audit, read-only$/gm)].map((m) => m[1]!);
  assert.deepEqual(allow, NODE_AUDIT_HOST_PATHS.map(([p]) => p));
  const withAllow = { ...defaultPolicy(), allow: { hostPaths: allow, capabilities: [], images: [] } };
  assert.deepEqual(evaluate({ workloads: r.workloads }, withAllow).filter((f) => f.concern === "host-path"), []);
});
