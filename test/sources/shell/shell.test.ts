import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { shellSource } from "../../../src/sources/shell/index.js";
import { socketExposure } from "../../../src/model/hostpath.js";
import type { SourceContext, SourceFile } from "../../../src/sources/types.js";

const FIX = fileURLToPath(new URL("../../fixtures/shell/", import.meta.url));
const ctx: SourceContext = { readFile: () => undefined, exists: () => false };
function load(rel: string): SourceFile {
  return { path: rel, text: readFileSync(FIX + rel, "latin1") };
}
function run(rel: string) {
  const f = load(rel);
  assert.equal(shellSource.detect(f), true, `${rel} is detected`);
  return shellSource.extract(f, ctx);
}

test("deploy.sh: continued docker run, podman in $(…), DOCKER_HOST export, $SOCK resolved", () => {
  const r = run("deploy.sh");
  assert.equal(r.errors.length, 0);
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["docker run (line 13)", "podman run (line 19)", "docker run (line 23)"]);
  const [proxy, pod, last] = r.workloads;
  assert.equal(proxy!.source.door, "shell");
  assert.equal(proxy!.source.file, "deploy.sh");
  assert.deepEqual(proxy!.privileged, { value: true, at: { line: 14, column: 3 } });
  assert.equal(proxy!.mounts[0]!.hostPath, "/var/run/docker.sock");
  assert.equal(proxy!.mounts[0]!.readOnly, true);
  assert.deepEqual(proxy!.mounts[0]!.at, { line: 15, column: 6 });
  assert.deepEqual(proxy!.image, { value: "traefik:v3", at: { line: 17, column: 3 } });
  assert.equal(pod!.namespaces.pid?.value.mode, "host");
  assert.deepEqual(pod!.namespaces.pid?.at, { line: 19, column: 32 });
  assert.equal(last!.mounts[0]!.hostPath, "/var/run/docker.sock");
  assert.match(last!.mounts[0]!.uncertain!, /\$SOCK = \/var\/run\/docker.sock \(set on line 11\)/);
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls, e.role, e.at?.line]), [["tcp://10.1.2.3:2375", "off", "client", 21]]);
});

test("negatives.sh: comments, echo, heredoc, grep, printf, docker ps are not workloads; app.sock is no socket; TLS verify", () => {
  const r = run("negatives.sh");
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["docker run (line 19)", "docker run (line 21)"]);
  const [app, tmp] = r.workloads;
  assert.equal(app!.mounts[0]!.hostPath, "/var/run/app.sock");
  assert.equal(socketExposure(app!.mounts[0]!.hostPath!), undefined, "the app's own socket is not a runtime socket");
  assert.deepEqual(tmp!.mounts.map((m) => [m.type, m.hostPath]), [["tmpfs", undefined], ["tmpfs", undefined]]);
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls, e.at?.line]), [["tcp://build-host:2376", "verify", 23]]);
});

test("Makefile: recipe docker run with $(SOCK) from a make variable; comment and echo are not commands", () => {
  const r = run("Makefile");
  assert.equal(r.workloads.length, 1);
  const w = r.workloads[0]!;
  assert.equal(w.source.object, "docker run (line 10)");
  assert.equal(w.mounts[0]!.hostPath, "/var/run/docker.sock");
  assert.equal(w.mounts[0]!.at?.line, 11);
  assert.match(w.mounts[0]!.uncertain!, /make variable set on line 5/);
  assert.equal(w.image?.value, "app:dev");
});

test("Dockerfile: VOLUME binds nothing; RUN with a comment inside the continuation; ENV DOCKER_HOST", () => {
  const r = run("Dockerfile");
  assert.equal(r.workloads.length, 1, "only the RUN's docker run");
  assert.deepEqual(r.workloads[0]!.privileged?.at, { line: 11, column: 19 });
  assert.equal(r.workloads[0]!.mounts.length, 0, "VOLUME is not a bind");
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls, e.at?.line, e.at?.column]), [["tcp://docker:2375", "off", 6, 17]]);
});

test("a file without extension is shell by its shebang", () => {
  const r = run("bin/start");
  assert.equal(r.workloads.length, 1);
  assert.equal(r.workloads[0]!.namespaces.network?.value.mode, "host");
  assert.equal(r.workloads[0]!.image?.value, "nginx");
  assert.match(r.workloads[0]!.image!.uncertain!, /default/);
  assert.equal(shellSource.detect({ path: "bin/tool", text: "#!/usr/bin/python3\nprint(1)" }), false);
  assert.equal(shellSource.detect({ path: "README", text: "docker run" }), false);
});

test("binary content with a .sh name: one notice, no workloads", () => {
  const r = run("binary.sh");
  assert.equal(r.workloads.length, 0);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.kind, "notice");
  assert.match(r.errors[0]!.message, /binary/);
});

test("unterminated quote: an error with its line; what came before is still found", () => {
  const r = run("unterminated.sh");
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["docker run (line 4)"]);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.line, 5);
  assert.match(r.errors[0]!.message, /unterminated single quote/);
});

test("a 10 MB one-line script is read without blowing the stack", () => {
  // One line: a docker run, 10 MB of one word, another docker run.
  const big = "docker run -v /var/run/docker.sock:/s a; echo " + "x".repeat(10 * 1024 * 1024) + "; docker run --privileged b";
  const r = shellSource.extract({ path: "big.sh", text: big }, ctx);
  assert.deepEqual(r.workloads.map((w) => [w.image?.value, w.source.at?.line]), [["a", 1], ["b", 1]]);
  assert.equal(r.workloads[1]!.source.at?.column, big.length - "docker run --privileged b".length + 1);
  // 1 MB of back-to-back commands on one line: one workload each.
  const chunk = "docker run -v /var/run/docker.sock:/s img; ";
  const n = Math.ceil((1024 * 1024) / chunk.length);
  const r1 = shellSource.extract({ path: "dense.sh", text: chunk.repeat(n) }, ctx);
  assert.equal(r1.workloads.length, n);
  assert.equal(r1.workloads[1]!.source.at?.column, chunk.length + 1);
  // 10 MB inside an unterminated quote: reported, not hung.
  const r2 = shellSource.extract({ path: "one.sh", text: `docker run "${"x".repeat(10 * 1024 * 1024)}` }, ctx);
  assert.equal(r2.errors.length, 1, "the unterminated quote is reported");
  assert.match(r2.errors[0]!.message, /unterminated double quote/);
});

test("negatives.sh judged by the shared rules: no findings at all", async () => {
  const { evaluate } = await import("../../../src/rules/evaluate.js");
  const { defaultPolicy } = await import("../../../src/policy/types.js");
  const r = run("negatives.sh");
  const findings = evaluate({ workloads: r.workloads, endpoints: r.endpoints ?? [] }, defaultPolicy());
  assert.deepEqual(findings.map((f) => `${f.rule} ${f.location.line}`), []);
});
