/** `sockwarden watch` through the built CLI on a real private dockerd: a one-second container
 *  with `-v /:/host` is alerted on stdout as JSON; SIGTERM stops it with exit 0. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { terminate } from "./child.js";
import { startDockerd } from "../harness/dockerd.js";

const BIN = fileURLToPath(new URL("../../bin/sockwarden.js", import.meta.url));

test("watch CLI: alerts a short-lived container that binds /, not a benign one; exits 0 on SIGTERM", async () => {
  const d = await startDockerd();
  const state = mkdtempSync(join(tmpdir(), "sw-watch-"));
  const child = spawn(process.execPath, [BIN, "watch", "-H", d.host, "--state", join(state, "state.json")], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    let err = "";
    child.stderr.on("data", (c) => (err += c));
    let out = "";
    const alerts: any[] = [];
    const gotAlert = new Promise<void>((resolve) => {
      child.stdout.on("data", (c) => {
        out += c;
        const lines = out.split("\n");
        out = lines.pop()!;
        for (const l of lines) if (l.trim()) alerts.push(JSON.parse(l));
        if (alerts.some((a) => JSON.stringify(a).includes("risky-oneshot"))) resolve();
      });
    });
    // Let the watcher open its stream (it logs readiness on stderr), then run the containers.
    await new Promise((r) => setTimeout(r, 3000));
    await d.docker(["run", "--rm", "--name", "benign-oneshot", "mini:latest", "true"]);
    await d.docker(["run", "--rm", "--name", "risky-oneshot", "-v", "/:/host", "mini:latest", "true"]);
    await Promise.race([gotAlert, new Promise((_, rej) => setTimeout(() => rej(new Error(`no alert; stderr: ${err}`)), 60_000))]);
    const risky = alerts.filter((a) => JSON.stringify(a).includes("risky-oneshot"));
    assert.ok(risky.some((a) => a.severity === "critical" || a.finding?.severity === "critical"), JSON.stringify(risky).slice(0, 2000));
    assert.equal(alerts.filter((a) => JSON.stringify(a).includes("benign-oneshot")).length, 0);
    const code = await terminate(child);
    assert.equal(code, 0);
  } finally {
    child.kill("SIGKILL");
    await d.stop();
    rmSync(state, { recursive: true, force: true });
  }
});
