import { test } from "node:test";
import assert from "node:assert/strict";
import { extractFixture, extractText, service, at } from "./helpers.js";

const p = (line: number, column: number) => ({ line, column });

test("service fields: user, groups, privileged, caps, devices, cgroup rules, security_opt, tmpfs, use_api_socket (fixtures/compose/fields)", () => {
  const r = extractFixture("fields/docker-compose.yml");
  assert.deepEqual(r.errors, []);
  const ops = service(r.workloads, "ops");
  assert.equal(ops.role, "container");
  assert.equal(at(ops.source.at), "18:3");
  assert.deepEqual(ops.image, { value: "ops/toolbox:1", at: p(19, 12) });
  assert.deepEqual(ops.user, { value: "root", at: p(20, 11) });
  assert.deepEqual(ops.groups, [{ value: "docker", at: p(22, 9) }, { value: "998", at: p(23, 9) }]);
  assert.deepEqual(ops.privileged, { value: true, at: p(24, 17) });
  assert.deepEqual(ops.capAdd, [{ value: "SYS_ADMIN", at: p(26, 9) }, { value: "NET_ADMIN", at: p(27, 9) }, { value: "ALL", at: p(28, 9) }]);
  assert.deepEqual(ops.capDrop, [{ value: "ALL", at: p(29, 16) }]);
  assert.deepEqual(ops.devices, [
    { value: "/dev/sda", at: p(31, 9) },
    { value: "/dev/fuse", at: p(32, 9) },
    { value: "/dev/kvm", at: p(33, 17) },
    { value: "nvidia.com/gpu=all", at: p(35, 9) },
  ]);
  assert.deepEqual(ops.deviceCgroupRules, [{ value: "c 1:3 mr", at: p(37, 9) }]);
  assert.deepEqual(ops.securityOpt, [
    { value: "seccomp=unconfined", at: p(39, 9) },
    { value: "apparmor=unconfined", at: p(40, 9) },
    { value: "label=disable", at: p(41, 9) },
    { value: "systempaths=unconfined", at: p(42, 9) },
    { value: "no-new-privileges=true", at: p(43, 9) },
    { value: "label=type:svirt_apache_t", at: p(44, 9) },
  ]);
  assert.deepEqual(ops.mounts, [
    { type: "tmpfs", target: "/var/run", readOnly: false, at: p(46, 9) },
    { type: "tmpfs", target: "/tmp", readOnly: false, at: p(47, 9) },
    { type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false, via: "use_api_socket", at: p(48, 21) },
  ]);
  const plain = service(r.workloads, "plain");
  assert.equal(at(plain.source.at), "49:3");
  assert.deepEqual(plain.user, { value: "1000:1000", at: p(51, 11) });
  assert.deepEqual(plain.privileged, { value: false, at: p(52, 17) });
  assert.deepEqual(plain.mounts, []);
});

test("namespaces: host, container/service joins with their ref, private, none (fixtures/compose/namespaces)", () => {
  const r = extractFixture("namespaces/compose.yml");
  assert.deepEqual(r.errors, []);
  const mon = service(r.workloads, "monitor");
  assert.equal(at(mon.source.at), "8:3");
  assert.deepEqual(mon.namespaces, {
    pid: { value: { mode: "host", raw: "host" }, at: p(10, 10) },
    network: { value: { mode: "host", raw: "host" }, at: p(11, 19) },
    ipc: { value: { mode: "container", ref: "shm-owner", raw: "container:shm-owner" }, at: p(12, 10) },
    userns: { value: { mode: "host", raw: "host" }, at: p(13, 18) },
    cgroupns: { value: { mode: "host", raw: "host" }, at: p(14, 13) },
    uts: { value: { mode: "host", raw: "host" }, at: p(15, 10) },
  });
  const side = service(r.workloads, "sidecar");
  assert.equal(at(side.source.at), "16:3");
  assert.deepEqual(side.namespaces, {
    pid: { value: { mode: "service", ref: "monitor", raw: "service:monitor" }, at: p(18, 10) },
    network: { value: { mode: "service", ref: "monitor", raw: "service:monitor" }, at: p(19, 19) },
    ipc: { value: { mode: "private", raw: "shareable" }, at: p(20, 10) },
    cgroupns: { value: { mode: "private", raw: "private" }, at: p(21, 13) },
  });
  const iso = service(r.workloads, "isolated");
  assert.equal(at(iso.source.at), "22:3");
  assert.deepEqual(iso.namespaces, { network: { value: { mode: "none", raw: "none" }, at: p(24, 19) } });
});

test("environment (list, map, env_file) keeps only DOCKER_HOST-like values; labels both forms (fixtures/compose/environment)", () => {
  const r = extractFixture("environment/compose.yml");
  assert.deepEqual(r.errors, []);
  const ci = service(r.workloads, "ci");
  assert.deepEqual(ci.env, [
    { value: { name: "CI_SECRET" }, at: p(16, 9) },
    { value: { name: "DOCKER_HOST", value: "tcp://dind:2375" }, at: p(20, 9) },
    { value: { name: "DOCKER_TLS_CERTDIR", value: "" }, at: p(21, 9) },
    { value: { name: "API_TOKEN" }, at: p(22, 9) },
    { value: { name: "PASSTHROUGH" }, at: p(23, 9) },
  ]);
  const app = service(r.workloads, "app");
  assert.deepEqual(app.env, [
    { value: { name: "DOCKER_HOST", value: "unix:///var/run/docker.sock" }, at: p(27, 20) },
    { value: { name: "DB_PASSWORD" }, at: p(28, 20) },
    { value: { name: "FROM_HOST" }, at: p(29, 7) },
  ]);
  assert.deepEqual(app.labels, { "traefik.enable": "true", "com.example.flag": "" });
  assert.deepEqual(service(r.workloads, "web").labels, { "sockwarden.io/owner": "platform", replicas: "3" });
  const all = JSON.stringify(r);
  for (const secret of ["supersecret-not-to-be-stored", "hunter2-not-to-be-stored", "abc-not-to-be-stored"]) assert.ok(!all.includes(secret), secret);
});

test("dind: role from the image, published 2375/2376 as a fact, daemon listeners as endpoints (fixtures/compose/dind)", () => {
  const r = extractFixture("dind/compose.yml");
  assert.deepEqual(r.errors, []);
  const d = service(r.workloads, "docker");
  assert.equal(d.role, "dind");
  assert.equal(at(d.source.at), "13:3");
  assert.deepEqual(d.privileged, { value: true, at: p(15, 17) });
  assert.deepEqual(d.env.map((e) => e.value), [{ name: "DOCKER_TLS_CERTDIR", value: "" }]);
  assert.deepEqual(d.facts, { published: true, publishedAt: p(19, 9) });
  const b = service(r.workloads, "builder");
  assert.deepEqual([b.role, b.facts, at(b.source.at)], ["dind", undefined, "20:3"]);
  const t = service(r.workloads, "tls");
  assert.deepEqual([t.role, t.facts, at(t.source.at)], ["dind", { published: true, publishedAt: p(27, 9) }, "24:3"]);
  const c = service(r.workloads, "cli");
  assert.deepEqual([c.role, c.facts, at(c.source.at)], ["container", undefined, "29:3"]);
  assert.equal(service(r.workloads, "raw").role, "container");
  const F = "dind/compose.yml";
  const L = "listener" as const;
  assert.deepEqual(r.endpoints, [
    { file: F, object: "service docker", address: "tcp://0.0.0.0:2375", tls: "off", role: L, at: p(17, 27) },
    { file: F, object: "service builder", address: "tcp://0.0.0.0:2376", tls: "verify", role: L, at: p(21, 12) },
    { file: F, object: "service tls", address: "tcp://0.0.0.0:2376", tls: "verify", role: L, at: p(25, 12) },
    { file: F, object: "service raw", address: "tcp://0.0.0.0:2375", tls: "off", role: L, at: p(35, 14) },
    { file: F, object: "service custom", address: "tcp://0.0.0.0:2375", tls: "off", role: L, at: p(39, 9) },
    { file: F, object: "service custom", address: "tcp://0.0.0.0:2377", tls: "off", role: L, at: p(40, 15) },
  ]);
});

test("a service with no settings (`web:`) is still a workload; a service that is not a map is an error", () => {
  const r = extractText("services:\n  web:\n  bad: just-a-string\n  ok:\n    privileged: yes\n");
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["service web", "service ok"]);
  // YAML 1.2 reads `yes` as a string; compose-go casts it to true.
  assert.deepEqual(r.workloads[1]!.privileged, { value: true, at: p(5, 17) });
  assert.deepEqual(r.errors.map((e) => [e.file, e.line]), [["docker-compose.yml", 3]]);
  assert.match(r.errors[0]!.message, /`bad` is not a mapping/);
});

test("unresolved booleans and namespaces: privileged/use_api_socket assume the worst case, uncertain; a namespace is `other`", () => {
  const r = extractText("services:\n  a:\n    privileged: ${PRIV}\n    pid: ${PID_MODE}\n    use_api_socket: ${API}\n  b:\n    privileged: ${PRIV:-false}\n");
  assert.deepEqual(r.errors, []);
  const a = r.workloads[0]!;
  assert.equal(a.privileged?.value, true);
  assert.deepEqual(a.privileged?.at, p(3, 17));
  assert.match(a.privileged?.uncertain ?? "", /`\$\{PRIV\}` is not set in \.env.*assuming true/);
  assert.deepEqual(a.namespaces.pid?.value, { mode: "other", raw: "${PID_MODE}" });
  assert.match(a.namespaces.pid?.uncertain ?? "", /PID_MODE/);
  assert.deepEqual([a.mounts[0]!.hostPath, a.mounts[0]!.via, a.mounts[0]!.at], ["/var/run/docker.sock", "use_api_socket", p(5, 21)]);
  assert.match(a.mounts[0]!.uncertain ?? "", /assuming true/);
  // A default resolves deterministically: false, and certain.
  assert.deepEqual(r.workloads[1]!.privileged, { value: false, at: p(7, 17) });
});
