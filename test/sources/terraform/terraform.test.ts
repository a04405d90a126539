import { test } from "node:test";
import assert from "node:assert/strict";
import { terraformSource, MAX_HCL_BYTES } from "../../../src/sources/terraform/index.js";
import { locateHcl } from "../../../src/sources/terraform/hcllocate.js";
import { parseDiagnostics } from "../../../src/sources/terraform/hclparse.js";
import { byObject, extractFixture, noFiles } from "./helpers.js";

const tf = (rel: string) => extractFixture(terraformSource, `terraform/${rel}`);

test("detect: *.tf and *.tf.json (tfvars and plans are not resources)", () => {
  assert.equal(terraformSource.detect({ path: "infra/main.tf", text: "" }), true);
  assert.equal(terraformSource.detect({ path: "MAIN.TF", text: "" }), true);
  for (const p of ["terraform.tfvars", "plan.json", "main.tf.bak", "tf/README.md"]) assert.equal(terraformSource.detect({ path: p, text: "" }), false, p);
});

test("docker_container: socket bind, privileged, host namespaces, caps, devices, env, mounts (fixtures/terraform/docker-positive.tf)", () => {
  const r = tf("docker-positive.tf");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1);
  const w = byObject(r.workloads, "docker_container.ci");
  assert.equal(w.source.door, "iac");
  assert.equal(w.source.file, "terraform/docker-positive.tf");
  assert.deepEqual(w.source.at, { line: 8, column: 1 });
  assert.equal(w.image?.value, "docker:cli");
  assert.deepEqual(w.privileged, { value: true, at: { line: 9, column: 3 } });
  assert.equal(w.namespaces.pid?.value.mode, "host");
  assert.equal(w.namespaces.pid?.at?.line, 10);
  assert.equal(w.namespaces.network?.value.mode, "host");
  assert.equal(w.namespaces.network?.at?.line, 11);
  const sock = w.mounts.find((m) => m.hostPath === "/var/run/docker.sock");
  assert.ok(sock, "socket bind");
  assert.equal(sock.type, "bind");
  assert.equal(sock.readOnly, false);
  assert.equal(sock.target, "/var/run/docker.sock");
  assert.equal(sock.at?.line, 13);
  const root = w.mounts.find((m) => m.hostPath === "/");
  assert.ok(root, "mounts block bind of /");
  assert.equal(root.readOnly, true);
  assert.equal(root.target, "/host");
  assert.equal(root.at?.line, 19);
  assert.deepEqual(w.capAdd.map((c) => [c.value, c.at?.line]), [["SYS_ADMIN", 24]]);
  assert.deepEqual(w.capDrop.map((c) => [c.value, c.at?.line]), [["ALL", 25]]);
  assert.deepEqual(w.devices.map((d) => [d.value, d.at?.line]), [["/dev/fuse", 28]]);
  // DOCKER_HOST keeps its value (rules read it); SECRET_TOKEN's value is never stored.
  assert.deepEqual(w.env.map((e) => e.value), [{ name: "DOCKER_HOST", value: "tcp://127.0.0.1:2375" }, { name: "SECRET_TOKEN" }]);
  assert.ok(!JSON.stringify(r).includes("hunter2"), "a secret env value leaked into the result");
  assert.equal(w.user?.value, "root");
  assert.deepEqual(w.groups.map((g) => g.value), ["docker"]);
  assert.deepEqual(w.securityOpt.map((s) => s.value), ["seccomp=unconfined"]);
  assert.deepEqual(w.labels, { team: "ci" });
  assert.deepEqual(r.endpoints, [{ file: "terraform/docker-positive.tf", object: 'provider "docker"', address: "tcp://10.0.0.5:2375", tls: "off", role: "client", at: { line: 41, column: 3 } }]);
});

test("look-alikes: a php_socket named volume has no host path; /var/run/app.sock is a plain bind; provider with certs is tls verify (docker-negative.tf)", () => {
  const r = tf("docker-negative.tf");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, "docker_container.php");
  const named = w.mounts.find((m) => m.source === "php_socket");
  assert.ok(named);
  assert.equal(named.type, "volume");
  assert.equal(named.hostPath, undefined, "a named volume exposes no host path");
  const app = w.mounts.find((m) => m.target === "/app.sock");
  assert.equal(app?.hostPath, "/var/run/app.sock");
  assert.equal(app?.readOnly, true);
  assert.equal(w.privileged, undefined);
  assert.equal(w.namespaces.network?.value.mode, "private");
  assert.equal(r.endpoints?.length, 1);
  assert.equal(r.endpoints?.[0]?.tls, "verify");
  assert.equal(r.endpoints?.[0]?.address, "tcp://docker.internal:2376");
});

test("kubernetes provider resources go through the Kubernetes mapping (kubernetes.tf)", () => {
  const r = tf("kubernetes.tf");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map((w) => w.source.object).sort(), [
    "kubernetes_cron_job_v1.backup container b",
    "kubernetes_deployment_v1.agent container agent",
    "kubernetes_deployment_v1.agent container setup",
  ]);
  const agent = byObject(r.workloads, "kubernetes_deployment_v1.agent container agent");
  assert.equal(agent.source.door, "iac");
  assert.equal(agent.source.kind, "Deployment");
  assert.equal(agent.source.namespace, "ops");
  assert.equal(agent.role, "container");
  assert.deepEqual(agent.privileged, { value: true, at: { line: 24, column: 13 } });
  assert.deepEqual(agent.capAdd.map((c) => [c.value, c.at?.line]), [["NET_ADMIN", 26]]);
  assert.equal(agent.namespaces.pid?.value.mode, "host");
  assert.equal(agent.namespaces.pid?.at?.line, 15);
  assert.equal(agent.mounts.length, 1);
  assert.equal(agent.mounts[0]!.hostPath, "/var/run/docker.sock");
  assert.equal(agent.mounts[0]!.target, "/var/run/docker.sock");
  assert.equal(agent.mounts[0]!.at?.line, 33);
  const setup = byObject(r.workloads, "kubernetes_deployment_v1.agent container setup");
  assert.equal(setup.role, "init");
  assert.equal(setup.runAsUser?.value, 0);
  assert.equal(setup.runAsUser?.at?.line, 39);
  assert.equal(setup.mounts.length, 0);
  const b = byObject(r.workloads, "kubernetes_cron_job_v1.backup container b");
  assert.equal(b.source.kind, "CronJob");
  assert.deepEqual(b.mounts.map((m) => [m.hostPath, m.readOnly, m.at?.line]), [["/etc", true, 67]]);
});

test("attribute syntax (`container = [{…}]`, `security_context = {…}`) reads like blocks (attribute-syntax.tf)", () => {
  const r = tf("attribute-syntax.tf");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, "kubernetes_pod.attr container c");
  assert.equal(w.privileged?.value, true);
  assert.equal(w.privileged?.at?.line, 10);
  assert.deepEqual(w.mounts.map((m) => [m.hostPath, m.at?.line]), [["/run/containerd/containerd.sock", 15]]);
});

test("expressions: var defaults resolve (uncertain), locals stay as written (uncertain), unknown privileged is assumed on (variables.tf)", () => {
  const r = tf("variables.tf");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, "docker_container.v");
  const [a, b] = w.mounts;
  assert.equal(a?.hostPath, "/var/run/docker.sock");
  assert.equal(a?.at?.line, 13);
  assert.match(a?.uncertain ?? "", /default of var\.sock_path/);
  assert.equal(b?.hostPath, "${local.base}/data");
  assert.match(b?.uncertain ?? "", /unresolved Terraform expression `\$\{local\.base\}`/);
  assert.equal(w.privileged?.value, true);
  assert.match(w.privileged?.uncertain ?? "", /var\.priv/);
});

test("var defaults from a sibling variables.tf are used", () => {
  const files: Record<string, string> = { "mod/variables.tf": 'variable "p" {\n  default = "/run/docker.sock"\n}\n' };
  const ctx = { readFile: (rel: string) => files[rel], exists: (rel: string) => rel in files };
  const text = 'resource "docker_container" "a" {\n  image = "x"\n  volumes {\n    host_path = var.p\n    container_path = "/s"\n  }\n}\n';
  const r = terraformSource.extract({ path: "mod/main.tf", text }, ctx);
  assert.equal(r.workloads[0]?.mounts[0]?.hostPath, "/run/docker.sock");
  assert.match(r.workloads[0]?.mounts[0]?.uncertain ?? "", /default of var\.p/);
});

test("broken HCL: a clear error on the right line, no workloads, no throw (broken.tf)", () => {
  const r = tf("broken.tf");
  assert.equal(r.workloads.length, 0);
  assert.ok(r.errors.length >= 1);
  assert.equal(r.errors[0]!.line, 4);
  assert.match(r.errors[0]!.message, /^invalid HCL at line 4, column \d+: /);
  assert.equal(r.errors[0]!.file, "terraform/broken.tf");
  const lines = r.errors.map((e) => e.line);
  assert.equal(new Set(lines).size, lines.length, "one message per line");
});

test("bad input: unterminated heredoc and block, a 10 MB file, binary content with a .tf name: errors, never a throw", () => {
  const heredoc = terraformSource.extract({ path: "h.tf", text: 'locals {\n  x = <<EOF\nnever closed\n' }, noFiles);
  assert.equal(heredoc.workloads.length, 0);
  assert.ok(heredoc.errors.length > 0 && heredoc.errors[0]!.line !== undefined);
  const open = terraformSource.extract({ path: "o.tf", text: 'resource "docker_container" "x" {\n  image = "a"\n' }, noFiles);
  assert.ok(open.errors.length > 0);
  assert.match(open.errors[0]!.message, /invalid HCL at line \d+/);
  const big = terraformSource.extract({ path: "big.tf", text: `locals {\n  a = "${"x".repeat(10 * 1024 * 1024)}"\n}\n` }, noFiles);
  assert.equal(big.workloads.length, 0);
  assert.equal(big.errors.length, 1);
  assert.match(big.errors[0]!.message, new RegExp(`over the ${MAX_HCL_BYTES / 1048576} MB limit`));
  const bin = terraformSource.extract({ path: "bin.tf", text: "\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000{{{\"" }, noFiles);
  assert.equal(bin.workloads.length, 0);
  assert.match(bin.errors[0]!.message, /binary content/);
  const garbage = terraformSource.extract({ path: "g.tf", text: "\u00ff\u00fe%%%}}}]]\u0007" }, noFiles);
  assert.ok(garbage.errors.length > 0);
  assert.match(garbage.errors[0]!.message, /invalid HCL at line 1/);
});

test("locator: comments, heredocs and templates with braces do not shift positions", () => {
  const text = [
    '# a comment with { braces',
    'locals {',
    '  h = <<-EOT',
    '    { not a block',
    '    EOT',
    '  s = "${lookup(var.m, "}")}"',
    '  /* block { comment',
    '     } */',
    '}',
    'resource "docker_container" "z" {',
    '  privileged = true',
    '}',
  ].join("\n");
  const root = locateHcl(text);
  const res = root.entries.find((e) => e.key === "resource");
  assert.deepEqual(res?.labels, ["docker_container", "z"]);
  assert.deepEqual(res?.keyPos, { line: 10, column: 1 });
  const priv = res?.value.kind === "object" ? res.value.entries.find((e) => e.key === "privileged") : undefined;
  assert.deepEqual(priv?.keyPos, { line: 11, column: 3 });
  const r = terraformSource.extract({ path: "z.tf", text }, noFiles);
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads[0]?.privileged?.at?.line, 11);
});

test("parser diagnostics are split per message with their line and column", () => {
  const d = parseDiagnostics("parse config: [input.hcl:2,10-3,1: Invalid thing; Detail one. input.hcl:7,1-2: Other; Detail two.]");
  assert.deepEqual(d, [
    { line: 2, column: 10, message: "Invalid thing; Detail one." },
    { line: 7, column: 1, message: "Other; Detail two." },
  ]);
});

test("dynamic blocks: literal content is read and uncertain, iterator values stay as written (dynamic.tf)", () => {
  const r = tf("dynamic.tf");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, "docker_container.d");
  assert.deepEqual(
    w.mounts.map((m) => [m.hostPath, m.at?.line, m.uncertain === undefined ? "certain" : /dynamic/.test(m.uncertain) ? "dynamic" : /unresolved/.test(m.uncertain) ? "unresolved" : m.uncertain]),
    [
      ["/srv/data", 7, "certain"],
      ["/var/run/docker.sock", 13, "dynamic"],
      ["${volumes.value.host}", 20, "unresolved"],
    ],
  );
});

test("docker_service (Swarm): container_spec mounts, user, cap_add, env (swarm.tf)", () => {
  const r = tf("swarm.tf");
  assert.deepEqual(r.errors, []);
  const w = byObject(r.workloads, "docker_service.agent");
  assert.equal(w.image?.value, "portainer/agent");
  assert.deepEqual(w.mounts.map((m) => [m.type, m.hostPath, m.target, m.readOnly, m.at?.line]), [["bind", "/var/run/docker.sock", "/var/run/docker.sock", true, 11]]);
  assert.deepEqual([w.user?.value, w.user?.at?.line], ["root", 16]);
  assert.deepEqual(w.capAdd.map((c) => [c.value, c.at?.line]), [["NET_ADMIN", 17]]);
  assert.deepEqual(w.env.map((e) => e.value), [{ name: "DOCKER_HOST", value: "unix:///var/run/docker.sock" }, { name: "TOKEN" }]);
  assert.ok(!JSON.stringify(r).includes("abc123secret"));
});

test("Terraform JSON syntax (*.tf.json, CDKTF output): same mapping, JSON lines (cdk.tf.json)", () => {
  assert.equal(terraformSource.detect({ path: "cdktf.out/stacks/app/cdk.tf.json", text: "" }), true);
  const r = tf("cdk.tf.json");
  assert.deepEqual(r.errors, []);
  const d = byObject(r.workloads, "docker_container.runner");
  assert.deepEqual([d.privileged?.value, d.privileged?.at?.line], [true, 7]);
  assert.deepEqual(d.mounts.map((m) => [m.hostPath, m.target, m.at?.line]), [["/var/run/docker.sock", "/var/run/docker.sock", 11]]);
  const k = byObject(r.workloads, "kubernetes_pod_v1.p container c");
  assert.deepEqual([k.namespaces.pid?.value.mode, k.namespaces.pid?.at?.line], ["host", 24]);
  assert.equal(k.namespaces.network, undefined, "host_network: false");
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls, e.at?.line]), [["tcp://1.2.3.4:2375", "off", 32]]);
  const bad = terraformSource.extract({ path: "x.tf.json", text: '{\n  "resource": {\n' }, noFiles);
  assert.equal(bad.workloads.length, 0);
  assert.match(bad.errors[0]?.message ?? "", /^invalid JSON at line \d+/);
});

test("kubernetes_manifest: the API object in HCL; an expression manifest is a notice (manifest.tf)", () => {
  const r = tf("manifest.tf");
  const w = byObject(r.workloads, "kubernetes_manifest.ds container agent");
  assert.equal(w.source.kind, "DaemonSet");
  assert.equal(w.source.namespace, "kube-system");
  assert.deepEqual([w.namespaces.network?.value.mode, w.namespaces.network?.at?.line], ["host", 16]);
  assert.deepEqual(w.mounts.map((m) => [m.hostPath, m.target, m.at?.line]), [["/run/containerd", "/run/containerd", 25]]);
  assert.deepEqual(r.errors.map((e) => [e.kind, e.line, /kubernetes_manifest\.fromfile: the manifest is an expression/.test(e.message)]), [["notice", 34, true]]);
});
