/**
 * The ssh transport in a fleet: a real `sshd` on loopback (host key and client key made here, a
 * private config, `-D -e`), audited as `ssh://root@127.0.0.1:PORT`. The engine runs
 * `ssh … docker system dial-stdio`; the remote `docker` (Debian's CLI) must reach the private
 * daemon, so the test's sshd_config sets `SetEnv DOCKER_HOST=unix://<private socket>` for every
 * session (OpenSSH ≥ 8.7; no PermitUserEnvironment, no forced command needed). The client side goes
 * through `sshCommand`: a wrapper that runs the system ssh with `-F <private ssh_config>` (key,
 * known_hosts with the test's host key, StrictHostKeyChecking yes, BatchMode yes), because ssh reads
 * ~/.ssh from the passwd home, not from $HOME.
 *
 * Expected: the container `s-sock` (root, socket bound) is a critical socket-mount finding carrying
 * the ssh host label; an ssh endpoint where nothing listens is one "ssh failure" error entry.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, createConnection } from "node:net";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { auditFleet } from "../../src/fleet/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import type { Report } from "../../src/model/report.js";

const SSHD = "/usr/sbin/sshd";
let d: Dockerd;
let dir: string;
let sshd: ChildProcess | undefined;
let sshdLog = "";
let port: number;
let deadPort: number;
let report: Report;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function canConnect(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port: p, host: "127.0.0.1" });
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

before(async () => {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install -y openssh-server (scripts/pretest.mjs installs it)`);
  d = await startDockerd();
  dir = mkdtempSync(join(tmpdir(), "swssh-"));
  chmodSync(dir, 0o700);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_ed25519")]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "id_ed25519")]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "id_ed25519.pub")), { mode: 0o600 });
  [port, deadPort] = await Promise.all([freePort(), freePort()]);
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_ed25519")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "UsePAM no",
      "StrictModes no",
      // The engine opens one dial-stdio session per connection, several at once.
      "MaxStartups 100",
      `SetEnv DOCKER_HOST=${d.host}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${readFileSync(join(dir, "host_ed25519.pub"), "utf8").split(" ").slice(0, 2).join(" ")}\n`);
  writeFileSync(
    join(dir, "ssh_config"),
    ["Host *", `  IdentityFile ${join(dir, "id_ed25519")}`, "  IdentitiesOnly yes", `  UserKnownHostsFile ${join(dir, "known_hosts")}`, "  StrictHostKeyChecking yes", "  BatchMode yes", "  LogLevel ERROR", "  ConnectTimeout 10", ""].join("\n"),
  );
  // sshd needs its privilege-separation directory.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  sshd = spawn(SSHD, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "pipe", "pipe"] });
  sshd.stderr!.on("data", (b: Buffer) => (sshdLog = (sshdLog + b.toString()).slice(-4000)));
  const until = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (sshd.exitCode !== null || Date.now() > until) throw new Error(`sshd did not start: ${sshdLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const wrapper = join(dir, "ssh");
  writeFileSync(wrapper, `#!/bin/sh\nexec ssh -F '${join(dir, "ssh_config")}' "$@"\n`, { mode: 0o755 });
  await d.docker(["run", "-d", "--name", "s-sock", "--network", "none", "-v", `${d.socket}:/var/run/docker.sock`, "mini:latest", "sleep", "600"]);
  report = await auditFleet([{ host: `ssh://root@127.0.0.1:${port}` }, { host: `ssh://root@127.0.0.1:${deadPort}` }], {
    policy: defaultPolicy(),
    progress: false,
    env: d.env,
    audit: { events: false, sshCommand: wrapper, timeoutMs: 20_000 },
  });
});

after(async () => {
  if (sshd && sshd.exitCode === null) {
    const gone = new Promise((r) => sshd!.once("exit", r));
    sshd.kill("SIGTERM");
    await gone;
  }
  await d?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the ssh endpoint is audited through sshd: findings carry the ssh host label", () => {
  const label = `ssh://root@127.0.0.1:${port}`;
  assert.equal(report.hosts![0]!.error, undefined, `${JSON.stringify(report.errors)}\nsshd log: ${sshdLog}`);
  assert.equal(report.hosts![0]!.endpoint, label);
  assert.equal(report.hosts![0]!.containers, 1);
  const f = report.findings.find((x) => x.rule === "runtime-socket-mount" && x.object === "container:s-sock");
  assert.ok(f, JSON.stringify(report.findings.map((x) => `${x.rule} ${x.object}`)));
  assert.equal(f.host, label);
  // Remote: no host to stat, so severity comes from the container's identity: root → critical.
  assert.equal(f.severity, "critical");
});

test("an ssh endpoint where nothing listens is one ssh failure entry, not a failed run", () => {
  const label = `ssh://root@127.0.0.1:${deadPort}`;
  const errs = report.errors.filter((e) => e.host === label);
  assert.equal(errs.length, 1);
  // Either ssh's own exit status reaches the engine first ("ssh to … failed: … Connection refused"),
  // or the closed pipe does; both are named an ssh failure.
  assert.match(errs[0]!.message, /^ssh failure: ssh to 127\.0\.0\.1 (ended before the Docker API answered|failed: .*Connection refused)/);
  assert.equal(report.hosts![1]!.error?.kind, "ssh");
  assert.ok(!report.findings.some((x) => x.host === label));
});
