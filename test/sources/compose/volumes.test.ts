import { test } from "node:test";
import assert from "node:assert/strict";
import { extractFixture, extractText, service, at } from "./helpers.js";
import { parseShortVolume } from "../../../src/sources/compose/volumes.js";

test("short syntax: binds, anonymous, named, relative, ~, named pipe, options (fixtures/compose/short-syntax)", () => {
  const r = extractFixture("short-syntax/docker-compose.yml");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1);
  const w = service(r.workloads, "agent");
  assert.equal(w.source.door, "compose");
  assert.equal(w.source.file, "short-syntax/docker-compose.yml");
  assert.equal(at(w.source.at), "12:3");
  const m = w.mounts;
  assert.equal(m.length, 8);
  assert.deepEqual(m[0], { type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true, at: { line: 15, column: 9 } });
  assert.deepEqual([m[1]!.type, m[1]!.hostPath, m[1]!.target, m[1]!.readOnly, at(m[1]!.at)], ["bind", "/run/containerd/containerd.sock", "/c.sock", false, "16:9"]);
  assert.deepEqual(m[2], { type: "volume", target: "/cache", readOnly: false, at: { line: 17, column: 9 } });
  assert.deepEqual(m[3], { type: "volume", source: "data", target: "/data", readOnly: false, at: { line: 18, column: 9 } });
  assert.deepEqual([m[4]!.type, m[4]!.source, m[4]!.hostPath, m[4]!.uncertain, at(m[4]!.at)], ["bind", "./conf", "short-syntax/conf", undefined, "19:9"]);
  assert.equal(m[5]!.hostPath, "~/.docker/run/docker.sock");
  assert.match(m[5]!.uncertain ?? "", /home directory/);
  assert.equal(at(m[5]!.at), "20:9");
  assert.deepEqual([m[6]!.type, m[6]!.hostPath, m[6]!.target, at(m[6]!.at)], ["npipe", "\\\\.\\pipe\\docker_engine", "\\\\.\\pipe\\docker_engine", "21:9"]);
  assert.deepEqual([m[7]!.type, m[7]!.hostPath, m[7]!.readOnly, at(m[7]!.at)], ["bind", "/srv/app", false, "22:9"]);
});

test("long syntax: located at the source line; read_only; tmpfs/npipe/volume; inferred type (fixtures/compose/long-syntax)", () => {
  const r = extractFixture("long-syntax/compose.yaml");
  assert.deepEqual(r.errors, []);
  const w = service(r.workloads, "traefik");
  assert.equal(at(w.source.at), "16:3");
  const m = w.mounts;
  assert.equal(m.length, 7);
  assert.deepEqual(m[0], { type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: true, at: { line: 20, column: 17 } });
  assert.deepEqual([m[1]!.type, m[1]!.hostPath, m[1]!.target, m[1]!.readOnly, at(m[1]!.at)], ["bind", "/etc", "/host/etc", false, "24:17"]);
  assert.deepEqual(m[2], { type: "tmpfs", target: "/tmp/cache", readOnly: false, at: { line: 28, column: 9 } });
  assert.deepEqual([m[3]!.type, m[3]!.hostPath, at(m[3]!.at)], ["npipe", "\\\\.\\pipe\\docker_engine", "31:17"]);
  assert.deepEqual(m[4], { type: "volume", source: "certs", target: "/certs", readOnly: false, at: { line: 34, column: 17 } });
  assert.deepEqual([m[5]!.type, m[5]!.hostPath, m[5]!.readOnly, at(m[5]!.at)], ["bind", "long-syntax/rules", true, "37:17"]);
  assert.deepEqual([m[6]!.type, m[6]!.hostPath, m[6]!.target, at(m[6]!.at)], ["bind", "/opt/plugins", "/plugins", "40:17"]);
});

test("named volumes: driver_opts bind device and local-persist mountpoint resolve to host paths; external, plain and NFS do not (fixtures/compose/named-volumes)", () => {
  const r = extractFixture("named-volumes/docker-compose.yml");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["service php", "service web"]);
  const php = service(r.workloads, "php");
  assert.equal(at(php.source.at), "12:3");
  const [sockdir, phpSocket, ext, persist, nfs] = php.mounts;
  assert.deepEqual(sockdir, { type: "volume", source: "sockdir", target: "/var/run/app", readOnly: false, at: { line: 15, column: 9 }, driver: "local", hostPath: "/var/run", via: "named volume `sockdir` (driver_opts device=/var/run)" });
  assert.deepEqual(phpSocket, { type: "volume", source: "php_socket", target: "/var/run/php", readOnly: false, at: { line: 16, column: 9 } });
  assert.equal(ext!.hostPath, undefined);
  assert.match(ext!.uncertain ?? "", /external volume/);
  assert.equal(at(ext!.at), "17:9");
  assert.deepEqual([persist!.hostPath, persist!.via, persist!.driver, at(persist!.at)], ["/srv/persist", "named volume `persist` (driver_opts mountpoint=/srv/persist)", "local-persist", "18:9"]);
  assert.deepEqual([nfs!.hostPath, nfs!.via, at(nfs!.at)], [undefined, undefined, "19:9"]);
  const web = service(r.workloads, "web");
  assert.equal(at(web.source.at), "20:3");
  assert.deepEqual([web.mounts[0]!.hostPath, web.mounts[0]!.via, at(web.mounts[0]!.at)], ["/var/lib/docker", "named volume `dockerdata` (driver_opts device=/var/lib/docker)", "23:17"]);
  assert.equal(web.mounts.length, 1);
});

test("look-alikes are reported faithfully: the app's own socket, a php_socket volume, pid service:x, tmpfs at /var/run (fixtures/compose/lookalikes)", () => {
  const r = extractFixture("lookalikes/docker-compose.yml");
  assert.deepEqual(r.errors, []);
  const app = service(r.workloads, "app");
  assert.equal(at(app.source.at), "8:3");
  assert.deepEqual(app.mounts, [
    { type: "bind", source: "/var/run/app.sock", hostPath: "/var/run/app.sock", target: "/var/run/app.sock", readOnly: false, at: { line: 11, column: 9 } },
    { type: "volume", source: "php_socket", target: "/var/run/php", readOnly: false, at: { line: 12, column: 9 } },
    { type: "tmpfs", target: "/var/run", readOnly: false, at: { line: 13, column: 12 } },
  ]);
  const worker = service(r.workloads, "worker");
  assert.equal(at(worker.source.at), "14:3");
  assert.deepEqual(worker.namespaces.pid, { value: { mode: "service", ref: "app", raw: "service:app" }, at: { line: 16, column: 10 } });
  assert.deepEqual(worker.mounts, [{ type: "tmpfs", target: "/var/run", readOnly: false, at: { line: 18, column: 9 } }]);
});

test("file-backed secrets and configs are read-only binds of the host file (fixtures/compose/secrets-configs)", () => {
  const r = extractFixture("secrets-configs/compose.yml");
  assert.deepEqual(r.errors, []);
  const w = service(r.workloads, "app");
  assert.equal(at(w.source.at), "9:3");
  assert.deepEqual(
    w.mounts.map((m) => [m.type, m.hostPath, m.target, m.readOnly, m.via, at(m.at)]),
    [
      ["bind", "/etc/shadow", "/run/secrets/host_shadow", true, "secret `host_shadow` (file: /etc/shadow)", "12:9"],
      ["bind", "secrets-configs/secrets/token.txt", "/run/secrets/api-token", true, "secret `token` (file: ./secrets/token.txt)", "13:9"],
      ["bind", "/var/run/docker.sock", "/sock_cfg", true, "config `sock_cfg` (file: /var/run/docker.sock)", "17:9"],
      ["bind", "secrets-configs/app.conf", "/etc/app/app.conf", true, "config `rel_cfg` (file: ./app.conf)", "18:9"],
    ],
  );
});

test("parseShortVolume splits like compose-go: drive letters, unresolved ${VAR:-x} kept whole, options", () => {
  assert.deepEqual(parseShortVolume("/data"), { target: "/data", options: [] });
  assert.deepEqual(parseShortVolume("/a:/b:ro,z"), { source: "/a", target: "/b", options: ["ro", "z"] });
  assert.deepEqual(parseShortVolume("C:\\Users\\me:/data"), { source: "C:\\Users\\me", target: "/data", options: [] });
  assert.deepEqual(parseShortVolume("${SOCK:-/var/run/docker.sock}:/s"), { source: "${SOCK:-/var/run/docker.sock}", target: "/s", options: [] });
});

test("a relative driver_opts bind device resolves against the file's directory, like a bind", () => {
  const r = extractText("services:\n  a:\n    volumes: [data:/data]\nvolumes:\n  data:\n    driver_opts: { type: none, o: bind, device: ./state }\n", "deploy/compose.yml");
  assert.deepEqual(r.errors, []);
  assert.deepEqual([r.workloads[0]!.mounts[0]!.hostPath, r.workloads[0]!.mounts[0]!.via], ["deploy/state", "named volume `data` (driver_opts device=./state)"]);
});
