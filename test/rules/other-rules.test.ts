import { test } from "node:test";
import assert from "node:assert/strict";
import { privilegedContainer } from "../../src/rules/privileged.js";
import { hostNamespace } from "../../src/rules/host-namespace.js";
import { sensitiveHostPath } from "../../src/rules/host-path.js";
import { dangerousCapability } from "../../src/rules/capabilities.js";
import { hostDevice } from "../../src/rules/devices.js";
import { confinementDisabled } from "../../src/rules/security-opt.js";
import { daemonTcpClient, daemonTcpListener } from "../../src/rules/daemon-tcp.js";
import { wl, bind, ctx } from "./helpers.js";

test("privileged: root critical, non-root high, false nothing", () => {
  assert.equal(privilegedContainer.check(wl({ privileged: { value: true, at: { line: 4, column: 17 } } }), ctx)[0]!.severity, "critical");
  assert.equal(privilegedContainer.check(wl({ privileged: { value: true }, user: { value: "app" } }), ctx)[0]!.severity, "high");
  assert.deepEqual(privilegedContainer.check(wl({ privileged: { value: false } }), ctx), []);
  assert.match(privilegedContainer.check(wl({ role: "init", privileged: { value: true } }), ctx)[0]!.message, /init container/);
});

test("host namespaces: host modes only; container:/service: joins are not host exposure", () => {
  const w = wl({
    namespaces: {
      pid: { value: { mode: "host", raw: "pid: host" } },
      network: { value: { mode: "container", ref: "db", raw: "network_mode: container:db" } },
      ipc: { value: { mode: "service", ref: "x", raw: "ipc: service:x" } },
      uts: { value: { mode: "host", raw: "uts: host" } },
    },
  });
  const hits = hostNamespace.check(w, ctx);
  assert.deepEqual(hits.map((h) => [h.key, h.severity]), [["pid", "high"], ["uts", "low"]]);
});

test("host paths: sensitive dirs by level and writability, ordinary data dirs and sockets are not", () => {
  const hits = sensitiveHostPath.check(
    wl({ mounts: [bind("/", "/host"), bind("/etc", "/e", true), bind("/var/log", "/l", true), bind("/srv/app"), bind("/var/run/docker.sock"), bind("/etc/localtime", "/etc/localtime", true)] }),
    ctx,
  );
  // / writable: critical; /etc read-only: critical→high; /var/log ro: medium→low; the rest: nothing.
  assert.deepEqual(hits.map((h) => [h.key, h.severity]), [["/:rw", "critical"], ["/etc:ro", "high"], ["/var/log:ro", "low"]]);
  const allowed = sensitiveHostPath.check(wl({ mounts: [bind("/var/log/app", "/l", true)] }), { ...ctx, allow: { ...ctx.allow, hostPaths: ["/var/log"] } });
  assert.deepEqual(allowed, []);
});

test("capabilities: dangerous ones, normalized, allow-list honoured, harmless ones ignored", () => {
  const w = wl({ capAdd: [{ value: "cap_sys_admin" }, { value: "NET_BIND_SERVICE" }, { value: "NET_RAW" }, { value: "SYS_PTRACE" }, { value: "AUDIT_CONTROL" }, { value: "ALL" }] });
  assert.deepEqual(dangerousCapability.check(w, ctx).map((h) => [h.key, h.severity]), [["SYS_ADMIN", "critical"], ["SYS_PTRACE", "high"], ["ALL", "critical"]]);
  const allow = { ...ctx, allow: { ...ctx.allow, capabilities: ["CAP_SYS_PTRACE"] } };
  assert.deepEqual(dangerousCapability.check(w, allow).map((h) => h.key), ["SYS_ADMIN", "ALL"]);
});

test("devices and device cgroup rules", () => {
  const w = wl({ devices: [{ value: "/dev/sda" }, { value: "/dev/fuse" }, { value: "/dev/mem" }], deviceCgroupRules: [{ value: "a *:* rwm" }, { value: "c 189:* rmw" }] });
  assert.deepEqual(hostDevice.check(w, ctx).map((h) => h.severity), ["high", "low", "critical", "high", "medium"]);
});

test("confinement: each unconfined option, both separators and case", () => {
  const w = wl({ securityOpt: [{ value: "seccomp=unconfined" }, { value: "apparmor:unconfined" }, { value: "label=disable" }, { value: "systempaths=unconfined" }, { value: "procMount=Unmasked" }, { value: "no-new-privileges:true" }] });
  assert.deepEqual(confinementDisabled.check(w, ctx).map((h) => h.severity), ["medium", "medium", "medium", "high", "high"]);
});

test("DOCKER_HOST over TCP without TLS; not with TLS verify; not when it is a sibling socket proxy", () => {
  const env = (v: string, extra: { name: string; value: string }[] = []) => [{ value: { name: "DOCKER_HOST", value: v } }, ...extra.map((e) => ({ value: e }))];
  assert.equal(daemonTcpClient.check(wl({ env: env("tcp://docker:2375") }), ctx)[0]!.severity, "medium");
  assert.deepEqual(daemonTcpClient.check(wl({ env: env("tcp://docker:2376", [{ name: "DOCKER_TLS_VERIFY", value: "1" }]) }), ctx), []);
  assert.deepEqual(daemonTcpClient.check(wl({ env: env("unix:///var/run/docker.sock") }), ctx), []);
  const proxy = wl({ source: { door: "compose", file: "compose.yml", object: "service socket-proxy" }, image: { value: "tecnativa/docker-socket-proxy:latest" } });
  assert.deepEqual(daemonTcpClient.check(wl({ env: env("tcp://socket-proxy:2375") }), { ...ctx, siblings: [proxy] }), []);
  // Host network + loopback daemon: the host's own API is reachable.
  const hostNet = wl({ env: env("tcp://127.0.0.1:2375"), namespaces: { network: { value: { mode: "host", raw: "network_mode: host" } } } });
  assert.equal(daemonTcpClient.check(hostNet, ctx)[0]!.severity, "critical");
});

test("daemon listeners: 0.0.0.0 without TLS critical, loopback high, --tlsverify nothing, unix nothing", () => {
  const ep = (address: string, tls: "verify" | "no-verify" | "off" | "unknown") => ({ file: "daemon.json", object: "daemon", address, tls, role: "listener" as const });
  assert.equal(daemonTcpListener.check(ep("tcp://0.0.0.0:2375", "off"), ctx)[0]!.severity, "critical");
  assert.equal(daemonTcpListener.check(ep("tcp://127.0.0.1:2375", "off"), ctx)[0]!.severity, "high");
  assert.equal(daemonTcpListener.check(ep("tcp://0.0.0.0:2376", "no-verify"), ctx)[0]!.severity, "critical");
  assert.deepEqual(daemonTcpListener.check(ep("tcp://0.0.0.0:2376", "verify"), ctx), []);
  assert.deepEqual(daemonTcpListener.check(ep("unix:///var/run/docker.sock", "off"), ctx), []);
  assert.deepEqual(daemonTcpListener.check(ep("fd://", "off"), ctx), []);
});
