import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRequestHead, ChunkedDecoder, parseResponseHead, HttpError } from "../../src/proxy/http1.js";

const b = (s: string) => Buffer.from(s, "latin1");

function err(s: string, opts = {}) {
  const r = parseRequestHead(b(s), opts);
  assert.equal(r.kind, "error", `expected refusal of ${JSON.stringify(s)}`);
  return (r as { error: HttpError }).error;
}
function ok(s: string, opts = {}) {
  const r = parseRequestHead(b(s), opts);
  assert.equal(r.kind, "head", `expected a head for ${JSON.stringify(s)}: ${JSON.stringify(r)}`);
  return r as Extract<typeof r, { kind: "head" }>;
}

test("a plain GET is read with its exact length", () => {
  const s = "GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n";
  const r = ok(s + "NEXT");
  assert.equal(r.consumed, s.length); // the bytes after the blank line belong to the next request
  assert.equal(r.head.method, "GET");
  assert.equal(r.head.target, "/_ping");
  assert.deepEqual(r.head.framing, { kind: "none" });
});

test("incomplete heads wait for more bytes", () => {
  assert.equal(parseRequestHead(b("GET /_ping HTTP/1.1\r\nHost: x\r\n")).kind, "incomplete");
  assert.equal(parseRequestHead(b("GET /_ping HTTP/1.1\r\nHost: x\r\n\r")).kind, "incomplete");
});

test("Content-Length and chunked framing", () => {
  assert.deepEqual(ok("POST /a HTTP/1.1\r\nContent-Length: 12\r\n\r\n").head.framing, { kind: "length", length: 12 });
  assert.deepEqual(ok("POST /a HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n").head.framing, { kind: "chunked" });
  assert.deepEqual(ok("POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n").head.framing, { kind: "none" });
});

test("ambiguous framing is refused with 400", () => {
  // CL+TE: the classic smuggling pair (which one does the daemon believe?)
  assert.equal(err("POST /a HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n").status, 400);
  // duplicate CL, even with equal values
  assert.equal(err("POST /a HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n").status, 400);
  assert.equal(err("POST /a HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n").status, 400);
  assert.equal(err("POST /a HTTP/1.1\r\nContent-Length: +5\r\n\r\n").status, 400);
  assert.equal(err("POST /a HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n").status, 400);
  assert.equal(err("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n").status, 400);
  assert.equal(err("POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").status, 501);
  assert.equal(err("POST /a HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n").status, 400); // space before colon
});

test("obs-fold, bare LF, bare CR and controls are refused", () => {
  assert.match(err("GET /a HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n").message, /obs-fold/);
  assert.match(err("GET /a HTTP/1.1\nHost: x\n\n").message, /bare LF/);
  assert.match(err("GET /a HTTP/1.1\rHost: x\r\n\r\n").message, /bare CR/);
  assert.equal(err("GET /a HTTP/1.1\r\nX: a\x00b\r\n\r\n").status, 400);
  assert.equal(err("GET /a b HTTP/1.1\r\n\r\n").status, 400);
  assert.equal(err("GET http://docker/a HTTP/1.1\r\n\r\n").status, 400);
  assert.equal(err("GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status, 400);
});

test("bare LF is accepted only when the listener opts in (Jenkins docker-plugin)", () => {
  const r = ok("POST /exec/abc/start HTTP/1.1\nContent-Type: application/json\nContent-Length: 2\nUpgrade: tcp\nConnection: Upgrade\n\n{}", { allowBareLF: true });
  assert.equal(r.head.upgrade, "tcp");
  assert.deepEqual(r.head.framing, { kind: "length", length: 2 });
  // the head is everything up to and including the empty line: 5 lines of text
  assert.equal(r.consumed, "POST /exec/abc/start HTTP/1.1\nContent-Type: application/json\nContent-Length: 2\nUpgrade: tcp\nConnection: Upgrade\n\n".length);
});

test("HTTP/2 preface is refused", () => {
  assert.match(err("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").message, /HTTP\/2/);
  assert.match(err("PRI ").message, /HTTP\/2/);
  assert.equal(err("GET / HTTP/2.0\r\n\r\n").status, 400);
  assert.equal(err("GET / HTTP/1.2\r\n\r\n").status, 505);
});

test("oversized heads are refused", () => {
  const big = "GET /a HTTP/1.1\r\nX: " + "a".repeat(2000) + "\r\n\r\n";
  assert.equal(err(big, { maxHead: 1000 }).status, 400);
  // without the end of the head in sight, past the limit is refused too
  assert.equal(err("GET /a HTTP/1.1\r\nX: " + "a".repeat(2000), { maxHead: 1000 }).status, 400);
});

test("chunked decoder: data, end, and what follows", () => {
  const d = new ChunkedDecoder();
  const input = b("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\nGET");
  const r = d.push(input);
  assert.equal(Buffer.concat(r.data).toString(), "hello world");
  assert.equal(r.done, true);
  assert.equal(input.subarray(r.used).toString(), "GET");
});

test("chunked decoder refuses bad framing", () => {
  assert.throws(() => new ChunkedDecoder().push(b("5\r\nhelloX\r\n")), /longer than/);
  assert.throws(() => new ChunkedDecoder().push(b("zz\r\n")), /chunk size/);
  assert.throws(() => new ChunkedDecoder().push(b("0\r\nX-Trailer: 1\r\n\r\n")), /trailer/);
  assert.throws(() => new ChunkedDecoder().push(b("5\nhello\r\n")), /bare LF/);
  assert.throws(() => new ChunkedDecoder().push(b("-5\r\n")), /chunk size/);
});

test("property: chunked decoding of any split of any encoding gives back the data", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 8 }), fc.array(fc.nat(300), { maxLength: 6 }), (chunks, cuts) => {
      const enc = Buffer.concat([...chunks.flatMap((c) => [b(c.length.toString(16) + "\r\n"), Buffer.from(c), b("\r\n")]), b("0\r\n\r\n")]);
      const d = new ChunkedDecoder();
      const out: Buffer[] = [];
      let pos = 0;
      const points = [...new Set(cuts.map((c) => c % (enc.length + 1)))].sort((x, y) => x - y);
      for (const p of [...points, enc.length]) {
        if (p < pos) continue;
        const r = d.push(enc.subarray(pos, p));
        out.push(...r.data);
        assert.equal(r.used, p - pos);
        pos = p;
      }
      assert.equal(d.done, true);
      assert.deepEqual(Buffer.concat(out), Buffer.concat(chunks.map((c) => Buffer.from(c))));
    }),
    { numRuns: 300 },
  );
});

test("property: the parser never throws and never accepts a head with CL+TE or duplicate CL", () => {
  const lines = fc.constantFrom("Content-Length: 3", "Content-Length: 4", "Transfer-Encoding: chunked", "Host: d", "X-A: b", " folded", "Upgrade: tcp", "\tx");
  fc.assert(
    fc.property(fc.array(lines, { maxLength: 6 }), fc.constantFrom("\r\n", "\n"), fc.boolean(), (hs, eol, bare) => {
      const s = ["POST /containers/create HTTP/1.1", ...hs].join(eol) + eol + eol;
      const r = parseRequestHead(b(s), { allowBareLF: bare });
      if (r.kind !== "head") return;
      const cl = hs.filter((h) => h.startsWith("Content-Length")).length;
      const te = hs.filter((h) => h.startsWith("Transfer-Encoding")).length;
      assert.ok(cl <= 1 && te <= 1 && !(cl && te));
      assert.ok(!hs.some((h) => h.startsWith(" ") || h.startsWith("\t")));
      if (eol === "\n") assert.ok(bare);
    }),
    { numRuns: 500 },
  );
});

test("fuzz: random bytes never crash the parser", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, bare) => {
      const r = parseRequestHead(Buffer.from(bytes), { allowBareLF: bare, maxHead: 200 });
      assert.ok(["head", "error", "incomplete"].includes(r.kind));
      if (r.kind === "head") assert.ok(r.consumed <= bytes.length);
    }),
    { numRuns: 2000 },
  );
});

test("response heads: framing the proxy relies on to find the end of a response", () => {
  const r = parseResponseHead(b("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"), "POST");
  assert.equal(r.kind, "head");
  if (r.kind === "head") assert.equal(r.head.status, 101);
  const h = parseResponseHead(b("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"), "HEAD");
  assert.ok(h.kind === "head" && h.head.framing.kind === "none"); // HEAD responses have no body
  const raw = parseResponseHead(b("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n"), "POST");
  assert.ok(raw.kind === "head" && raw.head.framing.kind === "close"); // legacy hijack: no length, no chunks
});

test("a large X-Registry-Config header (many registries) fits: the limit is Go's 1 MiB, not Node's 16 KiB", () => {
  const big = "x".repeat(200 * 1024);
  const r = ok(`POST /build HTTP/1.1\r\nHost: d\r\nX-Registry-Config: ${big}\r\nTransfer-Encoding: chunked\r\n\r\n`);
  assert.equal(r.head.headers.find(([n]) => n === "X-Registry-Config")?.[1].length, 200 * 1024);
});
