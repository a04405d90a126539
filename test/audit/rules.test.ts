/** The audit-only rules on hand-made facts (through the shared evaluate(), as every door calls it). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluate } from "../../src/rules/evaluate.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { emptyWorkload, type Workload } from "../../src/model/workload.js";
import { located } from "../../src/model/location.js";
import type { HostFacts } from "../../src/model/hostfacts.js";

const NOW = new Date("2026-11-28T22:00:00Z");
function container(name: string, state = "running"): Workload {
  const w = emptyWorkload({ door: "audit", object: `container:${name}`, container: { id: `id-${name}`, name, state }, host: "h1" });
  w.image = located("registry.example/app:1");
  w.facts = { imageId: "sha256:x", imageRepoDigests: ["registry.example/app@sha256:abc"] };
  return w;
}
function host(p: Partial<HostFacts>): HostFacts {
  return { host: "h1", sockets: [], listeners: [], daemon: [], events: [], persistence: [], ...p };
}

test("socket access: world-writable is critical; group members are high and named; root-only is silent", () => {
  const fs = evaluate({ workloads: [], hosts: [host({ sockets: [
    { path: "/run/docker.sock", runtime: "docker", uid: 0, gid: 999, mode: 0o666, owner: "root", group: "docker", openableBy: ["everyone"], worldWritable: true },
    { path: "/run/containerd/containerd.sock", runtime: "containerd", uid: 0, gid: 0, mode: 0o660, owner: "root", group: "root", openableBy: ["root"], worldWritable: false },
    { path: "/run/user/1000/docker.sock", runtime: "docker", uid: 1000, gid: 1000, mode: 0o660, owner: "alice", group: "alice", openableBy: ["root", "alice", "ci"], worldWritable: false },
  ] })] }, defaultPolicy(), { now: NOW });
  const acc = fs.filter((f) => f.concern === "socket-access");
  assert.deepEqual(acc.map((f) => [f.severity, f.object]), [["critical", "host"], ["high", "host"]]);
  assert.match(acc[0]!.message, /\/run\/docker\.sock \(root:docker 0666\) is world-writable/);
  assert.match(acc[1]!.message, /can be opened by alice, ci/);
});

test("image: never pulled, outside allow.images, or a miner name → one medium finding saying which; allowed or pulled images → none", () => {
  const ok = container("ok");
  const local = container("local");
  local.facts = { imageId: "sha256:y", imageRepoDigests: [] };
  const miner = container("m");
  miner.image = located("evil/xmrig:latest");
  // No allow-list: the local build is reported for provenance, the miner by name.
  const noList = evaluate({ workloads: [ok, local, miner] }, defaultPolicy(), { now: NOW }).filter((f) => f.concern === "image");
  assert.deepEqual(noList.map((f) => [f.object, f.severity]), [["container:local", "medium"], ["container:m", "medium"]]);
  assert.match(noList[0]!.message, /never pulled from a registry/);
  assert.equal(noList[1]!.message, "Runs image evil/xmrig:latest: its name matches a known cryptominer.");
  // With allow.images, an allowed image is accepted as it is (even a local build); others are named.
  const policy = defaultPolicy();
  policy.allow.images = ["registry.example/*"];
  const listed = evaluate({ workloads: [ok, local, miner] }, policy, { now: NOW }).filter((f) => f.concern === "image");
  assert.deepEqual(listed.map((f) => f.object), ["container:m"]);
  assert.match(listed[0]!.message, /known cryptominer; it is not in the policy's allow\.images/);
  // A file door's workload (no live image facts) is not judged by this rule.
  const fromFile = emptyWorkload({ door: "compose", object: "service x", file: "c.yml" });
  fromFile.image = located("evil/xmrig");
  assert.equal(evaluate({ workloads: [fromFile] }, policy, { now: NOW }).filter((f) => f.concern === "image").length, 0);
});

test("events: exec into a socket holder is medium; a container created and removed in the window is low (high for a miner image)", () => {
  const holder = container("holder");
  holder.mounts.push({ type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock", target: "/s", readOnly: false });
  const plain = container("plain");
  const t = 1_800_000_000;
  const fs = evaluate({ workloads: [holder, plain], hosts: [host({ events: [
    { time: t, type: "container", action: "exec_start: sh -c docker run --privileged", actor: "id-holder" },
    { time: t + 1, type: "container", action: "exec_start: ls", actor: "id-plain" },
    { time: t + 2, type: "container", action: "create", actor: "gone1", attributes: { name: "tmp", image: "alpine" } },
    { time: t + 9, type: "container", action: "destroy", actor: "gone1", attributes: { name: "tmp", image: "alpine" } },
    { time: t + 3, type: "container", action: "create", actor: "gone2", attributes: { name: "mm", image: "x/xmrig" } },
    { time: t + 4, type: "container", action: "destroy", actor: "gone2", attributes: { name: "mm", image: "x/xmrig" } },
  ] })] }, defaultPolicy(), { now: NOW }).filter((f) => f.concern === "event");
  const bySev = fs.map((f) => [f.severity, f.message.slice(0, 40)]).sort();
  assert.equal(fs.length, 3, JSON.stringify(bySev));
  assert.ok(fs.some((f) => f.severity === "medium" && /\(program sh\) inside container holder, which holds a runtime socket/.test(f.message)));
  // The rest of the command line may hold secrets: it is never in a finding.
  assert.ok(fs.every((f) => !/docker run|--privileged/.test(f.message)));
  assert.ok(fs.some((f) => f.severity === "low" && /Container tmp \(image alpine\)/.test(f.message)));
  assert.ok(fs.some((f) => f.severity === "high" && /cryptominer/.test(f.message)));
});

test("persistence: files changed after the first risky container started are indicators; earlier changes are not", () => {
  const risky = container("priv");
  risky.privileged = located(true);
  risky.facts = { ...risky.facts, startedAt: "2026-11-28T20:00:00Z" };
  const calm = container("calm");
  calm.facts = { ...calm.facts, startedAt: "2026-11-28T10:00:00Z" };
  const fs = evaluate({ workloads: [risky, calm], hosts: [host({ persistence: [
    { path: "/etc/cron.d/x", modified: Date.parse("2026-11-28T21:00:00Z"), why: "cron runs it as root" },
    { path: "/etc/sudoers", modified: Date.parse("2026-11-28T12:00:00Z"), why: "grants root through sudo" },
  ] })] }, defaultPolicy(), { now: NOW }).filter((f) => f.concern === "persistence");
  assert.equal(fs.length, 1);
  assert.equal(fs[0]!.severity, "medium");
  assert.match(fs[0]!.message, /\/etc\/cron\.d\/x .* after container priv \(which is privileged\)/);
  assert.match(fs[0]!.message, /not proof/);
});

test("API listener: any-address is critical, loopback high; a port that does not answer the API is silent", () => {
  const fs = evaluate({ workloads: [], hosts: [host({ listeners: [
    { address: "0.0.0.0", port: 2375, tls: false, answersDockerApi: true, process: "dockerd", pid: 10, source: "proc-net" },
    { address: "127.0.0.1", port: 2376, tls: false, answersDockerApi: true, process: "socat", pid: 11, source: "proc-net" },
    { address: "0.0.0.0", port: 22, tls: "unknown", answersDockerApi: false, source: "proc-net" },
  ] })] }, defaultPolicy(), { now: NOW }).filter((f) => f.rule === "docker-api-listener");
  assert.deepEqual(fs.map((f) => [f.severity, f.message.split(" ")[0]]).sort(), [["critical", "dockerd"], ["high", "socat"]]);
});

test("daemon config: -H tcp:// without tlsverify; --tls alone still counts; a plain listener already reported is not repeated", () => {
  const run = (daemon: HostFacts["daemon"], listeners: HostFacts["listeners"] = []) =>
    evaluate({ workloads: [], hosts: [host({ daemon, listeners })] }, defaultPolicy(), { now: NOW }).filter((f) => f.rule === "daemon-config-tcp");
  const a = run([{ hosts: ["fd://", "tcp://0.0.0.0:2375"], source: "dockerd (pid 1) flags" }]);
  assert.deepEqual(a.map((f) => f.severity), ["critical"]);
  assert.match(a[0]!.message, /sets -H tcp:\/\/0\.0\.0\.0:2375 without TLS/);
  const b = run([{ hosts: ["tcp://127.0.0.1:2376"], tls: true, source: "daemon.json" }]);
  assert.deepEqual(b.map((f) => f.severity), ["high"]);
  assert.match(b[0]!.message, /--tls without --tlsverify/);
  assert.equal(run([{ hosts: ["tcp://0.0.0.0:2376"], tls: true, tlsverify: true, source: "x" }]).length, 0);
  assert.equal(run([{ hosts: ["tcp://0.0.0.0:2375"], source: "x" }], [{ address: "0.0.0.0", port: 2375, tls: false, answersDockerApi: true, source: "proc-net" }]).length, 0);
});
