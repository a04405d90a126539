/**
 * Both real docker CLIs (28.x and Debian's 20.10) through sockwarden in front of a real private
 * dockerd: everyday commands work unchanged (streams, hijacks, tar both ways, half-close), and
 * denied actions print sockwarden's message.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startDockerd, run, NEW_DOCKER_CLI, OLD_DOCKER_CLI, type Dockerd } from "../harness/dockerd.js";
import { startProxy, memoryAuditLog, type RunningProxy } from "../../src/proxy/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { containerNames } from "./helpers.js";

let d: Dockerd;
let proxy: RunningProxy;
let work: string;
const log = memoryAuditLog();

before(async () => {
  d = await startDockerd();
  work = mkdtempSync(join(tmpdir(), "swp-cli-"));
  proxy = await startProxy({ listen: "unix://" + join(d.dir, "p.sock"), upstream: d.host, policy: defaultPolicy(), auditLog: log });
});
after(async () => {
  await proxy?.close();
  await d?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

for (const [label, cli] of [["docker 28", NEW_DOCKER_CLI], ["docker 20.10", OLD_DOCKER_CLI]] as const) {
  describe(`${label} through sockwarden`, () => {
    const tag = label.includes("28") ? "n" : "o";
    const dk = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
      run(cli, ["-H", proxy.address, ...args], { env: { ...d.env, ...(opts.env ?? {}) }, timeoutMs: 60_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
    const ok = async (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) => {
      const r = await dk(args, opts);
      assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
      return r;
    };

    test("version, ps, run, inspect", async () => {
      const v = await ok(["version", "--format", "{{.Server.APIVersion}}"]);
      assert.equal(v.stdout.trim(), "1.41"); // negotiated through HEAD /_ping's Api-Version header
      await ok(["ps", "-a"]);
      const r = await ok(["run", "--rm", "mini:latest", "echo", "hello"]);
      assert.equal(r.stdout, "hello\n");
      await ok(["create", "--name", `insp-${tag}`, "--label", "team=a", "mini:latest", "true"]);
      const i = await ok(["inspect", "--format", "{{.Config.Labels.team}}", `insp-${tag}`]);
      assert.equal(i.stdout.trim(), "a");
    });

    test("run -i with stdin closed finishes (half-close through the hijack)", async () => {
      const r = await ok(["run", "--rm", "-i", "mini:latest", "cat"], { input: "line one\nline two\n" });
      assert.equal(r.stdout, "line one\nline two\n");
    });

    test("exec -i", async () => {
      await ok(["run", "-d", "--name", `ex-${tag}`, "mini:latest", "sleep", "300"]);
      const r = await ok(["exec", "-i", `ex-${tag}`, "sh", "-c", "cat; echo done"], { input: "from stdin\n" });
      assert.equal(r.stdout, "from stdin\ndone\n");
    });

    test("exec -t through a pseudo-terminal (raw stream, no multiplexing)", async () => {
      await ok(["run", "-d", "--name", `tty-${tag}`, "mini:latest", "sleep", "300"]);
      // `script` gives the CLI a real pty. The command line is constant (no user data in it).
      const cmd = `${cli} -H ${proxy.address} exec -t tty-${tag} sh -c 'test -t 1 && echo is-a-tty'`;
      const r = await run("/usr/bin/script", ["-qec", cmd, "/dev/null"], { env: d.env, timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /is-a-tty/);
      await ok(["rm", "-f", `tty-${tag}`]);
    });

    test("logs -f follows a running container to its end", async () => {
      await ok(["run", "-d", "--name", `lg-${tag}`, "mini:latest", "sh", "-c", "echo first; sleep 1; echo second"]);
      const r = await ok(["logs", "-f", `lg-${tag}`]);
      assert.equal(r.stdout, "first\nsecond\n");
    });

    test("attach receives output", async () => {
      await ok(["run", "-d", "--name", `at-${tag}`, "mini:latest", "sh", "-c", "sleep 2; echo attached-out"]);
      const r = await ok(["attach", "--no-stdin", `at-${tag}`]);
      assert.match(r.stdout, /attached-out/);
    });

    test("cp into and out of a container (tar both ways)", async () => {
      await ok(["run", "-d", "--name", `cp-${tag}`, "mini:latest", "sleep", "300"]);
      const src = join(work, `in-${tag}.txt`);
      const content = "payload " + "x".repeat(200_000) + "\n"; // bigger than one socket buffer
      writeFileSync(src, content);
      await ok(["cp", src, `cp-${tag}:/tmp/in.txt`]);
      const wc = await ok(["exec", `cp-${tag}`, "wc", "-c", "/tmp/in.txt"]);
      assert.equal(wc.stdout.trim().split(/\s+/)[0], String(Buffer.byteLength(content)));
      const out = join(work, `out-${tag}.txt`);
      await ok(["cp", `cp-${tag}:/tmp/in.txt`, out]);
      assert.equal(readFileSync(out, "utf8"), content);
    });

    test("events (chunked stream) and stats", async () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      await ok(["run", "--rm", "--name", `ev-${tag}`, "mini:latest", "true"]);
      const until = Math.floor(Date.now() / 1000) + 1;
      const r = await ok(["events", "--since", String(since), "--until", String(until), "--filter", `container=ev-${tag}`, "--format", "{{.Action}}"]);
      assert.match(r.stdout, /^start$/m);
      assert.match(r.stdout, /^die$/m);
      await ok(["run", "-d", "--name", `st-${tag}`, "mini:latest", "sleep", "300"]);
      const s = await ok(["stats", "--no-stream", "--format", "{{.Name}}", `st-${tag}`]);
      assert.equal(s.stdout.trim(), `st-${tag}`);
    });

    test("classic build", async () => {
      const r = await ok(["build", "-q", "-t", `built-${tag}:1`, "-"], { input: "FROM mini:latest\nRUN echo built > /f\n", env: { DOCKER_BUILDKIT: "0" } });
      assert.match(r.stdout, /sha256:/);
      const c = await ok(["run", "--rm", `built-${tag}:1`, "cat", "/f"]);
      assert.equal(c.stdout, "built\n");
    });

    test("rm -f", async () => {
      await ok(["rm", "-f", `ex-${tag}`, `cp-${tag}`, `st-${tag}`, `insp-${tag}`]);
      const names = await containerNames(d.socket);
      assert.ok(!names.includes(`ex-${tag}`));
    });

    test("denied actions print sockwarden's message and change nothing", async () => {
      const before = await containerNames(d.socket);
      for (const args of [
        ["run", "--rm", "--name", `deny-${tag}`, "-v", "/:/host", "mini:latest", "true"],
        ["run", "--rm", "--name", `deny-${tag}`, "--privileged", "mini:latest", "true"],
        ["run", "--rm", "--name", `deny-${tag}`, "-v", "/var/run/docker.sock:/var/run/docker.sock", "mini:latest", "true"],
        ["run", "--rm", "--name", `deny-${tag}`, "--pid", "host", "mini:latest", "true"],
        ["create", "--name", `deny-${tag}`, "--cap-add", "SYS_ADMIN", "mini:latest", "true"],
        ["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", "device=/", `deny-${tag}`],
      ]) {
        const r = await dk(args);
        assert.notEqual(r.code, 0, args.join(" "));
        assert.match(r.stderr, /sockwarden: denied: .*\((socket-mount|privileged|host-namespace|capabilities|host-path)\)/, `${args.join(" ")}: ${r.stderr}`);
      }
      assert.deepEqual(await containerNames(d.socket), before);
      // privileged exec into a harmless container
      await ok(["run", "-d", "--name", `px-${tag}`, "mini:latest", "sleep", "300"]);
      const px = await dk(["exec", "--privileged", `px-${tag}`, "id"]);
      assert.notEqual(px.code, 0);
      assert.match(px.stderr, /sockwarden: denied: exec in container px-.*\(privileged\)/);
      await ok(["rm", "-f", `px-${tag}`]);
    });
  });
}

test("the audit log saw hijacks and streams as allowed requests, each from the docker CLI process", async () => {
  await proxy.auditSettled();
  // Every docker command here ran as a child process named docker (both CLIs). The Unix peer
  // lookup (one `ss` run after accept) names it unless the command had already closed its
  // connection (a quick denial): most records name it, none names another process.
  const peers = log.records.filter((r) => r.peer);
  assert.ok(peers.length > 0.5 * log.records.length, `${peers.length} of ${log.records.length} records name their client process`);
  assert.ok(peers.every((r) => r.peer!.pid !== process.pid && r.peer!.uid === process.getuid!()), JSON.stringify(peers.slice(0, 3)));
  assert.ok(peers.some((r) => r.peer!.command === "docker"), [...new Set(peers.map((r) => r.peer!.command))].join(","));
  const routes = new Set(log.records.filter((r) => r.decision === "allow").map((r) => r.route));
  for (const r of ["POST /containers/{}/attach", "POST /exec/{}/start", "PUT /containers/{}/archive", "GET /containers/{}/archive", "GET /events", "POST /build"]) {
    assert.ok(routes.has(r), `${r} not seen; saw ${[...routes].join(", ")}`);
  }
  assert.ok(existsSync(d.socket));
});
