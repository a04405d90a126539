/**
 * Proxy settings against a real private dockerd and the real docker CLI: presets and endpoint
 * additions, env redaction, label ownership, bare-LF opt-in (Jenkins), the legacy raw-stream
 * hijack, metrics, mutual TLS, and start-up refusals.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import http from "node:http";
import { startDockerd, run, NEW_DOCKER_CLI, type Dockerd } from "../harness/dockerd.js";
import { startProxy, type RunningProxy } from "../../src/proxy/index.js";
import { defaultPolicy, type Policy } from "../../src/policy/types.js";
import { rawExchange, statuses, jsonRequest, daemonGet } from "./helpers.js";

let d: Dockerd;
let work: string;
const proxies: RunningProxy[] = [];

async function proxyWith(name: string, section: Record<string, unknown>, extra: Partial<Parameters<typeof startProxy>[0]> = {}, policy: Policy = defaultPolicy()): Promise<RunningProxy> {
  const p = await startProxy({ listen: "unix://" + join(d.dir, `${name}.sock`), upstream: d.host, policy: { ...policy, proxy: section }, ...extra });
  proxies.push(p);
  return p;
}
const sockOf = (p: RunningProxy) => p.address.slice("unix://".length);
const cli = (p: RunningProxy, args: string[]) => run(NEW_DOCKER_CLI, ["-H", p.address, ...args], { env: d.env, timeoutMs: 60_000 });

before(async () => {
  d = await startDockerd();
  work = mkdtempSync(join(tmpdir(), "swp-feat-"));
  await d.docker(["run", "-d", "--name", "web", "-e", "DB_PASSWORD=s3cret-value", "mini:latest", "sleep", "600"]);
});
after(async () => {
  for (const p of proxies) await p.close();
  await d?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("preset traefik: reads allowed, everything else denied with a way out; endpoints.allow adds routes", async () => {
  const p = await proxyWith("traefik", { preset: "traefik", endpoints: { allow: ["GET /containers/{id}/logs"] } });
  assert.equal((await cli(p, ["ps"])).code, 0);
  const ins = await cli(p, ["inspect", "web"]);
  assert.equal(ins.code, 0, ins.stderr);
  assert.equal((await cli(p, ["logs", "web"])).code, 0); // added by endpoints.allow
  const r = await cli(p, ["run", "--rm", "mini:latest", "true"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /sockwarden: denied: POST \/containers\/\{\} is not allowed by preset traefik|sockwarden: denied: POST \/containers\/create is not allowed by preset traefik \(endpoint\): add "POST \/containers\/create" to proxy.endpoints.allow/);
  const st = await cli(p, ["stop", "web"]);
  assert.match(st.stderr, /not allowed by preset traefik \(endpoint\)/);
});

test("preset readonly refuses archive reads (GET is not read-only)", async () => {
  const p = await proxyWith("ro", { preset: "readonly" });
  const raw = await rawExchange(sockOf(p), "GET /containers/web/archive?path=/etc HTTP/1.1\r\nHost: d\r\n\r\n");
  assert.equal(statuses(raw)[0], 403);
  assert.match(raw, /GET \/containers\/\{\}\/archive is not allowed by preset readonly/);
});

test("redact: [env] hides env values in inspect and refuses top with environments", async () => {
  const p = await proxyWith("redact", { redact: ["env"] });
  const r = await cli(p, ["inspect", "--format", "{{json .Config.Env}}", "web"]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /s3cret-value/);
  assert.match(r.stdout, /DB_PASSWORD=<redacted by sockwarden>/);
  const top = await cli(p, ["top", "web", "auxe"]);
  assert.notEqual(top.code, 0);
  assert.match(top.stderr, /sockwarden: denied: top with ps_args containing e/);
  assert.equal((await cli(p, ["top", "web", "aux"])).code, 0);
});

test("ownership: label — only containers created through the proxy can be changed", async () => {
  const p = await proxyWith("own", { ownership: "label" });
  const stop = await cli(p, ["stop", "web"]);
  assert.notEqual(stop.code, 0);
  assert.match(stop.stderr, /sockwarden: denied: container web was not created through this proxy \(ownership\)/);
  const ex = await cli(p, ["exec", "web", "true"]);
  assert.match(ex.stderr, /\(ownership\)/);
  assert.equal((await cli(p, ["run", "-d", "--name", "mine", "mini:latest", "sleep", "60"])).code, 0);
  const labels = (await daemonGet(d.socket, "/containers/mine/json")).json as { Config: { Labels: Record<string, string> } };
  assert.equal(labels.Config.Labels["io.sockwarden.proxy.owned"], "true");
  assert.equal((await cli(p, ["exec", "mine", "true"])).code, 0);
  assert.equal((await cli(p, ["rm", "-f", "mine"])).code, 0);
  // the daemon still runs web: nothing was stopped
  const web = (await daemonGet(d.socket, "/containers/web/json")).json as { State: { Running: boolean } };
  assert.equal(web.State.Running, true);
});

async function makeExec(cmd: string[]): Promise<string> {
  const raw = await rawExchange(d.socket, jsonRequest("POST", "/containers/web/exec", JSON.stringify({ AttachStdout: true, AttachStderr: true, Cmd: cmd })));
  const m = /"Id":"([0-9a-f]+)"/.exec(raw);
  assert.ok(m, raw);
  return m[1]!;
}

test("bare-LF exec start (Jenkins docker-plugin) works only on a listener that opts in", async () => {
  const strict = await proxyWith("strict", {});
  const lax = await proxyWith("lax", {}, { allowBareLF: true });
  const body = '{"Detach":false,"Tty":false}';
  const req = (id: string) => `POST /exec/${id}/start HTTP/1.1\nHost: target\nContent-Type: application/json\nContent-Length: ${body.length}\nUpgrade: tcp\nConnection: Upgrade\n\n${body}`;
  const refused = await rawExchange(sockOf(strict), req(await makeExec(["echo", "jenkins-hi"])));
  assert.equal(statuses(refused)[0], 400);
  const ok = await rawExchange(sockOf(lax), req(await makeExec(["echo", "jenkins-hi"])));
  assert.match(ok, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.match(ok, /jenkins-hi/);
});

test("legacy hijack without Upgrade: bare 200 raw stream is passed through", async () => {
  const p = await proxyWith("legacy", {});
  const id = await makeExec(["echo", "legacy-out"]);
  const body = '{"Detach":false,"Tty":false}';
  const raw = await rawExchange(sockOf(p), `POST /exec/${id}/start HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(raw, /Content-Type: application\/vnd\.docker\.raw-stream/);
  assert.match(raw, /legacy-out/);
});

test("metrics on a separate listener count decisions by route template", async () => {
  const p = await proxyWith("metrics", {}, { metricsListen: "127.0.0.1:0" });
  await cli(p, ["ps"]);
  await cli(p, ["run", "--rm", "--privileged", "mini:latest", "true"]);
  const text = await new Promise<string>((resolve, reject) => {
    const [host, port] = [p.metricsAddress!.replace(/:[0-9]+$/, ""), Number(/:([0-9]+)$/.exec(p.metricsAddress!)![1])];
    http.get({ host, port, path: "/metrics" }, (res) => {
      let s = "";
      res.on("data", (c) => (s += c));
      res.on("end", () => resolve(s));
    }).on("error", reject);
  });
  assert.match(text, /sockwarden_proxy_requests_total\{decision="allow",route="GET \/containers\/json",preset="guarded"\} 1/);
  assert.match(text, /sockwarden_proxy_requests_total\{decision="deny",route="POST \/containers\/create",preset="guarded"\} 1/);
  assert.match(text, /sockwarden_proxy_request_duration_seconds_count\{decision="allow"\} [0-9]+/);
  // Spinning is on by default, and the first request of each kind always spins (nothing known yet).
  const spun = /^sockwarden_proxy_busy_poll_seconds_total ([0-9.e-]+)$/m.exec(text);
  assert.ok(spun, "the busy-poll time is exported");
  assert.ok(Number(spun[1]) > 0, `expected some spinning, got ${spun[1]}`);
  // The process's own figures, under the names client libraries use.
  const rss = /^process_resident_memory_bytes ([0-9]+)$/m.exec(text);
  assert.ok(rss && Number(rss[1]) > 1024 * 1024, `resident memory exported: ${rss?.[1]}`);
  assert.match(text, /^nodejs_heap_size_used_bytes [0-9]+$/m);
  assert.match(text, /^process_cpu_seconds_total [0-9.e-]+$/m);
});

test("allow.hostPaths lets an allowed bind through; a broken proxy section stops start-up", async () => {
  const policy = { ...defaultPolicy(), allow: { hostPaths: [work], capabilities: [], images: [] } };
  const p = await proxyWith("allow", {}, {}, policy);
  const ok = await cli(p, ["run", "--rm", "-v", `${work}:/w:ro`, "mini:latest", "ls", "/w"]);
  assert.equal(ok.code, 0, ok.stderr);
  await assert.rejects(startProxy({ listen: "unix://" + join(d.dir, "bad.sock"), upstream: d.host, policy: { ...defaultPolicy(), proxy: { preset: "nosuch" } } }), /unknown proxy preset "nosuch"/);
  await assert.rejects(startProxy({ listen: "unix://" + join(d.dir, "bad.sock"), upstream: d.host, policy: { ...defaultPolicy(), proxy: { endpoints: { allow: ["GET /not/an/endpoint"] } } } }), /not an Engine API endpoint/);
  await assert.rejects(startProxy({ listen: "tcp://0.0.0.0:0", upstream: d.host, policy: defaultPolicy() }), /requires TLS with client certificates/);
});

test("unix listener: socket mode and group as configured", async () => {
  const { statSync } = await import("node:fs");
  const p = await proxyWith("perm", {}, { socketMode: 0o660, socketGroup: 65534 });
  const st = statSync(sockOf(p));
  assert.equal(st.mode & 0o777, 0o660);
  assert.equal(st.gid, 65534);
  assert.ok(st.isSocket());
  // a second proxy on the same path refuses to start instead of stealing the socket
  await assert.rejects(startProxy({ listen: p.address, upstream: d.host, policy: defaultPolicy() }), /in use/);
});

test("mutual TLS on TCP: the docker CLI with a client certificate works, without one it is refused", async () => {
  const o = (args: string[]) => execFileSync("openssl", args, { cwd: work, stdio: "pipe" });
  o(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1", "-subj", "/CN=swtest-ca"]);
  for (const who of ["server", "client"]) {
    o(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${who}-key.pem`, "-out", `${who}.csr`, "-subj", `/CN=${who === "server" ? "localhost" : "ci-runner"}`]);
    writeFileSync(join(work, `${who}.ext`), who === "server" ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n" : "extendedKeyUsage=clientAuth\n");
    o(["x509", "-req", "-in", `${who}.csr`, "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", `${who}.pem`, "-days", "1", "-extfile", `${who}.ext`]);
  }
  const p = await startProxy({ listen: "tcp://127.0.0.1:0", upstream: d.host, policy: defaultPolicy(), tls: { cert: join(work, "server.pem"), key: join(work, "server-key.pem"), ca: join(work, "ca.pem") } });
  proxies.push(p);
  const host = p.address;
  const withCert = await run(NEW_DOCKER_CLI, ["-H", host, "--tlsverify", "--tlscacert", join(work, "ca.pem"), "--tlscert", join(work, "client.pem"), "--tlskey", join(work, "client-key.pem"), "run", "--rm", "-i", "mini:latest", "cat"], { env: d.env, input: "over-tls\n", timeoutMs: 60_000 });
  assert.equal(withCert.code, 0, withCert.stderr);
  assert.equal(withCert.stdout, "over-tls\n");
  const without = await run(NEW_DOCKER_CLI, ["-H", host, "--tlsverify", "--tlscacert", join(work, "ca.pem"), "ps"], { env: d.env, timeoutMs: 60_000 });
  assert.notEqual(without.code, 0);
});

test("busy-poll: off, the default and the largest budget all carry the docker CLI; a bad value stops start-up", async () => {
  // The spin only changes how the proxy waits (busypoll.ts), never what it forwards: the same
  // session, including a denial and a hijacked stream, must behave the same under each setting.
  for (const [name, section, extra] of [
    ["bp-off", { busyPoll: "off" }, {}],
    ["bp-default", {}, {}],
    ["bp-flag", { busyPoll: "off" }, { busyPoll: "10ms" }], // the flag wins over the file
  ] as const) {
    const p = await proxyWith(name, section, extra);
    const ps = await cli(p, ["ps", "--format", "{{.Names}}"]);
    assert.equal(ps.code, 0, `${name}: ${ps.stderr}`);
    assert.match(ps.stdout, /^web$/m, name);
    const echo = await run(NEW_DOCKER_CLI, ["-H", p.address, "run", "--rm", "-i", "mini:latest", "cat"], { env: d.env, input: `through ${name}\n`, timeoutMs: 60_000 });
    assert.equal(echo.code, 0, `${name}: ${echo.stderr}`);
    assert.equal(echo.stdout, `through ${name}\n`);
    const denied = await cli(p, ["run", "--rm", "--privileged", "mini:latest", "true"]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /sockwarden: denied: .*\(privileged\)/, name);
  }
  await assert.rejects(startProxy({ listen: "unix://" + join(d.dir, "bad-bp.sock"), upstream: d.host, policy: defaultPolicy(), busyPoll: "1s" }), /busy-poll must be a duration such as 250us or 1ms, or off; got "1s"/);
  const flag = await run(process.execPath, [join(import.meta.dirname, "../../bin/sockwarden.js"), "proxy", "--listen", "unix://" + join(d.dir, "bad-bp2.sock"), "--upstream", d.host, "--busy-poll", "20ms"], { env: d.env, timeoutMs: 30_000 });
  assert.equal(flag.code, 2, flag.stderr);
  assert.match(flag.stderr, /busy-poll at most 10ms/);
});
