import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeHostPath, socketExposure, hostPathSensitivity, isAllowedHostPath } from "../../src/model/hostpath.js";

test("normalization: //, /./, .., trailing slash and /var/run ≡ /run", () => {
  // Each expected value worked out by applying the kernel's lexical rules by hand.
  assert.equal(normalizeHostPath("//var/run/docker.sock"), "/run/docker.sock");
  assert.equal(normalizeHostPath("/var/run/../run/docker.sock/"), "/run/docker.sock");
  assert.equal(normalizeHostPath("/./var/./run//containerd/containerd.sock"), "/run/containerd/containerd.sock");
  assert.equal(normalizeHostPath("/../../etc"), "/etc"); // .. never climbs above /
  assert.equal(normalizeHostPath("/var/runner"), "/var/runner"); // only the whole segment "run" maps
  assert.equal(normalizeHostPath("./data/../x"), "x");
  assert.equal(normalizeHostPath("\\\\.\\pipe\\docker_engine"), "//./pipe/docker_engine");
});

test("runtime sockets: exact, renamed locations, and the name anywhere", () => {
  const cases: [string, string, "socket" | "parent"][] = [
    ["/var/run/docker.sock", "docker", "socket"],
    ["/run/containerd/containerd.sock", "containerd", "socket"],
    ["/var/run/crio/crio.sock", "cri-o", "socket"],
    ["/run/podman/podman.sock", "podman", "socket"],
    ["/run/user/1000/podman/podman.sock", "podman", "socket"],
    ["/run/buildkit/buildkitd.sock", "buildkit", "socket"],
    ["/run/cri-dockerd.sock", "cri-dockerd", "socket"],
    ["/home/me/.colima/default/docker.sock", "docker", "socket"], // name-based
    ["//./pipe/docker_engine", "docker", "socket"],
  ];
  for (const [p, runtime, relation] of cases) {
    const e = socketExposure(p);
    assert.ok(e, p);
    assert.equal(e.runtime, runtime, p);
    assert.equal(e.relation, relation, p);
  }
});

test("parents of runtime sockets: /, /var, /run, /var/run, /run/containerd, /run/user, /run/user/<uid>", () => {
  for (const p of ["/", "/var", "/run", "/var/run", "/var/run/", "/run/containerd", "/run/user", "/run/user/1000", "/run/crio",
    // dockerd that manages its own containerd keeps its socket at /run/docker/containerd/containerd.sock
    "/run/docker"]) {
    assert.equal(socketExposure(p)?.relation, "parent", p);
  }
  // /run holds the docker socket among others: the list names it.
  assert.ok(socketExposure("/run")!.reaches.includes("/run/docker.sock"));
  assert.ok(socketExposure("/run/user/1000")!.reaches.includes("/run/user/1000/docker.sock"));
});

test("look-alikes are not runtime sockets", () => {
  for (const p of ["/var/run/app.sock", "/run/php/php-fpm.sock", "/srv/data", "/var/runner", "/var/lib/docker", "data/docker.socket"]) {
    assert.equal(socketExposure(p), undefined, p);
  }
});

test("sensitive host paths and their levels", () => {
  assert.equal(hostPathSensitivity("/", false)?.level, "critical");
  assert.equal(hostPathSensitivity("/etc/ssh", false)?.matched, "/etc");
  assert.equal(hostPathSensitivity("/var/lib/kubelet/pods", true)?.matched, "/var/lib/kubelet");
  // /var/lib itself is "high", but it contains /var/lib/docker (critical): the contained one wins.
  assert.equal(hostPathSensitivity("/var/lib", false)?.level, "critical");
  assert.equal(hostPathSensitivity("/var/log", true)?.level, "medium");
  assert.equal(hostPathSensitivity("/mnt/data", false), undefined);
  assert.equal(hostPathSensitivity("/srv/app", false), undefined);
  assert.equal(hostPathSensitivity("/run/app.sock", false), undefined);
  // Routine read-only files are not findings; writable they are.
  assert.equal(hostPathSensitivity("/etc/localtime", true), undefined);
  assert.equal(hostPathSensitivity("/etc/localtime", false)?.matched, "/etc");
  assert.equal(hostPathSensitivity("relative/dir", false), undefined);
});

test("allow-list matching is directory-aware and normalized", () => {
  assert.equal(isAllowedHostPath("/srv/data/x", ["/srv/data"]), true);
  assert.equal(isAllowedHostPath("/srv/database", ["/srv/data"]), false);
  assert.equal(isAllowedHostPath("/srv/data/../../etc", ["/srv/data"]), false);
});
