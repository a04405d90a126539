/**
 * Property: no input makes an IaC/daemon source throw. Random text and random mixes of each
 * format's own tokens (braces, quotes, heredoc markers, template actions) go through detect and
 * extract; the result must always be a well-formed ExtractResult.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { terraformSource } from "../../../src/sources/terraform/index.js";
import { nomadSource } from "../../../src/sources/nomad/index.js";
import { ansibleSource } from "../../../src/sources/ansible/index.js";
import { daemonConfigSource } from "../../../src/sources/daemon/index.js";
import { createHelmSource } from "../../../src/sources/helm/index.js";
import { locateHcl } from "../../../src/sources/terraform/hcllocate.js";
import type { Source } from "../../../src/sources/types.js";

const files: Record<string, string> = { "c/Chart.yaml": "name: c\n", "c/values.yaml": "a: {b: 1}\n" };
const ctx = { readFile: (p: string) => files[p], exists: (p: string) => p in files };

const HCL_TOKENS = ['resource "docker_container" "x" {', "}", "{", "[", "]", "(", ")", "=", ",", '"', '"${', "${var.x}", "<<EOF\n", "EOF\n", "<<-EOT\n", "#", "//", "/*", "*/", "\n", " ", "volumes", "host_path", "privileged = true", 'job "j" {', 'group "g" {', 'task "t" {', 'driver = "docker"', "config {", "dynamic", "content", "\\", "%{", "\u0000"];
const YAML_TOKENS = ["- ", "docker_container:", "  ", "\n", "volumes:", "- /var/run/docker.sock:/x", "{{ .Values.a.b }}", "{{- if x }}", "{{ end }}", "&a", "*a", "<<: *a", "[", "]", "{", "}", '"', "'", ":", "block:", "privileged: yes", "kind: Pod", "spec:", "containers:", "hostPath:", "path: {{ .Values.p }}", "#", "\t"];
const UNIT_TOKENS = ["[Service]", "[Socket]", "[grpc]", "ExecStart=", "/usr/bin/dockerd", " -H ", "tcp://0.0.0.0:2375", "--tlsverify", "--tls=false", "\\\n", "\n", "'", '"', "ListenStream=", "2375", "DOCKER_OPTS=", "tcp_address = ", '{"hosts": [', "]}", ",", "="];

function check(source: Source, path: string, text: string): void {
  source.detect({ path, text });
  const r = source.extract({ path, text }, ctx);
  assert.ok(Array.isArray(r.workloads) && Array.isArray(r.errors), `${source.id}: malformed result`);
  for (const e of r.errors) assert.equal(typeof e.message, "string");
}

const mix = (tokens: string[]) => fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((a) => a.join(""));

test("HCL sources never throw (random text and token soup)", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), mix(HCL_TOKENS)), (text) => {
      locateHcl(text);
      check(terraformSource, "m.tf", text);
      check(nomadSource, "j.nomad", text);
    }),
    { numRuns: 300 },
  );
});

test("YAML sources (Ansible, Helm) never throw", () => {
  const helm = createHelmSource({ helmBin: null });
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), mix(YAML_TOKENS)), (text) => {
      check(ansibleSource, "site.yml", text);
      check(helm, "c/templates/x.yaml", text);
      check(nomadSource, "job.json", `{"Job":{"TaskGroups":[{"Tasks":[${text}]}]}}`);
    }),
    { numRuns: 300 },
  );
});

test("daemon configuration sources never throw", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 200 }), mix(UNIT_TOKENS)), fc.constantFrom("docker.service", "a/docker.service.d/x.conf", "docker.socket", "etc/default/docker", "daemon.json", "config.toml"), (text, path) => {
      check(daemonConfigSource, path, text);
    }),
    { numRuns: 400 },
  );
});
