import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { startDockerd, type Dockerd } from "./dockerd.js";

let d: Dockerd;
before(async () => {
  d = await startDockerd();
});
after(async () => {
  await d?.stop();
});

test("private dockerd answers both CLIs and runs the busybox image", async () => {
  assert.ok(Buffer.byteLength(d.socket) < 107, "socket path fits a sockaddr_un");
  const v = await d.docker(["version", "--format", "{{.Server.APIVersion}}"]);
  // dockerd 20.10 speaks API 1.41 (REFERENCE.md §2.1).
  assert.equal(v.stdout.trim(), "1.41");
  const old = await d.docker(["version", "--format", "{{.Client.Version}}"], { cli: "old" });
  assert.match(old.stdout.trim(), /^20\.10\./);
  const id = await d.docker(["run", "--rm", "--network", "none", "mini:latest", "id"]);
  assert.equal(id.stdout.trim(), "uid=0(root) gid=0(root) groups=0(root)");
  const app = await d.docker(["run", "--rm", "--network", "none", "-u", "1000", "mini:latest", "id", "-u"]);
  assert.equal(app.stdout.trim(), "1000");
});

test("docker() rejects on failure with the CLI's message, or returns it with allowFail", async () => {
  await assert.rejects(d.docker(["inspect", "no-such-container"]), /No such (object|container)/i);
  const r = await d.docker(["inspect", "no-such-container"], { allowFail: true });
  assert.notEqual(r.code, 0);
});

test("stop() removes containers, stops the daemon and deletes the dir", async () => {
  const e = await startDockerd();
  // A running container (with a shim and mounts under the dir) must not keep anything behind.
  await e.docker(["run", "-d", "--network", "none", "--name", "busy", "mini:latest", "sleep", "600"]);
  const dir = e.dir;
  assert.ok(existsSync(e.socket));
  await e.stop();
  assert.equal(existsSync(dir), false);
  let alive = true;
  try {
    process.kill(e.pid, 0);
  } catch {
    alive = false;
  }
  assert.equal(alive, false, "dockerd process is gone");
  const mounts = readFileSync("/proc/self/mountinfo", "utf8");
  assert.equal(mounts.includes(dir), false, "nothing stays mounted under the dir");
});
