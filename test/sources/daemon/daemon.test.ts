import { test } from "node:test";
import assert from "node:assert/strict";
import { daemonConfigSource } from "../../../src/sources/daemon/index.js";
import { parseDockerdFlags } from "../../../src/sources/daemon/dockerd.js";
import { splitWords, lineStarts } from "../../../src/sources/daemon/words.js";
import { extractFixture, noFiles } from "../terraform/helpers.js";

const ep = (rel: string) => {
  const r = extractFixture(daemonConfigSource, `daemon/${rel}`);
  assert.deepEqual(r.errors, [], rel);
  assert.deepEqual(r.workloads, []);
  return (r.endpoints ?? []).map((e) => [e.address, e.tls, e.role, e.at?.line]);
};

test("detect: daemon.json by name or by hosts+tls keys, docker units and drop-ins, defaults files, containerd config", () => {
  const d = (path: string, text = "") => daemonConfigSource.detect({ path, text });
  assert.equal(d("etc/docker/daemon.json", "{}"), true);
  assert.equal(d("conf/docker-daemon.json", '{"hosts": [], "tlsverify": true}'), true);
  assert.equal(d("package.json", '{"name": "x", "hosts": []}'), false);
  assert.equal(d("lib/systemd/system/docker.service", "[Service]\nExecStart=/usr/bin/dockerd -H fd://\n"), true);
  assert.equal(d("etc/systemd/system/docker.service.d/10-tcp.conf", "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H tcp://0.0.0.0:2375\n"), true);
  assert.equal(d("etc/systemd/system/nginx.service", "[Service]\nExecStart=/usr/sbin/nginx\n"), false);
  assert.equal(d("etc/default/docker", ""), true);
  assert.equal(d("etc/containerd/config.toml", '[grpc]\n  tcp_address = ""\n'), true);
  assert.equal(d("pyproject/config.toml", "[tool]\n"), false);
});

test("daemon.json: TCP host with tls false → off; the unix socket is a listener too (plain/daemon.json)", () => {
  assert.deepEqual(ep("plain/daemon.json"), [
    ["unix:///var/run/docker.sock", "off", "listener", 2],
    ["tcp://0.0.0.0:2375", "off", "listener", 2],
  ]);
});

test("daemon.json: tlsverify → verify (not a finding); tls alone → no-verify", () => {
  assert.deepEqual(ep("tls/daemon.json"), [["tcp://0.0.0.0:2376", "verify", "listener", 2]]);
  assert.deepEqual(ep("noverify/daemon.json"), [["tcp://10.1.2.3:2376", "no-verify", "listener", 2]]);
});

test("systemd unit: ExecStart continued over lines, each -H on its own line (docker.service)", () => {
  assert.deepEqual(ep("etc/systemd/system/docker.service"), [
    ["fd://", "off", "listener", 9],
    ["tcp://0.0.0.0:2375", "off", "listener", 10],
  ]);
});

test("drop-in: ExecStart= resets, --host= with --tlsverify → verify (docker.service.d/override.conf)", () => {
  assert.deepEqual(ep("etc/systemd/system/docker.service.d/override.conf"), [
    ["fd://", "verify", "listener", 6],
    ["tcp://0.0.0.0:2376", "verify", "listener", 7],
  ]);
  // Within one file too: what an empty ExecStart= clears is not reported.
  const text = "[Service]\nExecStart=/usr/bin/dockerd -H tcp://0.0.0.0:2375\nExecStart=\nExecStart=/usr/bin/dockerd -H unix:///run/docker.sock\n";
  const r = daemonConfigSource.extract({ path: "x/docker.service", text }, noFiles);
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.at?.line]), [["unix:///run/docker.sock", 4]]);
});

test("docker.socket: ListenStream=2375 is TCP on all addresses, TLS unknown from the socket unit alone", () => {
  const r = extractFixture(daemonConfigSource, "daemon/etc/systemd/system/docker.socket");
  assert.deepEqual(
    r.endpoints?.map((e) => [e.address, e.tls, e.at?.line]),
    [
      ["unix:///run/docker.sock", "unknown", 5],
      ["tcp://0.0.0.0:2375", "unknown", 6],
    ],
  );
  assert.match(r.endpoints?.[1]?.uncertain ?? "", /TLS is set by dockerd/);
});

test("a socket unit that is not Docker's gives no endpoint (other/nginx.socket)", () => {
  assert.equal(daemonConfigSource.detect({ path: "other/nginx.socket", text: "[Socket]\nListenStream=0.0.0.0:80\n" }), true);
  assert.deepEqual(ep("other/nginx.socket"), []);
});

test("/etc/default/docker: DOCKER_OPTS with --tls but no verify → no-verify (etc/default/docker)", () => {
  assert.deepEqual(ep("etc/default/docker"), [["tcp://127.0.0.1:2375", "no-verify", "listener", 3]]);
});

test("containerd config.toml: [grpc] tcp_address without TLS → off", () => {
  assert.deepEqual(ep("etc/containerd/config.toml"), [["tcp://0.0.0.0:10010", "off", "listener", 5]]);
  const r = daemonConfigSource.extract({ path: "config.toml", text: '[grpc]\n  tcp_address = "127.0.0.1:1"\n  tcp_tls_cert = "/c.pem"\n  tcp_tls_ca = "/ca.pem"\n' }, noFiles);
  assert.equal(r.endpoints?.[0]?.tls, "verify");
  const off = daemonConfigSource.extract({ path: "config.toml", text: '[grpc]\n  tcp_address = ""\n' }, noFiles);
  assert.deepEqual(off.endpoints, [], "an empty tcp_address opens nothing");
});

test("dockerd flags: every spelling of -H and the TLS flags", () => {
  const f = (line: string) => {
    const { words } = splitWords(line, 0, lineStarts(line));
    const r = parseDockerdFlags(words);
    return [r.hosts.map((h) => h.w), r.tls];
  };
  assert.deepEqual(f("-H tcp://a:1 --host tcp://b:2 -H=tcp://c:3 --host=tcp://d:4 -Htcp://e:5"), [["tcp://a:1", "tcp://b:2", "tcp://c:3", "tcp://d:4", "tcp://e:5"], "off"]);
  assert.deepEqual(f("-H tcp://a:1 --tlsverify"), [["tcp://a:1"], "verify"]);
  assert.deepEqual(f("-H tcp://a:1 --tlsverify=true"), [["tcp://a:1"], "verify"]);
  assert.deepEqual(f("-H tcp://a:1 --tlsverify=false --tls"), [["tcp://a:1"], "no-verify"]);
  assert.deepEqual(f("-H tcp://a:1 --tls=false"), [["tcp://a:1"], "off"]);
  assert.deepEqual(f("-H 'tcp://0.0.0.0:2375' \"--tls=true\""), [["tcp://0.0.0.0:2375"], "no-verify"]);
});

test("bad input: broken daemon.json names its line; binary with a daemon.json name; a 10 MB unit; nothing throws", () => {
  const b = daemonConfigSource.extract({ path: "daemon.json", text: '{\n  "hosts": ["tcp://0.0.0.0:2375",\n  "tls": \n' }, noFiles);
  assert.deepEqual(b.endpoints, []);
  assert.ok(b.errors.length > 0 && typeof b.errors[0]!.line === "number");
  assert.match(b.errors[0]!.message, /^invalid JSON at line \d+/);
  const bin = daemonConfigSource.extract({ path: "etc/docker/daemon.json", text: "\u0000\u0001\u0002{\"hosts\"" }, noFiles);
  assert.deepEqual(bin.endpoints, []);
  assert.match(bin.errors[0]!.message, /binary content/);
  const arr = daemonConfigSource.extract({ path: "daemon.json", text: "[1, 2]" }, noFiles);
  assert.match(arr.errors[0]!.message, /not a JSON object/);
  const big = daemonConfigSource.extract({ path: "docker.service", text: "[Service]\nExecStart=/usr/bin/dockerd " + "-H tcp://x:1 ".repeat(1_000_000) }, noFiles);
  assert.equal(big.endpoints?.length, 0);
  assert.match(big.errors[0]!.message, /over 4 MB/);
  const unterminated = daemonConfigSource.extract({ path: "docker.service", text: "[Service]\nExecStart=/usr/bin/dockerd -H 'tcp://0.0.0.0:2375\n" }, noFiles);
  assert.deepEqual(unterminated.endpoints?.map((e) => e.address), ["tcp://0.0.0.0:2375"]);
});

test("systemd: Environment=DOCKER_TLS_VERIFY=1 turns dockerd's --tlsverify on, wherever it is written in [Service]", () => {
  const text = '[Service]\nExecStart=/usr/bin/dockerd -H tcp://0.0.0.0:2376\nEnvironment="DOCKER_TLS_VERIFY=1" "DOCKER_CERT_PATH=/etc/docker"\n';
  const r = daemonConfigSource.extract({ path: "docker.service.d/tls.conf", text }, noFiles);
  assert.deepEqual(r.endpoints?.map((e) => [e.address, e.tls]), [["tcp://0.0.0.0:2376", "verify"]]);
  const empty = daemonConfigSource.extract({ path: "docker.service", text: "[Service]\nEnvironment=DOCKER_TLS_VERIFY=\nExecStart=/usr/bin/dockerd -H tcp://0.0.0.0:2375\n" }, noFiles);
  assert.deepEqual(empty.endpoints?.map((e) => e.tls), ["off"], "an empty DOCKER_TLS_VERIFY is unset for dockerd");
  const opts = daemonConfigSource.extract({ path: "docker.service", text: "[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/bin/dockerd $DOCKER_OPTS\n" }, noFiles);
  assert.deepEqual(opts.endpoints, []);
  assert.deepEqual(opts.errors.map((e) => [e.kind, e.line]), [["notice", 3]]);
});
