/**
 * Fuzz the proxy's request handling end to end: random, malformed and adversarial requests go
 * in; a *recording* upstream (a plain TCP server standing in for the daemon, because only a
 * recorder can show the exact bytes that were forwarded) answers. Properties:
 * - the proxy never crashes and still answers afterwards;
 * - every byte that reached the upstream parses as strict HTTP/1.1 built by the proxy (CRLF,
 *   one Content-Length, no Transfer-Encoding on judged bodies);
 * - every container create that reached the upstream is allowed by the policy when judged again
 *   from the forwarded bytes alone (nothing unjudged got through).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import fc from "fast-check";
import { startProxy, type RunningProxy } from "../../src/proxy/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { parseRequestHead, ChunkedDecoder } from "../../src/proxy/http1.js";
import { CREATE_BODY, decodeBody, splitCreateBody } from "../../src/proxy/gojson.js";
import { containerToWorkloads } from "../../src/proxy/toWorkload.js";
import { decide } from "../../src/proxy/decide.js";
import { rawExchange } from "./helpers.js";

let upstream: net.Server;
let upPort = 0;
let proxy: RunningProxy;
const received: { head: string; body: Buffer; path: string; method: string }[] = [];
const violations: string[] = [];

/** A stand-in daemon that parses strictly what it receives and records it. */
const upSockets = new Set<net.Socket>();
function recorder(sock: net.Socket): void {
  upSockets.add(sock);
  let buf = Buffer.alloc(0);
  sock.on("data", (c) => {
    buf = Buffer.concat([buf, c]);
    for (;;) {
      const r = parseRequestHead(buf);
      if (r.kind === "incomplete") return;
      if (r.kind === "error") {
        violations.push(`upstream got unparsable bytes: ${r.error.message}: ${JSON.stringify(buf.subarray(0, 200).toString("latin1"))}`);
        sock.destroy();
        return;
      }
      const h = r.head;
      let body = Buffer.alloc(0);
      let used = r.consumed;
      if (h.framing.kind === "length") {
        if (buf.length < r.consumed + h.framing.length) return;
        body = buf.subarray(r.consumed, r.consumed + h.framing.length);
        used += h.framing.length;
      } else if (h.framing.kind === "chunked") {
        const dec = new ChunkedDecoder();
        const out = dec.push(buf.subarray(r.consumed));
        if (!out.done) return;
        body = Buffer.concat(out.data);
        used += out.used;
      }
      buf = buf.subarray(used);
      const path = h.target.split("?")[0]!.replace(/^\/v[0-9.]+/, "");
      received.push({ head: h.method + " " + h.target, body, path, method: h.method });
      const notFound = h.method === "GET" && (/^\/volumes\//.test(path) || /^\/containers\/.+\/json$/.test(path) || /^\/exec\//.test(path));
      const payload = notFound ? '{"message":"no such object"}' : "{}";
      sock.write(`HTTP/1.1 ${notFound ? "404 Not Found" : "200 OK"}\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\nApi-Version: 1.41\r\n\r\n${payload}`);
    }
  });
  sock.on("error", () => undefined);
}

before(async () => {
  upstream = net.createServer(recorder);
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upPort = (upstream.address() as net.AddressInfo).port;
  proxy = await startProxy({ listen: "tcp://127.0.0.1:0", upstream: `tcp://127.0.0.1:${upPort}`, policy: defaultPolicy(), resolveSymlinks: false });
});
after(async () => {
  await proxy?.close();
  upSockets.forEach((s) => s.destroy());
  await new Promise<void>((r) => upstream.close(() => r()));
});

function exchange(bytes: Buffer): Promise<string> {
  const m = /:([0-9]+)$/.exec(proxy.address)!;
  return new Promise((resolve) => {
    const s = net.connect(Number(m[1]), "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const t = setTimeout(done, 1500);
    s.on("data", (c) => chunks.push(c));
    s.on("end", done);
    s.on("error", done);
    s.on("connect", () => s.end(bytes));
  });
}

const key = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((f) =>
    [...name].map((c, i) => (!f[i] ? c : c === "s" ? "\u017f" : c === "k" ? "\u212a" : c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join(""),
  );
const hostField = fc.oneof(
  fc.tuple(key("Privileged"), fc.constantFrom("true", "false", '"true"', "null")),
  fc.tuple(key("Binds"), fc.constantFrom('["/:/h"]', '["/tmp:/t"]', "[]", '"/:/h"', '["vol:/v"]')),
  fc.tuple(key("NetworkMode"), fc.constantFrom('"host"', '"none"', '"Host"')),
  fc.tuple(key("CapAdd"), fc.constantFrom('"SYS_ADMIN"', '["CHOWN"]', "null")),
  fc.tuple(key("Mounts"), fc.constantFrom('[{"Type":"bind","Source":"/","Target":"/h"}]', '[{"Target":"/x"}]', '[{"type":"tmpfs","target":"/t"}]')),
  fc.tuple(key("SecurityOpt"), fc.constantFrom('["seccomp=unconfined"]', '["no-new-privileges"]')),
);
const obj = (fields: [string, string][]) => "{" + fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",") + "}";
const createBody = fc
  .tuple(fc.array(hostField, { maxLength: 4 }), fc.array(hostField, { maxLength: 3 }), fc.array(fc.constantFrom("HostConfig", "hostconfig", "HOSTCONFIG"), { maxLength: 2 }), fc.constantFrom("", " {\"HostConfig\":{\"Privileged\":true}}", "garbage"))
  .map(([inner, top, hcKeys, trailer]) => {
    const fields: [string, string][] = [["Image", '"mini:latest"'], ...top];
    for (const k of hcKeys) fields.push([k, obj(inner)]);
    return obj(fields) + trailer;
  });
const path = fc.constantFrom("/containers/create", "/v1.41/containers/create", "/v1.41.0/containers/%63reate", "//containers/create", "/containers/./create", "/v1..4/containers/create", "/containers/json", "/_ping", "/volumes/create", "/containers/x/exec", "/plugins/pull", "/grpc", "/containers/x/attach?stdin=1");
const framing = fc.constantFrom("cl", "chunked", "both", "dupcl", "cl0", "none", "short");
const eol = fc.constantFrom("\r\n", "\r\n", "\n");
const extra = fc.array(fc.constantFrom("Upgrade: tcp", "Connection: Upgrade", "X-A: 1", " folded", "Expect: 100-continue", "Content-Type: application/x-www-form-urlencoded", "Host: two"), { maxLength: 3 });

function build(method: string, p: string, body: string, fr: string, e: string, hs: string[]): Buffer {
  const b = Buffer.from(body);
  const lines = [`${method} ${p} HTTP/1.1`, "Host: docker", "Content-Type: application/json", ...hs];
  let payload: Buffer = b;
  if (fr === "cl") lines.push(`Content-Length: ${b.length}`);
  else if (fr === "short") lines.push(`Content-Length: ${Math.max(0, b.length - 5)}`);
  else if (fr === "cl0") lines.push("Content-Length: 0");
  else if (fr === "dupcl") lines.push(`Content-Length: ${b.length}`, `Content-Length: ${b.length}`);
  else if (fr === "both") lines.push(`Content-Length: ${b.length}`, "Transfer-Encoding: chunked");
  if (fr === "chunked" || fr === "both") {
    if (fr === "chunked") lines.push("Transfer-Encoding: chunked");
    const half = Math.floor(b.length / 2);
    const parts = [b.subarray(0, half), b.subarray(half)].filter((x) => x.length);
    payload = Buffer.concat([...parts.flatMap((x) => [Buffer.from(x.length.toString(16) + "\r\n"), x, Buffer.from("\r\n")]), Buffer.from("0\r\n\r\n")]);
  }
  if (fr === "none") payload = Buffer.alloc(0);
  return Buffer.concat([Buffer.from(lines.join(e) + e + e, "latin1"), payload]);
}

test("fuzz: adversarial requests never crash the proxy and nothing unjudged reaches the daemon", async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("POST", "GET", "PUT", "DELETE", "PRI"), path, createBody, framing, eol, extra, fc.boolean(), async (m, p, body, fr, e, hs, pipeline) => {
      let bytes = build(m, p, body, fr, e, hs);
      if (pipeline) bytes = Buffer.concat([bytes, build("POST", "/containers/create", body, "cl", "\r\n", [])]);
      const resp = await exchange(bytes);
      n++;
      // Every answer the client got is HTTP/1.1 from us or the daemon (never nothing-and-hang).
      if (resp.length) assert.match(resp, /^HTTP\/1\.1 [0-9]{3} /);
    }),
    { numRuns: 400 },
  );
  // Well-framed creates with adversarial bodies: many reach the daemon, and must all be allowed.
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("/containers/create", "/v1.41/containers/create", "/v1.41.0/containers/%63reate"), createBody, fc.constantFrom("cl", "chunked"), async (p, body, fr) => {
      const resp = await exchange(build("POST", p, body, fr, "\r\n", []));
      assert.match(resp, /^HTTP\/1\.1 (200|400|403) /);
      n++;
    }),
    { numRuns: 300 },
  );
  // The proxy still answers.
  const ping = await exchange(Buffer.from("GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n"));
  assert.match(ping, /^HTTP\/1\.1 200/);
  assert.deepEqual(violations, []);
  // Re-judge every create that reached the daemon from the forwarded bytes alone.
  const creates = received.filter((r) => r.method === "POST" && r.path === "/containers/create");
  const resolver = { container: async () => undefined, volume: async () => undefined };
  for (const c of creates) {
    const split = splitCreateBody(decodeBody(CREATE_BODY as never, c.body));
    assert.equal(split.canonical, c.body.toString(), "forwarded body is canonical (re-serializing it changes nothing)");
    const ws = await containerToWorkloads(split.config, split.hostConfig, { resolver, object: "fuzz" });
    const d = decide(ws, defaultPolicy());
    assert.ok(d.allow, `a create reached the daemon that the policy denies: ${c.body.toString()}`);
  }
  assert.ok(n === 700 && creates.length > 0, `fuzz exercised allowed creates too (${creates.length})`);
  // Nothing but what the proxy itself asks for or forwards: no untrusted routes.
  assert.ok(!received.some((r) => r.path === "/plugins/pull" || r.path === "/grpc"));
});

test("a request body split over many writes is read whole before anything is forwarded", async () => {
  const before = received.length;
  const body = '{"Image":"mini:latest","HostConfig":{"Privileged":true}}';
  const bytes = Buffer.from(`POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  const m = /:([0-9]+)$/.exec(proxy.address)!;
  const resp = await new Promise<string>((resolve) => {
    const s = net.connect(Number(m[1]), "127.0.0.1");
    const chunks: Buffer[] = [];
    s.on("data", (c) => chunks.push(c));
    s.on("close", () => resolve(Buffer.concat(chunks).toString()));
    s.on("connect", async () => {
      for (let i = 0; i < bytes.length; i += 7) {
        s.write(bytes.subarray(i, i + 7));
        await new Promise((r) => setTimeout(r, 1));
      }
    });
  });
  assert.match(resp, /^HTTP\/1\.1 403/);
  assert.equal(received.slice(before).filter((r) => r.path === "/containers/create").length, 0);
  void rawExchange;
});
