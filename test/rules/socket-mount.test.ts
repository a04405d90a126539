import { test } from "node:test";
import assert from "node:assert/strict";
import { runtimeSocketMount } from "../../src/rules/socket-mount.js";
import { wl, bind, ctx } from "./helpers.js";

test("docker.sock bind in a root container is critical, at the mount's position", () => {
  const hits = runtimeSocketMount.check(wl({ mounts: [bind("/var/run/docker.sock", "/var/run/docker.sock")] }), ctx);
  assert.equal(hits.length, 1);
  assert.equal(hits[0]!.severity, "critical"); // no user set: the image's default, root
  assert.deepEqual(hits[0]!.at, { line: 5, column: 9 });
  assert.match(hits[0]!.message, /docker socket/);
});

test(":ro does not lower severity and the message says why", () => {
  const [h] = runtimeSocketMount.check(wl({ mounts: [bind("/var/run/docker.sock", "/s", true)] }), ctx);
  assert.equal(h!.severity, "critical");
  assert.match(h!.message, /read-only, which does not help/);
});

test("a non-root user keeps it high, not lower", () => {
  const [h] = runtimeSocketMount.check(wl({ user: { value: "1000:1000" }, mounts: [bind("/run/containerd/containerd.sock")] }), ctx);
  assert.equal(h!.severity, "high");
  assert.match(h!.message, /non-root/);
  const [k] = runtimeSocketMount.check(wl({ runAsNonRoot: { value: true }, mounts: [bind("/var/run/docker.sock")] }), ctx);
  assert.equal(k!.severity, "high");
  const [r] = runtimeSocketMount.check(wl({ runAsUser: { value: 0 }, runAsNonRoot: { value: true }, mounts: [bind("/var/run/docker.sock")] }), ctx);
  assert.equal(r!.severity, "critical"); // runAsUser: 0 is root whatever runAsNonRoot says (the kubelet would refuse it, but the spec asks for root)
});

test("parent directories hand over every socket under them", () => {
  for (const p of ["/", "/var", "/run", "/var/run", "//var/run/", "/run/containerd"]) {
    const hits = runtimeSocketMount.check(wl({ mounts: [bind(p)] }), ctx);
    assert.equal(hits.length, 1, p);
    assert.match(hits[0]!.message, /that directory holds/, p);
  }
});

test("named volume with driver_opts binding a host dir is resolved through hostPath", () => {
  const m = { type: "volume" as const, source: "dockerdir", hostPath: "/var/run", target: "/h", readOnly: false, via: "named volume `dockerdir` (driver_opts device=/var/run)" };
  const [h] = runtimeSocketMount.check(wl({ mounts: [m] }), ctx);
  assert.match(h!.message, /via named volume `dockerdir`/);
});

test("look-alikes: app socket, named volume without host path, tmpfs at /var/run", () => {
  const mounts = [
    bind("/var/run/app.sock"),
    { type: "volume" as const, source: "php_socket", target: "/var/run/php", readOnly: false },
    { type: "tmpfs" as const, target: "/var/run", readOnly: false },
  ];
  assert.deepEqual(runtimeSocketMount.check(wl({ mounts }), ctx), []);
});

test("audit facts: socket the user can open is critical; cannot open is high; empty dir named docker.sock is low; dormant is high", () => {
  const sock = { path: "/run/docker.sock", uid: 0, gid: 998, mode: 0o660 };
  const resolved = { realPath: "/run/docker.sock", kind: "socket" as const, sockets: [sock] };
  const audit = (patch: Parameters<typeof wl>[0]) =>
    wl({ source: { door: "audit", object: "container:x", container: { id: "abc", name: "x", state: "running" } }, ...patch });
  const withGroup = audit({ user: { value: "1000" }, groups: [{ value: "998" }], mounts: [bind("/var/run/docker.sock", "/s", false, { resolved })] });
  assert.equal(runtimeSocketMount.check(withGroup, ctx)[0]!.severity, "critical"); // group 998 has rw on the socket
  const without = audit({ user: { value: "1000" }, mounts: [bind("/var/run/docker.sock", "/s", false, { resolved })] });
  assert.equal(runtimeSocketMount.check(without, ctx)[0]!.severity, "high");
  const emptyDir = audit({ mounts: [bind("/var/run/docker.sock", "/s", false, { resolved: { realPath: "/run/docker.sock", kind: "directory" } })] });
  assert.equal(runtimeSocketMount.check(emptyDir, ctx)[0]!.severity, "low");
  const dormant = wl({ source: { door: "audit", object: "container:y", container: { id: "d", name: "y", state: "exited" } }, mounts: [bind("/var/run/docker.sock", "/s", false, { resolved })] });
  assert.equal(runtimeSocketMount.check(dormant, ctx)[0]!.severity, "high");
});

test("an unresolved source mounted at a socket path is reported as uncertain; a named volume there is not", () => {
  const unresolved = { type: "unknown" as const, source: "${SOCK}", target: "/var/run/docker.sock", readOnly: false, uncertain: "${SOCK} is not set in .env" };
  const [h] = runtimeSocketMount.check(wl({ mounts: [unresolved] }), ctx);
  assert.equal(h!.severity, "high");
  assert.equal(h!.uncertain, "${SOCK} is not set in .env");
  const named = { type: "volume" as const, source: "sockvol", target: "/var/run/docker.sock", readOnly: false };
  assert.deepEqual(runtimeSocketMount.check(wl({ mounts: [named] }), ctx), []);
});
