/** `sockwarden proxy` through the built CLI, with a real private dockerd upstream and the real
 *  docker CLI as the client: reads pass, a privileged container is refused with sockwarden's
 *  message and never created, SIGTERM stops the proxy with exit 0. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { terminate } from "./child.js";
import { startDockerd, run, NEW_DOCKER_CLI } from "../harness/dockerd.js";

const BIN = fileURLToPath(new URL("../../bin/sockwarden.js", import.meta.url));

test("proxy CLI: a missing policy file given with --policy stops start-up (exit 2)", async () => {
  const child = spawn(process.execPath, [BIN, "proxy", "--listen", "tcp://127.0.0.1:0", "--policy", join(tmpdir(), "no-such-sockwarden.yaml")], { stdio: "ignore" });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 2);
});

test("proxy CLI: guarded preset lets ps/run through, refuses --privileged with sockwarden's message", async () => {
  const d = await startDockerd();
  const dir = mkdtempSync(join(tmpdir(), "swp-"));
  const sock = join(dir, "p.sock");
  writeFileSync(join(dir, "sockwarden.yaml"), "version: 1\nproxy:\n  preset: guarded\n");
  const child = spawn(process.execPath, [BIN, "proxy", "--listen", `unix://${sock}`, "--upstream", d.host, "--policy", join(dir, "sockwarden.yaml")], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    let err = "";
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (c) => {
        err += c;
        if (/listening on/.test(err)) resolve();
      });
      child.on("exit", (code) => reject(new Error(`proxy exited ${code}: ${err}`)));
    });
    // The real docker CLI, pointed at the proxy.
    const viaProxy = (args: string[]) => run(NEW_DOCKER_CLI, ["-H", `unix://${sock}`, ...args], { env: { ...d.env, DOCKER_HOST: undefined } });
    const ps = await viaProxy(["ps", "-a"]);
    assert.equal(ps.code, 0, ps.stderr);
    const ok = await viaProxy(["run", "--rm", "mini:latest", "echo", "through-the-proxy"]);
    assert.equal(ok.stdout.trim(), "through-the-proxy", ok.stderr);
    const denied = await viaProxy(["create", "--name", "evil", "--privileged", "mini:latest"]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /sockwarden: denied: .*\(privileged\)/);
    // The daemon (asked directly) has no such container.
    const direct = await d.docker(["ps", "-a", "--filter", "name=evil", "--format", "{{.Names}}"]);
    assert.equal(direct.stdout.trim(), "");
    const code = await terminate(child);
    assert.equal(code, 0);
  } finally {
    child.kill("SIGKILL");
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
