import { test } from "node:test";
import assert from "node:assert/strict";
import { parseGroup, parsePasswd, parseProcNetTcp, whoCanOpen, parseDockerdArgs, parseDaemonJson } from "../../src/audit/host.js";
import { decodeCaps, mountPoints } from "../../src/audit/inside.js";
import { stateFromDisk } from "../../src/audit/fromdisk.js";
import { localVolumeHostPath } from "../../src/engine/workload.js";
import { workloadFromInspect } from "../../src/audit/inspect.js";

test("who can open a socket: root, the owner with w, the group's members and primary-group users with g+w, everyone with o+w", () => {
  const users = parsePasswd("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:999::/home/bob:/bin/sh\ncarol:x:1002:1002::/:/bin/sh\n");
  const groups = parseGroup("root:x:0:\ndocker:x:999:alice\ncarol:x:1002:\n");
  // root:docker 0660 → root, alice (member), bob (primary group 999).
  assert.deepEqual(whoCanOpen({ uid: 0, gid: 999, mode: 0o660 }, users, groups).users.sort(), ["alice", "bob", "root"]);
  // 0600: only root (the owner).
  assert.deepEqual(whoCanOpen({ uid: 0, gid: 999, mode: 0o600 }, users, groups).users, ["root"]);
  // 0666: everyone.
  assert.deepEqual(whoCanOpen({ uid: 0, gid: 999, mode: 0o666 }, users, groups), { users: ["everyone"], everyone: true });
  // Owned by carol, 0600 → root and carol.
  assert.deepEqual(whoCanOpen({ uid: 1002, gid: 1002, mode: 0o600 }, users, groups).users.sort(), ["carol", "root"]);
});

test("/proc/net/tcp LISTEN lines decode to address and port (little-endian hex)", () => {
  const v4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:094F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 100 0 0 10 0
   2: 0100007F:094F 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0`;
  // 0x094F = 2383; 0100007F = 127.0.0.1; 0x0016 = 22 on 0.0.0.0; the ESTABLISHED (01) line is not a listener.
  assert.deepEqual(parseProcNetTcp(v4, false), [
    { address: "127.0.0.1", port: 2383, inode: 12345 },
    { address: "0.0.0.0", port: 22, inode: 222 },
  ]);
  const v6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0`;
  // ::1 port 0x0947 = 2375; ::ffff:127.0.0.1 is shown as 127.0.0.1.
  assert.deepEqual(parseProcNetTcp(v6, true), [
    { address: "::1", port: 2375, inode: 444 },
    { address: "127.0.0.1", port: 2375, inode: 555 },
  ]);
});

test("dockerd flags and daemon.json: hosts, TLS, userns-remap, authorization plugins, config file", () => {
  const c = parseDockerdArgs(["/usr/bin/dockerd", "-H", "fd://", "--host=tcp://0.0.0.0:2375", "-Hunix:///run/x.sock", "--tlsverify", "--userns-remap=default", "--authorization-plugin", "opa", "--config-file", "/etc/d.json"]);
  assert.deepEqual(c.hosts, ["fd://", "tcp://0.0.0.0:2375", "unix:///run/x.sock"]);
  assert.equal(c.tlsverify, true);
  assert.equal(c.usernsRemap, "default");
  assert.deepEqual(c.authorizationPlugins, ["opa"]);
  assert.equal(c.configFile, "/etc/d.json");
  const j = parseDaemonJson('{"hosts":["tcp://127.0.0.1:2375"],"tls":true,"userns-remap":"x"}', "/etc/docker/daemon.json");
  assert.deepEqual(j.hosts, ["tcp://127.0.0.1:2375"]);
  assert.equal(j.tls, true);
  assert.equal(j.tlsverify, undefined);
});

test("capabilities decode from CapEff hex (Docker's default set and SYS_ADMIN)", () => {
  // 0xa80425fb is Docker's default bounding set.
  assert.deepEqual(decodeCaps("00000000a80425fb"), ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "NET_BIND_SERVICE", "NET_RAW", "SYS_CHROOT", "MKNOD", "AUDIT_WRITE", "SETFCAP"]);
  assert.deepEqual(decodeCaps("0000000000200000"), ["SYS_ADMIN"]);
  assert.deepEqual(decodeCaps("0000000000000000"), []);
});

test("mountinfo mount points decode octal escapes", () => {
  assert.deepEqual(mountPoints("36 35 98:0 /sock /run/my\\040sock rw - ext4 /dev/root rw\n"), ["/run/my sock"]);
});

test("container state from the daemon's stored flags", () => {
  assert.equal(stateFromDisk({ Running: true }), "running");
  assert.equal(stateFromDisk({ Running: true, Paused: true }), "paused");
  assert.equal(stateFromDisk({ Running: false, StartedAt: "0001-01-01T00:00:00Z" }), "created");
  assert.equal(stateFromDisk({ Running: false, StartedAt: "2026-11-28T21:00:00Z" }), "exited");
  assert.equal(stateFromDisk({ Dead: true, StartedAt: "2026-11-28T21:00:00Z" }), "dead");
});

test("named volume options: local bind devices expose a host path; nfs, tmpfs and other drivers do not", () => {
  assert.equal(localVolumeHostPath("local", { type: "none", o: "bind", device: "/run" }), "/run");
  assert.equal(localVolumeHostPath("local", { type: "nfs", o: "addr=10.0.0.1", device: ":/export" }), undefined);
  assert.equal(localVolumeHostPath("local", { type: "tmpfs", device: "tmpfs" }), undefined);
  assert.equal(localVolumeHostPath("rexray", { device: "/run" }), undefined);
  assert.equal(localVolumeHostPath("local", {}), undefined);
});

test("inspect → Workload: every field the rules read, env values dropped except DOCKER_HOST & co", () => {
  const w = workloadFromInspect(
    {
      Id: "abc123",
      Name: "/web",
      State: { Status: "running", StartedAt: "2026-11-28T20:00:00Z" },
      Image: "sha256:1",
      Config: { Image: "nginx:1", User: "1000:1000", Env: ["DOCKER_HOST=tcp://h:2375", "PASSWORD=hunter2"], Labels: { team: "a" } },
      HostConfig: { Privileged: true, CapAdd: ["SYS_ADMIN"], GroupAdd: ["999"], Devices: [{ PathOnHost: "/dev/sda", PathInContainer: "/dev/sda" }], PidMode: "host", NetworkMode: "container:db", CgroupnsMode: "host", SecurityOpt: ["seccomp:unconfined"], MaskedPaths: [] },
      Mounts: [{ Type: "bind", Source: "/var/run/docker.sock", Destination: "/s", RW: false }, { Type: "volume", Name: "data", Source: "/var/lib/docker/volumes/data/_data", Destination: "/d", Driver: "local", RW: true }],
    },
    { cgroupV1: true },
  );
  assert.equal(w.source.object, "container:web");
  assert.deepEqual(w.source.container, { id: "abc123", name: "web", state: "running" });
  assert.equal(w.image?.value, "nginx:1");
  assert.equal(w.user?.value, "1000:1000");
  assert.equal(w.privileged?.value, true);
  assert.deepEqual(w.capAdd.map((c) => c.value), ["SYS_ADMIN"]);
  assert.deepEqual(w.groups.map((c) => c.value), ["999"]);
  assert.deepEqual(w.devices.map((c) => c.value), ["/dev/sda"]);
  assert.equal(w.namespaces.pid?.value.mode, "host");
  assert.deepEqual(w.namespaces.network?.value, { mode: "container", ref: "db", raw: "container:db" });
  // cgroup v1: the daemon's default `host` cgroupns is not the user's choice.
  assert.equal(w.namespaces.cgroupns, undefined);
  assert.deepEqual(w.securityOpt.map((s) => s.value), ["seccomp=unconfined", "systempaths=unconfined"]);
  assert.deepEqual(w.env.map((e) => e.value), [{ name: "DOCKER_HOST", value: "tcp://h:2375" }, { name: "PASSWORD" }]);
  assert.deepEqual(w.mounts[0], { type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock", readOnly: true, target: "/s" });
  assert.deepEqual(w.mounts[1], { type: "volume", source: "data", readOnly: false, driver: "local", target: "/d" });
  assert.equal(w.facts?.startedAt, "2026-11-28T20:00:00Z");
});

test("systemd ExecStart: drop-ins override, an empty ExecStart= resets, line continuations join", async () => {
  const { execStartOf } = await import("../../src/audit/host.js");
  const unit = "[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n";
  const drop = "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// \\\n  -H tcp://0.0.0.0:2375\n";
  assert.equal(execStartOf([unit]), "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock");
  assert.equal(execStartOf([unit, drop]), "/usr/bin/dockerd -H fd://    -H tcp://0.0.0.0:2375");
  assert.equal(execStartOf([unit, "[Service]\nExecStart=\n"]), undefined);
});

test("the daemon's own label=disable on privileged / host-pid containers is not reported as the user's choice", () => {
  const w = workloadFromInspect({ Id: "x", Name: "/p", HostConfig: { PidMode: "host", SecurityOpt: ["label=disable"] } });
  assert.deepEqual(w.securityOpt, []);
  const v = workloadFromInspect({ Id: "y", Name: "/q", HostConfig: { SecurityOpt: ["label=disable"] } });
  assert.deepEqual(v.securityOpt.map((s) => s.value), ["label=disable"]);
});
