/** `sockwarden k8s policy|manifests` and `webhook install-manifests` through the built CLI. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const BIN = fileURLToPath(new URL("../../bin/sockwarden.js", import.meta.url));
function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 32 << 20 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}
const kinds = (text: string) => parseAllDocuments(text).map((d) => (d.toJS() as { kind?: string } | null)?.kind).filter(Boolean);

test("k8s policy: each format prints its objects", async () => {
  const vap = await run(["k8s", "policy", "--format", "vap"]);
  assert.equal(vap.code, 0, vap.stderr);
  assert.ok(kinds(vap.stdout).includes("ValidatingAdmissionPolicy"));
  assert.ok(kinds(vap.stdout).includes("ValidatingAdmissionPolicyBinding"));
  const ky = await run(["k8s", "policy", "--format", "kyverno"]);
  assert.deepEqual(kinds(ky.stdout), ["ClusterPolicy"]);
  const gk = await run(["k8s", "policy", "--format", "gatekeeper"]);
  assert.ok(kinds(gk.stdout).includes("ConstraintTemplate"));
  assert.equal((await run(["k8s", "policy", "--format", "opa"])).code, 2);
});

test("webhook install-manifests: the webhook configuration fails closed; bad names are usage errors", async () => {
  const r = await run(["webhook", "install-manifests", "--namespace", "sw", "--service", "sw-hook"]);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>);
  const vwc = docs.find((d) => d?.kind === "ValidatingWebhookConfiguration")!;
  assert.equal(vwc.webhooks[0].failurePolicy, "Fail");
  assert.equal(vwc.webhooks[0].sideEffects, "None");
  assert.equal(vwc.webhooks[0].clientConfig.service.name, "sw-hook");
  assert.equal((await run(["webhook", "install-manifests", "--namespace", "Bad_NS"])).code, 2);
});

test("k8s manifests: the node audit DaemonSet mounts state read-only and never a socket", async () => {
  const r = await run(["k8s", "manifests"]);
  assert.equal(r.code, 0);
  const ds = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>).find((d) => d?.kind === "DaemonSet")!;
  const paths: string[] = ds.spec.template.spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path);
  assert.ok(paths.length > 0);
  for (const p of paths) assert.doesNotMatch(p, /\.sock$|^\/(var\/)?run\/?$/);
});
