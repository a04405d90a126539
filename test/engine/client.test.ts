import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { EngineClient, EngineError, mapLimit, parseDockerHost, resolveEndpoint, type Endpoint } from "../../src/engine/index.js";
import { makePki, type Pki } from "./certs.js";

let d: Dockerd;
let tlsd: Dockerd;
let pki: Pki;
let tlsPort: number;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  pki = await makePki();
  tlsPort = await freePort();
  [d, tlsd] = await Promise.all([
    startDockerd(),
    startDockerd({ image: false, extraArgs: ["-H", `tcp://127.0.0.1:${tlsPort}`, "--tlsverify", "--tlscacert", pki.ca, "--tlscert", pki.serverCert, "--tlskey", pki.serverKey] }),
  ]);
});
after(async () => {
  await Promise.all([d?.stop(), tlsd?.stop()]);
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

function unixClient(): EngineClient {
  // Resolved like the CLI from DOCKER_HOST in the harness env.
  return new EngineClient(resolveEndpoint({ env: d.env }));
}

test("ping negotiates the daemon's API version (20.10 → 1.41, below our max)", async () => {
  const c = unixClient();
  try {
    const p = await c.ping();
    assert.equal(p.apiVersion, "1.41");
    assert.equal(p.osType, "linux");
    assert.equal(await c.apiVersion(), "1.41");
    const v = await c.getJson<{ ApiVersion: string; Version: string }>("/version");
    assert.equal(v.ApiVersion, "1.41");
    assert.match(v.Version, /^20\.10\./);
  } finally {
    c.close();
  }
});

test("DOCKER_API_VERSION pins the version (no negotiation)", async () => {
  const c = new EngineClient(resolveEndpoint({ env: { ...d.env, DOCKER_API_VERSION: "1.40" } }));
  try {
    assert.equal(await c.apiVersion(), "1.40");
    const info = await c.getJson<{ ID: string }>("/info");
    assert.equal(typeof info.ID, "string");
  } finally {
    c.close();
  }
});

test("list and inspect containers made by the real CLI; bounded concurrency keeps order and isolates failures", async () => {
  const names = ["eng-a", "eng-b", "eng-c"];
  await Promise.all(names.map((n) => d.docker(["create", "--name", n, "--label", `who=${n}`, "mini:latest", "sleep", "1"])));
  const c = unixClient();
  try {
    const list = await c.getJson<{ Id: string; Names: string[] }[]>("/containers/json", { all: 1 });
    const listed = list.map((x) => x.Names[0]).sort();
    for (const n of names) assert.ok(listed.includes(`/${n}`), `${n} listed`);
    const res = await mapLimit([...names, "no-such-container"], 2, (n) => c.getJson<{ Name: string; Config: { Labels: Record<string, string> } }>(`/containers/${encodeURIComponent(n)}/json`));
    assert.deepEqual(res.slice(0, 3).map((r) => (r.ok ? r.value.Name : "fail")), ["/eng-a", "/eng-b", "/eng-c"]);
    assert.equal(res[0]!.ok && res[0]!.value.Config.Labels.who, "eng-a");
    const last = res[3]!;
    assert.equal(last.ok, false);
    const err = !last.ok ? (last.error as EngineError) : undefined;
    assert.ok(err instanceof EngineError);
    assert.equal(err.kind, "http");
    assert.equal(err.details.status, 404);
    assert.match(err.message, /No such container: no-such-container/);
  } finally {
    c.close();
  }
});

test("events: a since/until window replays the daemon's buffered events and ends", async () => {
  const since = Math.floor(Date.now() / 1000) - 1;
  await d.docker(["create", "--name", "ev-one", "mini:latest", "true"]);
  await d.docker(["rm", "ev-one"]);
  const until = Math.floor(Date.now() / 1000) + 1;
  const c = unixClient();
  try {
    const seen: { Type: string; Action: string; Actor: { Attributes: Record<string, string> } }[] = [];
    await c.streamJson("/events", { since, until, filters: JSON.stringify({ container: ["ev-one"] }) }, (o) => seen.push(o as never));
    const actions = seen.filter((e) => e.Type === "container" && e.Actor.Attributes.name === "ev-one").map((e) => e.Action);
    assert.deepEqual(actions, ["create", "destroy"]);
  } finally {
    c.close();
  }
});

test("events: a live stream delivers new events and stops on abort", async () => {
  const c = unixClient();
  const ac = new AbortController();
  try {
    const got = new Promise<string>((resolve) => {
      void c.streamJson("/events", { filters: JSON.stringify({ type: ["container"] }) }, (o) => {
        const e = o as { Action: string; Actor: { Attributes: { name?: string } } };
        if (e.Actor.Attributes.name === "ev-live") {
          resolve(e.Action);
          ac.abort();
        }
      }, { signal: ac.signal });
    });
    // The stream is open once the daemon sent headers; give it a moment by creating after a ping.
    await c.ping();
    await new Promise((r) => setTimeout(r, 200));
    await d.docker(["create", "--name", "ev-live", "mini:latest", "true"]);
    assert.equal(await got, "create");
  } finally {
    ac.abort();
    c.close();
  }
});

test("errors: no socket → daemon-down; a closed TCP port → daemon-down; a non-Docker peer → protocol", async () => {
  const gone = new EngineClient({ ...parseDockerHost("unix:///nonexistent/docker.sock", false), context: "default", from: "test" } as Endpoint);
  await assert.rejects(gone.ping(), (e: unknown) => e instanceof EngineError && e.kind === "daemon-down" && /no socket at that path/.test(e.message));
  gone.close();
  const port = await freePort();
  const refused = new EngineClient({ ...parseDockerHost(`tcp://127.0.0.1:${port}`, false), context: "default", from: "test" } as Endpoint);
  await assert.rejects(refused.ping(), (e: unknown) => e instanceof EngineError && e.kind === "daemon-down" && /connection refused/.test(e.message));
  refused.close();
  // Something that is not HTTP at all.
  const srv = createServer((s) => s.end("SSH-2.0-OpenSSH_9.2\r\n"));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const p = (srv.address() as { port: number }).port;
  const bogus = new EngineClient({ ...parseDockerHost(`tcp://127.0.0.1:${p}`, false), context: "default", from: "test" } as Endpoint);
  await assert.rejects(bogus.ping(), (e: unknown) => e instanceof EngineError && e.kind === "protocol");
  bogus.close();
  srv.close();
});

test("errors: a peer that never answers → timeout", async () => {
  const conns: import("node:net").Socket[] = [];
  const srv = createServer((s) => conns.push(s));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const p = (srv.address() as { port: number }).port;
  const c = new EngineClient({ ...parseDockerHost(`tcp://127.0.0.1:${p}`, false), context: "default", from: "test" } as Endpoint, { timeoutMs: 300 });
  await assert.rejects(c.ping(), (e: unknown) => e instanceof EngineError && e.kind === "timeout");
  c.close();
  for (const s of conns) s.destroy();
  srv.close();
});

test("tcp+TLS with client certificates from DOCKER_CERT_PATH (DOCKER_TLS_VERIFY=1)", async () => {
  const certDir = mkdtempSync(join(tmpdir(), "swd-cert-"));
  try {
    // The CLI's file names: ca.pem, cert.pem, key.pem.
    for (const [src, dst] of [[pki.ca, "ca.pem"], [pki.clientCert, "cert.pem"], [pki.clientKey, "key.pem"]] as const) writeFileSync(join(certDir, dst), await import("node:fs").then((f) => f.readFileSync(src)));
    const env = { DOCKER_CONFIG: certDir, DOCKER_HOST: `tcp://127.0.0.1:${tlsPort}`, DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certDir };
    const ep = resolveEndpoint({ env });
    const c = new EngineClient(ep);
    try {
      assert.equal((await c.ping()).apiVersion, "1.41");
      const v = await c.getJson<{ ApiVersion: string }>("/version");
      assert.equal(v.ApiVersion, "1.41");
    } finally {
      c.close();
    }
    // Without the client certificate the daemon refuses the handshake: a TLS error, not "daemon down".
    const noCert = new EngineClient({ ...ep, tls: { verify: true, ca: pki.ca } });
    await assert.rejects(noCert.ping(), (e: unknown) => e instanceof EngineError && (e.kind === "tls" || e.kind === "protocol"));
    noCert.close();
    // Trusting the wrong CA: certificate verification fails.
    const wrongCa = new EngineClient({ ...ep, tls: { verify: true, ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey } });
    await assert.rejects(wrongCa.ping(), (e: unknown) => e instanceof EngineError && e.kind === "tls");
    wrongCa.close();
  } finally {
    rmSync(certDir, { recursive: true, force: true });
  }
});

test("ssh transport: the system ssh's argv, speaking HTTP over `docker system dial-stdio`", async () => {
  // Only ssh itself is stood in for (no sshd on these machines): this script checks the argv the
  // CLI would give ssh and then runs the real `docker system dial-stdio` against the private daemon.
  const dir = mkdtempSync(join(tmpdir(), "swd-ssh-"));
  const fake = join(dir, "ssh");
  writeFileSync(
    fake,
    `#!/bin/sh
# expected: -l ops -p 2222 -o ConnectTimeout=30 -T -- host1 docker system dial-stdio
[ "$*" = "-l ops -p 2222 -o ConnectTimeout=30 -T -- host1 docker system dial-stdio" ] || { echo "unexpected argv: $*" >&2; exit 255; }
exec /usr/local/bin/docker -H "$FAKE_SSH_TARGET" system dial-stdio
`,
  );
  chmodSync(fake, 0o755);
  process.env.FAKE_SSH_TARGET = d.host;
  try {
    const ep = resolveEndpoint({ flags: { host: "ssh://ops@host1:2222" }, env: {} });
    assert.equal(ep.transport, "ssh");
    const c = new EngineClient(ep, { sshCommand: fake });
    try {
      assert.equal((await c.ping()).apiVersion, "1.41");
      const list = await c.getJson<unknown[]>("/containers/json", { all: 1 });
      assert.ok(Array.isArray(list));
    } finally {
      c.close();
    }
    // ssh failing (bad argv here) is an `ssh` error carrying ssh's own message.
    const bad = new EngineClient(resolveEndpoint({ flags: { host: "ssh://other@host1" }, env: {} }), { sshCommand: fake });
    await assert.rejects(bad.ping(), (e: unknown) => e instanceof EngineError && (e.kind === "ssh" || e.kind === "protocol") && /unexpected argv|closed/.test(e.message));
    bad.close();
  } finally {
    delete process.env.FAKE_SSH_TARGET;
    rmSync(dir, { recursive: true, force: true });
  }
});
