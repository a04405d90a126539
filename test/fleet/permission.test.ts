/**
 * Permission denied, for real: the fleet audit runs as an unprivileged user (uid/gid 65534 via
 * `setpriv`, as TESTING.md describes) against a private daemon whose socket it cannot open (the
 * harness's directory is 0700 root). Expected: that host is one error entry whose reason is
 * "permission denied", and the run itself succeeds (exit 0, a JSON report on stdout).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import type { Report } from "../../src/model/report.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
let d: Dockerd;

before(async () => {
  if (process.getuid?.() !== 0) throw new Error("this test switches to uid 65534 with setpriv and must run as root (CI does)");
  d = await startDockerd({ image: false });
});

after(async () => {
  await d?.stop();
});

test("a host whose socket this user cannot open is a 'permission denied' error entry", async () => {
  // The child imports the library from the checkout and prints the fleet report as JSON.
  const script = `import("./src/fleet/index.ts").then(async (m) => {
    const { defaultPolicy } = await import("./src/policy/types.ts");
    const r = await m.auditFleet([{ host: ${JSON.stringify(d.host)} }], { policy: defaultPolicy(), progress: false, env: { PATH: process.env.PATH }, audit: { events: false, probeListeners: false } });
    process.stdout.write(JSON.stringify(r));
  });`;
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--import", "tsx", "-e", script],
      { cwd: REPO, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
  assert.equal(out.code, 0, out.stderr);
  const r = JSON.parse(out.stdout) as Report;
  assert.equal(r.hosts![0]!.error?.kind, "permission-denied");
  const errs = r.errors.filter((e) => e.host === d.host);
  assert.equal(errs.length, 1);
  assert.match(errs[0]!.message, /^permission denied: permission denied while trying to connect to the Docker daemon socket at unix:\/\//);
  assert.equal(r.hosts![0]!.containers, 0);
});
