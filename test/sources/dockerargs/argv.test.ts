/**
 * The argv case table: each row is a command line and what the docker CLI would do with it,
 * worked out from `docker run --help` (CLI 28) and pflag's rules, not from our output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tokenizeShell } from "../../../src/sources/dockerargs/words.js";
import { parseDockerCommand } from "../../../src/sources/dockerargs/parse.js";
import type { Workload } from "../../../src/model/workload.js";

function parse(line: string) {
  const c = tokenizeShell(line).commands[0]!;
  return parseDockerCommand(c.words, { door: "shell", file: "t.sh" });
}
function wl(line: string): Workload {
  const r = parse(line);
  assert.ok(r?.workload, `expected a workload for: ${line}`);
  return r.workload;
}
const mounts = (w: Workload) => w.mounts.map((m) => [m.type, m.hostPath ?? m.source ?? null, m.target ?? null, m.readOnly]);

interface Row {
  line: string;
  image?: string;
  mounts?: unknown[];
  privileged?: boolean;
  ns?: Record<string, string>;
  capAdd?: string[];
  capDrop?: string[];
  user?: string;
  groups?: string[];
  devices?: string[];
  secopt?: string[];
  env?: string[];
  labels?: Record<string, string>;
  why: string;
}

const ROWS: Row[] = [
  { line: "docker run -v /var/run/docker.sock:/var/run/docker.sock img", image: "img", mounts: [["bind", "/var/run/docker.sock", "/var/run/docker.sock", false]], why: "plain -v bind" },
  { line: "docker run --volume=/var/run/docker.sock:/s:ro img", mounts: [["bind", "/var/run/docker.sock", "/s", true]], why: "--flag=value, :ro" },
  { line: "docker run --volume /run:/r:rw,z img", mounts: [["bind", "/run", "/r", false]], why: "--flag value; rw,z is not read-only" },
  { line: "docker run -v data:/data img", mounts: [["volume", "data", "/data", false]], why: "a name, not a path: named volume" },
  { line: "docker run -v /anon img", mounts: [["volume", null, "/anon", false]], why: "one part: anonymous volume at the target" },
  { line: "docker run -itv /a:/b img", image: "img", mounts: [["bind", "/a", "/b", false]], why: "combined shorts: -i -t then -v takes the next word" },
  { line: "docker run -itd -v/a:/b img", mounts: [["bind", "/a", "/b", false]], why: "-v glued value" },
  { line: "docker run -v=/a:/b img", mounts: [["bind", "/a", "/b", false]], why: "pflag accepts -v=value" },
  { line: "docker run --mount type=bind,src=/var/run/docker.sock,dst=/s img", mounts: [["bind", "/var/run/docker.sock", "/s", false]], why: "--mount src/dst" },
  { line: "docker run --mount type=bind,source=/run,target=/r,readonly img", mounts: [["bind", "/run", "/r", true]], why: "--mount source/target, bare readonly" },
  { line: "docker run --mount=type=bind,source=/run,destination=/r,ro=true img", mounts: [["bind", "/run", "/r", true]], why: "destination, ro=true" },
  { line: "docker run --mount type=bind,src=/run,dst=/r,readonly=false img", mounts: [["bind", "/run", "/r", false]], why: "readonly=false" },
  { line: "docker run --mount type=bind,src=/run,dst=/r,ro=1,bind-propagation=rshared img", mounts: [["bind", "/run", "/r", true]], why: "ro=1, propagation ignored" },
  { line: 'docker run --mount "type=bind,\\"src=/a,b\\",dst=/x" img', mounts: [["bind", "/a,b", "/x", false]], why: "csv quoting keeps the comma in the source" },
  { line: "docker run --mount src=vol,dst=/v img", mounts: [["volume", "vol", "/v", false]], why: "type defaults to volume" },
  { line: "docker run --mount type=volume,src=v,dst=/h,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/var/run img", mounts: [["volume", "/var/run", "/h", false]], why: "local volume bound to a host device path" },
  { line: "docker run --mount type=tmpfs,dst=/var/run img", mounts: [["tmpfs", null, "/var/run", false]], why: "tmpfs binds nothing" },
  { line: "docker run --tmpfs /run:rw img", mounts: [["tmpfs", null, "/run", false]], why: "--tmpfs" },
  { line: "docker run --use-api-socket img", mounts: [["bind", "/var/run/docker.sock", "/var/run/docker.sock", false]], why: "CLI 28 binds the API socket" },
  { line: "docker run --privileged img", privileged: true, why: "boolean" },
  { line: 'exec docker run -v "/var/run/docker.sock":"/var/run/docker.sock" img', mounts: [["bind", "/var/run/docker.sock", "/var/run/docker.sock", false]], why: "two quoted halves make one word (the way container-action wrappers write it)" },
  { line: "docker run --privileged=false img", privileged: false, image: "img", why: "boolean with =false; img is not eaten" },
  { line: "docker run --privileged img --privileged -v /:/h", privileged: true, mounts: [], why: "flags after the image are the container's command" },
  { line: "docker run --pid=host --network host --ipc host --uts=host --userns host --cgroupns host img", ns: { pid: "host", network: "host", ipc: "host", uts: "host", userns: "host", cgroupns: "host" }, why: "every namespace flag" },
  { line: "docker run --net=container:db img", ns: { network: "container" }, why: "--net alias, container join" },
  { line: "docker run --network mynet img", ns: { network: "private" }, why: "a user network is private" },
  { line: "docker run --cap-add SYS_ADMIN --cap-add=NET_ADMIN --cap-drop ALL img", capAdd: ["SYS_ADMIN", "NET_ADMIN"], capDrop: ["ALL"], why: "cap lists" },
  { line: "docker run -u 0:0 --group-add 999 --group-add=docker img", user: "0:0", groups: ["999", "docker"], why: "user and groups" },
  { line: "docker run --user=root img", user: "root", why: "--user=" },
  { line: "docker run --device /dev/sda:/dev/xvda:rwm --device=/dev/kmsg img", devices: ["/dev/sda", "/dev/kmsg"], why: "host side of --device" },
  { line: "docker run --security-opt apparmor:unconfined --security-opt seccomp=unconfined --security-opt label=disable img", secopt: ["apparmor=unconfined", "seccomp=unconfined", "label=disable"], why: "normalized key=value" },
  { line: "docker run -e A=1 -e DOCKER_HOST=tcp://h:2375 --env B img", env: ["A", "DOCKER_HOST=tcp://h:2375", "B"], why: "only DOCKER_HOST & co keep values" },
  { line: "docker run -l a=b --label=c=d img", labels: { a: "b", c: "d" }, why: "labels" },
  { line: "docker run --name x -p 80:80 -w /app -h host --restart always img cmd", image: "img", why: "value flags eat their value, image found" },
  { line: "docker run --rm -it --entrypoint sh img -c 'x'", image: "img", why: "entrypoint takes a value" },
  { line: "docker run -- img", image: "img", why: "-- ends the options" },
  { line: "docker container run -v /run:/r img", mounts: [["bind", "/run", "/r", false]], why: "docker container run" },
  { line: "docker create --privileged img", privileged: true, why: "create" },
  { line: "docker container create --pid host img", ns: { pid: "host" }, why: "container create" },
  { line: "docker service create --mount type=bind,src=/var/run/docker.sock,dst=/s --cap-add SYS_ADMIN --group 999 img", mounts: [["bind", "/var/run/docker.sock", "/s", false]], capAdd: ["SYS_ADMIN"], groups: ["999"], why: "swarm service" },
  { line: "podman run --privileged -v /run/podman/podman.sock:/s img", privileged: true, mounts: [["bind", "/run/podman/podman.sock", "/s", false]], why: "podman" },
  { line: "nerdctl run -v /run/containerd/containerd.sock:/c img", mounts: [["bind", "/run/containerd/containerd.sock", "/c", false]], why: "nerdctl" },
  { line: "sudo -u root docker run --privileged img", privileged: true, why: "sudo with options" },
  { line: "exec docker run --privileged img", privileged: true, why: "exec" },
  { line: "FOO=1 BAR=2 docker run --privileged img", privileged: true, why: "env assignments before the command" },
  { line: "command docker run --privileged img", privileged: true, why: "command builtin" },
  { line: "/usr/bin/docker run --privileged img", privileged: true, why: "full path" },
  { line: "env -u X A=1 docker run --privileged img", privileged: true, why: "env prefix" },
  { line: "docker -H tcp://h:2375 --tlsverify run --privileged img", privileged: true, why: "global flags before the subcommand" },
  { line: "docker --unknown-podmanish thing -v /a:/b img", mounts: [], why: "not run: no workload expected, checked below" },
  { line: "docker run --pod mypod -v /run:/r img", mounts: [["bind", "/run", "/r", false]], image: "img", why: "podman value flag --pod" },
  { line: "docker run --some-new-flag -v /run:/r img", mounts: [["bind", "/run", "/r", false]], image: "img", why: "unknown boolean-looking flag followed by a flag" },
  { line: "docker run $OPTS -v /run:/r img", mounts: [["bind", "/run", "/r", false]], image: "img", why: "$OPTS followed by flags is opaque options" },
  { line: "docker run $IMAGE", image: "$IMAGE", why: "$IMAGE as the last word is the image" },
];

for (const r of ROWS) {
  test(`argv: ${r.line} (${r.why})`, () => {
    const res = parse(r.line);
    if (r.line.startsWith("docker --unknown")) {
      assert.equal(res?.workload, undefined, "subcommand is `thing`?? no: --unknown-podmanish is a global flag docker does not know; `thing` is the subcommand");
      return;
    }
    const w = wl(r.line);
    if (r.image !== undefined) assert.equal(w.image?.value, r.image);
    if (r.mounts !== undefined) assert.deepEqual(mounts(w), r.mounts);
    if (r.privileged !== undefined) assert.equal(w.privileged?.value, r.privileged);
    if (r.ns) for (const [k, mode] of Object.entries(r.ns)) assert.equal(w.namespaces[k as keyof Workload["namespaces"]]?.value.mode, mode, k);
    if (r.capAdd) assert.deepEqual(w.capAdd.map((c) => c.value), r.capAdd);
    if (r.capDrop) assert.deepEqual(w.capDrop.map((c) => c.value), r.capDrop);
    if (r.user) assert.equal(w.user?.value, r.user);
    if (r.groups) assert.deepEqual(w.groups.map((g) => g.value), r.groups);
    if (r.devices) assert.deepEqual(w.devices.map((g) => g.value), r.devices);
    if (r.secopt) assert.deepEqual(w.securityOpt.map((g) => g.value), r.secopt);
    if (r.env) assert.deepEqual(w.env.map((e) => (e.value.value !== undefined ? `${e.value.name}=${e.value.value}` : e.value.name)), r.env);
    if (r.labels) assert.deepEqual(w.labels, r.labels);
  });
}

test("not docker run: no workload (ps, build, compose, command -v, echo, grep)", () => {
  for (const line of ["docker ps -a", "docker build -t x .", "docker compose up", "command -v docker", "echo docker run -v /var/run/docker.sock:/x img", "grep docker run", "dockerd -H tcp://0.0.0.0:2375"]) {
    assert.equal(parse(line)?.workload, undefined, line);
  }
});

test("global -H: a client endpoint; TLS from --tlsverify / --tls / DOCKER_TLS_VERIFY", () => {
  const a = parse("docker -H tcp://10.0.0.1:2375 ps")!;
  assert.deepEqual(a.endpoints.map((e) => [e.address, e.tls, e.role]), [["tcp://10.0.0.1:2375", "off", "client"]]);
  const b = parse("docker --host=tcp://h:2376 --tlsverify run img")!;
  assert.deepEqual(b.endpoints.map((e) => [e.address, e.tls]), [["tcp://h:2376", "verify"]]);
  const c = parse("docker -H tcp://h:2376 --tls info")!;
  assert.equal(c.endpoints[0]!.tls, "no-verify");
  const d = parse("DOCKER_HOST=tcp://h:2375 docker ps")!;
  assert.deepEqual(d.endpoints.map((e) => [e.address, e.tls]), [["tcp://h:2375", "off"]]);
  const e = parse("docker -H unix:///var/run/docker.sock ps")!;
  assert.equal(e.endpoints[0]!.tls, "unknown", "not TCP: TLS does not apply");
  const f = parse("podman --remote --url tcp://h:8888 run img")!;
  assert.equal(f.endpoints[0]!.address, "tcp://h:8888");
});

test("positions: the value's line and column (continuations report the flag's line)", () => {
  const c = tokenizeShell("docker run \\\n  --privileged \\\n  -v /var/run/docker.sock:/s \\\n  --mount=type=bind,src=/run,dst=/r img").commands[0]!;
  const w = parseDockerCommand(c.words, { door: "shell" })!.workload!;
  assert.deepEqual(w.source.at, { line: 1, column: 1 });
  assert.deepEqual(w.privileged?.at, { line: 2, column: 3 });
  assert.deepEqual(w.mounts[0]!.at, { line: 3, column: 6 });
  assert.deepEqual(w.mounts[1]!.at, { line: 4, column: 11 }, "after `--mount=`");
  assert.deepEqual(w.image?.at, { line: 4, column: 37 }, "2 spaces + `--mount=` (8) + 25-char spec + 1 space = 36 before img");
  assert.equal(w.source.object, "docker run (line 1)");
});

test("variables: known values substitute and mark uncertain; unknown stay verbatim", () => {
  const c = tokenizeShell("docker run -v $SOCK:/s -v ${X:-/var/run/docker.sock}:/x -v $(pwd):/src img").commands[0]!;
  const w = parseDockerCommand(c.words, { door: "shell", vars: (n) => (n === "SOCK" ? { value: "/run/docker.sock" } : undefined) })!.workload!;
  assert.deepEqual(w.mounts.map((m) => m.hostPath), ["/run/docker.sock", "/var/run/docker.sock", "$(pwd)"]);
  assert.ok(w.mounts.every((m) => m.uncertain), "all three are assumptions");
});

test("--env-file and --volumes-from are recorded as unknowns", () => {
  const w = wl("docker run --env-file .env --volumes-from other img");
  assert.deepEqual(w.facts?.envFiles, [".env"]);
  assert.equal(w.mounts[0]!.via, "volumes_from `other`");
  assert.ok(w.mounts[0]!.uncertain);
});

test("dockerd in a script: a listener endpoint, TLS from its own flags", async () => {
  const { scanShell } = await import("../../../src/sources/dockerargs/scan.js");
  const r = scanShell("nohup dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 &\nsudo dockerd --host=tcp://0.0.0.0:2376 --tlsverify --tlscacert ca.pem\n", { door: "shell", file: "s.sh" });
  assert.deepEqual(r.endpoints.map((e) => [e.role, e.address, e.tls, e.at?.line]), [
    ["listener", "unix:///var/run/docker.sock", "off", 1],
    ["listener", "tcp://0.0.0.0:2375", "off", 1],
    ["listener", "tcp://0.0.0.0:2376", "verify", 2],
  ]);
  assert.equal(r.workloads.length, 0);
});
