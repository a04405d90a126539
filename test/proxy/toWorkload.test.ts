import { test } from "node:test";
import assert from "node:assert/strict";
import { CREATE_BODY, EXEC_BODY, VOLUME_BODY, decodeBody, splitCreateBody } from "../../src/proxy/gojson.js";
import { containerToWorkloads, containerInfoFromInspect, execToWorkloads, volumeCreateToWorkload, bindToMounts, type Resolver, type ContainerInfo } from "../../src/proxy/toWorkload.js";

// Inspect answers as the daemon gives them (trimmed to the fields that matter).
const INSPECT: Record<string, unknown> = {
  rootbox: { Id: "r1", Name: "/rootbox", State: { Status: "running" }, Config: { Image: "mini", User: "" }, HostConfig: { Binds: ["/:/host"], PidMode: "host" } },
  plain: { Id: "p1", Name: "/plain", State: { Status: "running" }, Config: { Image: "mini" }, HostConfig: { Binds: ["data:/data"], NetworkMode: "none" } },
};
const VOLUMES: Record<string, { driver: string; options: Record<string, string> }> = {
  // created earlier with: docker volume create --opt type=none --opt o=bind --opt device=/etc data
  data: { driver: "local", options: { type: "none", o: "bind", device: "/etc" } },
  cache: { driver: "local", options: {} },
};
const resolver: Resolver = {
  async container(ref) {
    const j = INSPECT[ref];
    return j ? containerInfoFromInspect(j) : undefined;
  },
  async volume(name) {
    return VOLUMES[name];
  },
};
const create = async (s: string) => {
  const r = splitCreateBody(decodeBody(CREATE_BODY as never, Buffer.from(s)));
  return containerToWorkloads(r.config, r.hostConfig, { resolver, object: "container new" });
};

test("binds: host paths, named volumes resolved through the daemon, anonymous volumes", async () => {
  const [w] = await create('{"Image":"mini","HostConfig":{"Binds":["/var/run/docker.sock:/s:ro","data:/d","cache:/c","/anon","/x:rw"]}}');
  const m = w!.mounts;
  assert.deepEqual(m[0], { type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock", target: "/s", readOnly: true });
  assert.equal(m[1]!.hostPath, "/etc"); // volume `data` binds /etc (driver options)
  assert.match(m[1]!.via!, /named volume `data` \(driver options device=\/etc,o=bind,type=none\)/);
  assert.equal(m[2]!.hostPath, undefined); // plain local volume
  assert.equal(m[3]!.hostPath, undefined); // anonymous volume at /anon
  assert.equal(m[4]!.hostPath, undefined); // `/x:rw` is a target with a mode, not a host path
  assert.equal(m.length, 5);
});

test("Mounts: bind, inline local-driver volume with device, tmpfs", async () => {
  const [w] = await create(JSON.stringify({
    Image: "mini",
    HostConfig: { Mounts: [
      { Type: "bind", Source: "/root", Target: "/r", ReadOnly: true },
      { Type: "volume", Source: "fresh", Target: "/v", VolumeOptions: { DriverConfig: { Name: "local", Options: { type: "none", o: "bind", device: "/" } } } },
      { Type: "tmpfs", Target: "/t" },
    ] },
  }));
  const hostPaths = w!.mounts.map((m) => m.hostPath);
  assert.deepEqual(hostPaths, ["/root", "/", undefined, undefined]); // fresh: DriverConfig entry + the named volume itself
});

test("host settings: privileged, caps (StrSlice), devices, security options, namespaces, user, env", async () => {
  const [w] = await create(JSON.stringify({
    Image: "mini", User: "0:0", Env: ["DOCKER_HOST=tcp://x:2375", "SECRET=hunter2", "BARE"], Labels: { team: "a" },
    HostConfig: { Privileged: true, CapAdd: "SYS_ADMIN", Devices: [{ PathOnHost: "/dev/sda", PathInContainer: "/dev/xvda" }],
      SecurityOpt: ["seccomp:unconfined", "apparmor=unconfined"], PidMode: "host", NetworkMode: "bridge", UsernsMode: "host", GroupAdd: ["docker"], MaskedPaths: [] },
  }));
  assert.equal(w!.privileged?.value, true);
  assert.deepEqual(w!.capAdd.map((c) => c.value), ["SYS_ADMIN"]);
  assert.deepEqual(w!.devices.map((d) => d.value), ["/dev/sda"]);
  assert.deepEqual(w!.securityOpt.map((d) => d.value), ["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"]);
  assert.equal(w!.namespaces.pid?.value.mode, "host");
  assert.equal(w!.namespaces.network?.value.mode, "private");
  assert.equal(w!.namespaces.userns?.value.mode, "host");
  assert.equal(w!.user?.value, "0:0");
  assert.deepEqual(w!.groups.map((g) => g.value), ["docker"]);
  assert.deepEqual(w!.labels, { team: "a" });
  // env values are kept only for DOCKER_HOST & co (never SECRET's)
  assert.deepEqual(w!.env.map((e) => e.value), [{ name: "DOCKER_HOST", value: "tcp://x:2375" }, { name: "SECRET" }, { name: "BARE" }]);
});

test("host mode is an exact string: `Host` is not host (the daemon compares exactly)", async () => {
  const [w] = await create('{"HostConfig":{"PidMode":"Host"}}');
  assert.notEqual(w!.namespaces.pid?.value.mode, "host");
});

test("VolumesFrom copies the source's mounts; container: joins bring the target along", async () => {
  const ws = await create('{"Image":"mini","HostConfig":{"VolumesFrom":["rootbox:ro"],"PidMode":"container:rootbox"}}');
  assert.equal(ws[0]!.mounts[0]!.hostPath, "/");
  assert.equal(ws[0]!.mounts[0]!.readOnly, true);
  assert.match(ws[0]!.mounts[0]!.via!, /VolumesFrom rootbox/);
  // joining rootbox's pid namespace, which is the host's
  assert.equal(ws[0]!.namespaces.pid?.value.mode, "host");
  assert.equal(ws.length, 2);
  assert.match(ws[1]!.source.object, /joined by/);
  await assert.rejects(create('{"HostConfig":{"VolumesFrom":["nope"]}}'), /no such container/);
});

test("exec inherits the container's reach and adds its own privileges", async () => {
  const target = (await resolver.container("plain")) as ContainerInfo;
  const ws = await execToWorkloads(decodeBody(EXEC_BODY as never, Buffer.from('{"Privileged":true,"User":"root"}')), target, resolver);
  assert.equal(ws[0]!.privileged?.value, true);
  assert.equal(ws[0]!.user?.value, "root");
  assert.equal(ws[0]!.mounts[0]!.hostPath, "/etc"); // plain mounts volume `data` (→ /etc)
  assert.equal(ws[0]!.source.container?.id, "p1");
});

test("volume create with local bind options is a host mount", () => {
  const w = volumeCreateToWorkload(decodeBody(VOLUME_BODY as never, Buffer.from('{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/var/run"}}')));
  assert.equal(w.mounts[0]!.hostPath, "/var/run");
  const nfs = volumeCreateToWorkload(decodeBody(VOLUME_BODY as never, Buffer.from('{"Name":"v","DriverOpts":{"type":"nfs","o":"addr=1.2.3.4","device":":/export"}}')));
  assert.equal(nfs.mounts.length, 0);
});

test("bind strings with too many parts are refused", async () => {
  await assert.rejects(bindToMounts("/a:/b:ro:extra", "", resolver), /invalid bind/);
});
