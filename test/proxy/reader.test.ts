/**
 * SockReader over real sockets: 'data'-fed (client side) and onread-fed (upstream side, through
 * connectUpstream's one shared read buffer), back-pressure, end of stream, and pipeTo after detach.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { SockReader } from "../../src/proxy/reader.js";
import { connectUpstream } from "../../src/proxy/upstream.js";

async function server(onConn: (c: net.Socket) => void): Promise<{ path: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "swr-"));
  const path = join(dir, "s.sock");
  const srv = net.createServer({ allowHalfOpen: true }, onConn);
  await new Promise<void>((r) => srv.listen(path, r));
  return {
    path,
    close: () =>
      new Promise<void>((r) => {
        srv.close(() => {
          rmSync(dir, { recursive: true, force: true });
          r();
        });
      }),
  };
}

function fedReader(path: string): SockReader {
  let reader: SockReader | undefined;
  const sock = connectUpstream({ kind: "unix", path }, (b) => reader!.feed(b));
  reader = new SockReader(sock, true, 64 * 1024);
  return reader;
}

async function readAll(r: SockReader): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let b = await r.read(); b !== null; b = await r.read()) parts.push(b);
  return Buffer.concat(parts);
}

test("two upstream connections reading at once through the one shared read buffer get exactly their own bytes", async () => {
  // Distinct random payloads, larger than the shared 64 KiB buffer, written in uneven pieces: if a
  // read were not copied out before the next one, one stream's bytes would show in the other.
  const payloads = [randomBytes(3 * 1024 * 1024 + 17), randomBytes(2 * 1024 * 1024 + 5)];
  let k = 0;
  const srv = await server((c) => {
    const p = payloads[k++]!;
    let off = 0;
    const step = () => {
      while (off < p.length) {
        const n = Math.min(p.length - off, 1000 + Math.floor(Math.random() * 90_000));
        const ok = c.write(p.subarray(off, off + n));
        off += n;
        if (!ok) return void c.once("drain", step);
      }
      c.end();
    };
    step();
  });
  const readers = [fedReader(srv.path), fedReader(srv.path)];
  // The slower reader lets data pile up past its high-water mark: it must pause, not lose bytes.
  const slow = async (r: SockReader) => {
    const parts: Buffer[] = [];
    for (let b = await r.read(); b !== null; b = await r.read()) {
      parts.push(b);
      assert.ok(r.buffered <= 64 * 1024 + 64 * 1024, `buffered ${r.buffered} beyond high water plus one read`);
      await new Promise((res) => setTimeout(res, 1));
    }
    return Buffer.concat(parts);
  };
  const [a, b] = await Promise.all([readAll(readers[0]!), slow(readers[1]!)]);
  const digest = (x: Buffer) => createHash("sha256").update(x).digest("hex");
  assert.equal(a.length, payloads[0]!.length);
  assert.equal(b.length, payloads[1]!.length);
  assert.equal(digest(a), digest(payloads[0]!));
  assert.equal(digest(b), digest(payloads[1]!));
  readers.forEach((r) => r.sock.destroy());
  await srv.close();
});

test("an onread-fed reader sees the end of stream, and after detach pipeTo carries the rest and the end", async () => {
  const tail = randomBytes(512 * 1024);
  const srv = await server((c) => {
    c.write("HEAD\n");
    // The rest comes later, after the reader has been detached and piped (a hijacked stream).
    setTimeout(() => c.end(tail), 50);
  });
  const r = fedReader(srv.path);
  let first: Buffer | null | undefined;
  while ((first = r.take()) === undefined) await r.wait();
  assert.equal(first?.toString(), "HEAD\n");
  const { rest, ended } = r.detach();
  assert.equal(rest.length, 0);
  assert.equal(ended, false);
  // A slow destination: back-pressure must pause the upstream socket and resume it on drain.
  const got: Buffer[] = [];
  const sink = await server((c) => {
    c.pause();
    setTimeout(() => c.resume(), 100);
    c.on("data", (d: Buffer) => got.push(d));
    c.on("end", () => c.end()); // half-open otherwise, and the server's close() would wait for it
  });
  const dest = net.connect({ path: sink.path, allowHalfOpen: true });
  await new Promise((res) => dest.once("connect", res));
  const finished = new Promise((res) => dest.once("finish", res));
  r.pipeTo(dest);
  await finished; // the upstream's end ended the destination
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(Buffer.concat(got).equals(tail), true, `got ${Buffer.concat(got).length} of ${tail.length} bytes`);
  dest.destroy();
  r.sock.destroy();
  await sink.close();
  await srv.close();
});

test("a 'data'-fed reader (the client side) still reads and ends as before", async () => {
  const srv = await server((c) => c.end("one request"));
  const sock = net.connect({ path: srv.path, allowHalfOpen: true });
  const r = new SockReader(sock);
  assert.equal((await readAll(r)).toString(), "one request");
  assert.equal(await r.read(), null);
  sock.destroy();
  await srv.close();
});
