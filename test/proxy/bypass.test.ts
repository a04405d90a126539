/**
 * Bypass suite: requests that got past other Docker socket proxies (or would, given how the
 * daemon reads them), replayed byte for byte against sockwarden in front of a real private
 * dockerd. Each case says why it is dangerous; after each, the daemon itself is asked whether
 * anything was created or changed.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, symlinkSync, linkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { startProxy, memoryAuditLog, type RunningProxy } from "../../src/proxy/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { rawExchange, statuses, jsonRequest, daemonGet, containerNames, volumeNames } from "./helpers.js";

let d: Dockerd;
let proxy: RunningProxy;
let psock: string;
let links: string;
const log = memoryAuditLog();
let baseline: string[];
let baseVolumes: string[];

before(async () => {
  d = await startDockerd();
  // Fixtures made directly on the daemon (not through the proxy): containers that already break the policy.
  await d.docker(["run", "-d", "--name", "rootbox", "-v", "/:/host", "mini:latest", "sleep", "600"]);
  await d.docker(["run", "-d", "--name", "hostpidbox", "--pid", "host", "mini:latest", "sleep", "600"]);
  await d.docker(["run", "-d", "--name", "running", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "plain", "mini:latest", "sleep", "600"]);
  await d.docker(["create", "--name", "rootbox-stopped", "-v", "/:/host", "mini:latest", "sleep", "600"]);
  await d.docker(["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", "device=/etc", "hostetc"]);
  links = mkdtempSync(join(tmpdir(), "swp-links-"));
  symlinkSync("/", join(links, "root"));
  symlinkSync(d.socket, join(links, "innocent"));
  linkSync(d.socket, join(links, "api")); // a hard link: same inode, a name no list knows
  const policy = { ...defaultPolicy(), allow: { hostPaths: [links], capabilities: [], images: [] } };
  psock = join(d.dir, "p.sock");
  proxy = await startProxy({ listen: "unix://" + psock, upstream: d.host, policy, auditLog: log });
  baseline = await containerNames(d.socket);
  baseVolumes = await volumeNames(d.socket);
});

after(async () => {
  await proxy?.close();
  await d?.stop();
  if (links) rmSync(links, { recursive: true, force: true });
});

interface Case {
  name: string;
  why: string;
  bytes: string | Buffer | (() => string);
  /** Expected status of the first response. */
  status: number;
  /** The refusal names this concern in its message. */
  concern?: string;
  check?: () => Promise<void>;
  /** A second request follows in the same bytes: it must get its own refusal. */
  pipelined?: boolean;
}

const CREATE = (body: string, path = "/v1.41/containers/create?name=bp") => jsonRequest("POST", path, body);

const CASES: Case[] = [
  {
    name: "lower-case keys",
    why: "Go matches JSON keys case-insensitively: `hostconfig.binds` is HostConfig.Binds; a proxy looking for `HostConfig` sees nothing",
    bytes: CREATE('{"Image":"mini:latest","hostconfig":{"binds":["/:/host"]}}'),
    status: 403,
    concern: "socket-mount",
  },
  {
    name: "KELVIN SIGN in NetworkMode",
    why: "Go's key folding maps U+212A to k: `Networ\\u212aMode` is NetworkMode (host network)",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Networ\u212aMode":"host"}}'),
    status: 403,
    concern: "host-namespace",
  },
  {
    name: "long s in Privileged's neighbour: ſecurityOpt + last-wins Privileged",
    why: "U+017F folds to s; and of two Privileged keys the daemon takes the last",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Privileged":false,"privileged":true}}'),
    status: 403,
    concern: "privileged",
  },
  {
    name: "repeated HostConfig objects merge",
    why: "Go decodes the second object into the same struct: the binds of the first survive a harmless-looking second HostConfig",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Binds":["/:/host"]},"HostConfig":{"Memory":0}}'),
    status: 403,
    concern: "socket-mount",
  },
  {
    name: "host config at the top level",
    why: "with no HostConfig object, the daemon (20.10) reads host-config fields from the top level of the create body",
    bytes: CREATE('{"Image":"mini:latest","Binds":["/:/host"]}'),
    status: 403,
    concern: "socket-mount",
  },
  {
    name: "\\u escapes in keys",
    why: "a regex over the raw body never sees `Privileged` spelled `Privil\\u0065ged`",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Privil\\u0065ged":true}}'),
    status: 403,
    concern: "privileged",
  },
  {
    name: "CapAdd as a bare string",
    why: "StrSlice accepts a string where a list is expected",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"CapAdd":"SYS_ADMIN"}}'),
    status: 403,
    concern: "capabilities",
  },
  {
    name: "percent-encoded route",
    why: "Tecnativa #1: `/containers/%63reate` is /containers/create for the daemon's router",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Privileged":true}}', "/containers/%63reate?name=bp"),
    status: 403,
    concern: "privileged",
  },
  {
    name: "three-part version prefix",
    why: "the daemon routes /v1.41.0/… like /v1.41/…",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Privileged":true}}', "/v1.41.0/containers/create?name=bp"),
    status: 403,
    concern: "privileged",
  },
  {
    name: "double slash",
    why: "the router redirects // to the cleaned path; a proxy matching the raw path sees another route",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Privileged":true}}', "//containers/create?name=bp"),
    status: 400,
  },
  {
    name: "dot-dot in the path",
    why: "same as //: cleaned by the router, not by a naive matcher",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Privileged":true}}', "/v1.41/images/../containers/create?name=bp"),
    status: 400,
  },
  {
    name: "Content-Length plus Transfer-Encoding",
    why: "request smuggling: the proxy and the daemon may disagree on where the body ends",
    bytes: `POST /containers/create?name=bp HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: "duplicate Content-Length",
    why: "two lengths, two readings of the body",
    bytes: `POST /containers/create?name=bp HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 60\r\n\r\n{}`,
    status: 400,
  },
  {
    name: "Content-Length 0 with a body behind it (CVE-2024-41110)",
    why: "the AuthZ plugin saw no body while the daemon created a privileged container; the bytes after must not become a request",
    bytes: `POST /containers/create?name=bp HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n{"Image":"mini:latest","HostConfig":{"Privileged":true}}`,
    status: 400,
  },
  {
    name: "obs-fold header",
    why: "folded header lines are read differently by different parsers",
    bytes: `GET /containers/json HTTP/1.1\r\nHost: d\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n`,
    status: 400,
  },
  {
    name: "bare LF request (not opted in)",
    why: "line-ending disagreements are a smuggling vector; only a listener that opts in accepts them",
    bytes: `GET /containers/json HTTP/1.1\nHost: d\n\n`,
    status: 400,
  },
  {
    name: "HTTP/2 prior knowledge",
    why: "Docker 29.2+ serves h2c on the same socket: an HTTP/1 proxy that passes it through judges nothing",
    bytes: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    status: 400,
  },
  {
    name: "form-encoded attach body",
    why: "r.FormValue reads url-encoded bodies too: stdin=1 in the body, not in the query",
    bytes: `POST /containers/rootbox/attach?stream=1 HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nstdin=1`,
    status: 400,
  },
  {
    name: "old-API start with a host config",
    why: "API < 1.24 takes a HostConfig at start, replacing the one judged at create",
    bytes: jsonRequest("POST", "/v1.23/containers/plain/start", '{"Binds":["/:/host"],"Privileged":true}'),
    status: 403,
    check: async () => {
      const r = await daemonGet(d.socket, "/containers/plain/json");
      const j = r.json as { State: { Running: boolean }; HostConfig: { Binds: string[] | null } };
      assert.equal(j.State.Running, false);
      assert.equal(j.HostConfig.Binds, null);
    },
  },
  {
    name: "starting a container created around the proxy",
    why: "a container made directly on the daemon with / mounted is harmless until something starts it",
    bytes: `POST /containers/rootbox-stopped/start HTTP/1.1\r\nHost: d\r\n\r\n`,
    status: 403,
    check: async () => {
      const j = (await daemonGet(d.socket, "/containers/rootbox-stopped/json")).json as { State: { Running: boolean } };
      assert.equal(j.State.Running, false);
    },
  },
  {
    name: "restarting a container created around the proxy",
    why: "restart starts a stopped container too",
    bytes: `POST /containers/rootbox-stopped/restart HTTP/1.1\r\nHost: d\r\n\r\n`,
    status: 403,
    check: async () => {
      const j = (await daemonGet(d.socket, "/containers/rootbox-stopped/json")).json as { State: { Running: boolean } };
      assert.equal(j.State.Running, false);
    },
  },
  {
    name: "update adding a device",
    why: "update bodies carry Resources, Devices among them",
    bytes: jsonRequest("POST", "/containers/running/update", '{"Devices":[{"PathOnHost":"/dev/mem","PathInContainer":"/dev/mem","CgroupPermissions":"rwm"}]}'),
    status: 403,
    concern: "devices",
  },
  {
    name: "privileged exec",
    why: "exec with Privileged gets every capability inside an otherwise harmless container",
    bytes: jsonRequest("POST", "/containers/running/exec", '{"Privileged":true,"Cmd":["id"]}'),
    status: 403,
    concern: "privileged",
    check: async () => {
      const j = (await daemonGet(d.socket, "/containers/running/json")).json as { ExecIDs: string[] | null };
      assert.equal(j.ExecIDs, null);
    },
  },
  {
    name: "exec into a container that mounts /",
    why: "a shell in a container with / mounted is a shell on the host's files",
    bytes: jsonRequest("POST", "/containers/rootbox/exec", '{"Cmd":["cat","/host/etc/shadow"]}'),
    status: 403,
    check: async () => {
      const j = (await daemonGet(d.socket, "/containers/rootbox/json")).json as { ExecIDs: string[] | null };
      assert.equal(j.ExecIDs, null);
    },
  },
  {
    name: "archive read from a container that mounts /",
    why: "GET is not read-only: /containers/x/archive?path=/host/etc reads the host (Tecnativa #182)",
    bytes: `GET /containers/rootbox/archive?path=/host/etc/shadow HTTP/1.1\r\nHost: d\r\n\r\n`,
    status: 403,
  },
  {
    name: "archive write into a container that mounts /",
    why: "PUT archive writes into /host, i.e. the host's /",
    bytes: `PUT /containers/rootbox/archive?path=/host/tmp HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-tar\r\nContent-Length: 1024\r\n\r\n` + "\0".repeat(1024),
    status: 403,
  },
  {
    name: "export of a container that mounts /",
    why: "export streams the whole filesystem",
    bytes: `GET /containers/rootbox/export HTTP/1.1\r\nHost: d\r\n\r\n`,
    status: 403,
  },
  {
    name: "attach with stdin to a container that mounts /",
    why: "stdin to a shell in such a container is a shell on the host",
    bytes: `POST /containers/rootbox/attach?stream=1&stdin=1&stdin=0 HTTP/1.1\r\nHost: d\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n`,
    status: 403,
  },
  {
    name: "websocket attach with stdin",
    why: "same as attach, through GET",
    bytes: `GET /containers/rootbox/attach/ws?stdin=1&stream=1 HTTP/1.1\r\nHost: d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    status: 403,
  },
  {
    name: "volume create binding /",
    why: "local driver options type=none,o=bind,device=/ make an ordinary-looking named volume that is the host's /",
    bytes: jsonRequest("POST", "/volumes/create", '{"Name":"bpvol","Driver":"local","DriverOpts":{"type":"none","o":"bind","device":"/"}}'),
    status: 403,
  },
  {
    name: "inline VolumeOptions.DriverConfig",
    why: "a Mounts entry of type volume can create the same bind volume at container create",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Mounts":[{"Type":"volume","Source":"bpinline","Target":"/h","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/"}}}}]}}'),
    status: 403,
  },
  {
    name: "named volume made earlier with device=/etc",
    why: "the create body names only `hostetc`; the volume's driver options say it is the host's /etc",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"Binds":["hostetc:/x"]}}'),
    status: 403,
    concern: "host-path",
  },
  {
    name: "VolumesFrom a container that mounts /",
    why: "volumes-from copies the source's binds, / included",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"VolumesFrom":["rootbox"]}}'),
    status: 403,
  },
  {
    name: "joining the pid namespace of a host-pid container",
    why: "container:<ref> inherits the target's namespace, here the host's",
    bytes: CREATE('{"Image":"mini:latest","HostConfig":{"PidMode":"container:hostpidbox"}}'),
    status: 403,
    concern: "host-namespace",
  },
  {
    name: "allow-listed directory with a symlink to /",
    why: "the allow-list names a directory; the link inside it points at / (resolved on the host)",
    bytes: () => CREATE(JSON.stringify({ Image: "mini:latest", HostConfig: { Binds: [`${links}/root:/h`] } })),
    status: 403,
  },
  {
    name: "the daemon socket under another name",
    why: "a symlink called `innocent` in an allow-listed directory resolves to docker.sock",
    bytes: () => CREATE(JSON.stringify({ Image: "mini:latest", HostConfig: { Binds: [`${links}/innocent:/s`] } })),
    status: 403,
    concern: "socket-mount",
  },
  {
    name: "the daemon socket hard-linked under a neutral name",
    why: "no name list knows `api`; the inode is the daemon's socket",
    bytes: () => CREATE(JSON.stringify({ Image: "mini:latest", HostConfig: { Binds: [`${links}/api:/x`] } })),
    status: 403,
    concern: "socket-mount",
  },
  {
    name: "plugin install",
    why: "plugins run with the privileges they ask for; the proxy cannot judge them",
    bytes: jsonRequest("POST", "/plugins/pull?remote=evil/plugin", "[]"),
    status: 403,
  },
  {
    name: "swarm init",
    why: "services run containers the proxy never sees as create bodies",
    bytes: jsonRequest("POST", "/swarm/init", '{"ListenAddr":"127.0.0.1"}'),
    status: 403,
  },
  {
    name: "BuildKit gRPC",
    why: "build content travels inside gRPC: unjudgeable",
    bytes: `POST /grpc HTTP/1.1\r\nHost: d\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n`,
    status: 403,
  },
  {
    name: "classic build with host network",
    why: "RUN steps with networkmode=host share the host's network namespace",
    bytes: `POST /build?networkmode=host&t=bp HTTP/1.1\r\nHost: d\r\nContent-Type: application/x-tar\r\nContent-Length: 1024\r\n\r\n` + "\0".repeat(1024),
    status: 403,
    concern: "host-namespace",
  },
  {
    name: "request pipelined behind an Upgrade on a non-hijack route",
    why: "a proxy that treats any Upgrade as a tunnel forwards what follows unjudged",
    bytes: `GET /containers/json HTTP/1.1\r\nHost: d\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n` + CREATE('{"Image":"mini:latest","HostConfig":{"Privileged":true}}'),
    status: 200,
    pipelined: true,
  },
  {
    name: "request pipelined behind a failed hijack",
    why: "attach to a missing container answers 404, not 101: the next bytes are a request, and must be judged",
    bytes: `POST /containers/nosuch/attach?stream=1 HTTP/1.1\r\nHost: d\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n` + CREATE('{"Image":"mini:latest","HostConfig":{"Privileged":true}}'),
    status: 404,
    pipelined: true,
  },
  {
    name: "unknown endpoint",
    why: "guarded denies what it does not know",
    bytes: `GET /containers/rootbox/secret-sauce HTTP/1.1\r\nHost: d\r\n\r\n`,
    status: 403,
  },
];

for (const c of CASES) {
  test(`bypass: ${c.name}`, async () => {
    const bytes = typeof c.bytes === "function" ? c.bytes() : c.bytes;
    const raw = await rawExchange(psock, bytes);
    const st = statuses(raw);
    assert.equal(st[0], c.status, `${c.why}\nresponse: ${raw.slice(0, 600)}`);
    if (c.status === 403) assert.match(raw, /"message":"sockwarden: denied: /);
    if (c.concern) assert.match(raw, new RegExp(`\\(${c.concern}\\)`), raw.slice(0, 600));
    // Pipelined cases: whatever followed was refused too, never forwarded.
    // The pipelined request is either judged on its own (403) or never read, when the daemon
    // closes the connection after its answer; the daemon check below is the real proof.
    if (c.pipelined) assert.ok(st.length === 1 || (st.length === 2 && st[1] === 403), `pipelined: ${st}`);
    else assert.equal(st.length, 1, `after a refusal nothing more is answered: ${st}`);
    // Ground truth from the daemon: nothing new exists.
    assert.deepEqual(await containerNames(d.socket), baseline, "a container was created");
    assert.deepEqual(await volumeNames(d.socket), baseVolumes, "a volume was created");
    await c.check?.();
  });
}

test("trailing bytes after the JSON value are not forwarded", async () => {
  // Go's decoder reads the first value; older daemons ignore the rest. The proxy forwards only
  // the canonical first value: the container exists and is not privileged.
  const raw = await rawExchange(psock, CREATE('{"Image":"mini:latest","Cmd":["true"]}{"HostConfig":{"Privileged":true}}', "/containers/create?name=trailing"));
  assert.equal(statuses(raw)[0], 201, raw);
  const j = (await daemonGet(d.socket, "/containers/trailing/json")).json as { HostConfig: { Privileged: boolean } };
  assert.equal(j.HostConfig.Privileged, false);
  await d.docker(["rm", "-f", "trailing"]);
});

test("top-level host config is forwarded inside HostConfig (what was judged is what runs)", async () => {
  const raw = await rawExchange(psock, CREATE('{"Image":"mini:latest","Cmd":["true"],"Binds":["/tmp:/t:ro"]}', "/containers/create?name=toplevel"));
  assert.equal(statuses(raw)[0], 201, raw);
  const j = (await daemonGet(d.socket, "/containers/toplevel/json")).json as { HostConfig: { Binds: string[] } };
  assert.deepEqual(j.HostConfig.Binds, ["/tmp:/t:ro"]);
  await d.docker(["rm", "-f", "toplevel"]);
});

test("every denial was audited; credentials and env values never are", async () => {
  // A request carrying a registry credential header and a secret env value.
  const auth = Buffer.from(JSON.stringify({ username: "u", password: "hunter2-password" })).toString("base64url");
  const raw = await rawExchange(psock, CREATE('{"Image":"mini:latest","Env":["API_TOKEN=hunter2-env"],"HostConfig":{"Privileged":true}}', "/containers/create?name=bp", ) .replace("Connection: close", `X-Registry-Auth: ${auth}\r\nConnection: close`));
  assert.equal(statuses(raw)[0], 403);
  await proxy.auditSettled();
  const denied = log.records.filter((r) => r.decision === "deny");
  assert.ok(denied.length >= 20, `only ${denied.length} denials logged`);
  const text = JSON.stringify(log.records);
  assert.doesNotMatch(text, /hunter2/);
  assert.doesNotMatch(text, new RegExp(auth));
  for (const r of log.records) assert.deepEqual(Object.keys(r).filter((k) => !["time", "client", "peer", "method", "path", "route", "decision", "concern", "rule", "reason", "status", "bytesIn", "bytesOut", "durationMs"].includes(k)), []);
  // A Unix client is named by its process when the lookup (one `ss` run after accept) finds it
  // still connected; these raw exchanges close at once, so some are logged without. Any that is
  // named must be this test process, with pid, ids and program name only: never the command line.
  const me = { pid: process.pid, uid: process.getuid!(), gid: process.getgid!(), command: readFileSync(`/proc/${process.pid}/comm`, "utf8").trim() };
  for (const r of log.records) if (r.peer) assert.deepEqual(r.peer, me);
});
