/**
 * TEST ORACLE, not shipped: the first, straightforward (regex and split based) version of
 * src/proxy/http1.ts, kept unchanged so that test/proxy/http1-differential.test.ts can check the
 * hand-tuned byte scanners that replaced it give the same answers on generated and mutated input.
 * Only the parsers are kept: chunk encoding and head serialization were not rewritten and have no
 * second version to compare.
 *
 * A strict HTTP/1.1 request-head parser and body framer over raw bytes.
 *
 * Why not Node's http module: the proxy must refuse every framing the daemon (Go net/http) and
 * the proxy could read differently (request smuggling), must see a hijack request exactly as
 * written, and must never forward a byte it did not judge. So the proxy reads bytes from `net`
 * and this module says, for a buffer, "need more", "refuse with status N because …" or "here is
 * the head and how its body is framed". Pure: no I/O.
 */

export const DEFAULT_MAX_HEAD = 1024 * 1024; // Go's DefaultMaxHeaderBytes

export interface ParseOptions {
  /** Accept a bare `\n` as line end (Jenkins docker-plugin sends it). Off by default: it loosens
   *  the framing the proxy agrees on with the daemon. */
  allowBareLF?: boolean;
  maxHead?: number;
}

export type BodyFraming = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" };

export interface RequestHead {
  method: string;
  /** Request target exactly as sent (origin-form). */
  target: string;
  version: "HTTP/1.1" | "HTTP/1.0";
  /** Header fields in order, names as sent, values with surrounding whitespace removed. */
  headers: [string, string][];
  framing: BodyFraming;
  /** The client asked for a protocol switch (`Upgrade` header present). */
  upgrade?: string;
  /** The connection ends after this exchange (`Connection: close`, or HTTP/1.0 without keep-alive). */
  close: boolean;
  expectContinue: boolean;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type HeadResult = { kind: "incomplete" } | { kind: "error"; error: HttpError } | { kind: "head"; head: RequestHead; consumed: number };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Request target: visible ASCII only (no spaces, no controls, no bytes >= 0x7f).
const TARGET = /^[\x21-\x7e]+$/;

function lower(s: string): string {
  return s.toLowerCase();
}

/** Find the end of the head. Returns the index just after the blank line, or -1. Refuses lone CR. */
function findHeadEnd(buf: Buffer, allowBareLF: boolean, limit: number): number | HttpError {
  const n = Math.min(buf.length, limit);
  let lineStart = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === 0x0d) {
      if (i + 1 >= buf.length) return -1; // need the next byte to judge
      if (buf[i + 1] !== 0x0a) return new HttpError(400, "bare CR in request head");
      if (i === lineStart) return i + 2; // empty line (CRLF)
      i++;
      lineStart = i + 1;
    } else if (c === 0x0a) {
      if (!allowBareLF) return new HttpError(400, "bare LF line ending in request head (enable allowBareLF for this listener to accept it)");
      if (i === lineStart) return i + 1;
      lineStart = i + 1;
    }
  }
  return -1;
}

/** Parse one request head from the start of `buf`. */
export function parseRequestHead(buf: Buffer, opts: ParseOptions = {}): HeadResult {
  const maxHead = opts.maxHead ?? DEFAULT_MAX_HEAD;
  const allowBareLF = opts.allowBareLF ?? false;
  // HTTP/2 with prior knowledge (BuildKit since Docker 29.2): "PRI " is never a valid start of
  // an Engine API request, so refuse as soon as it is seen.
  if (buf.length >= 4 && buf.subarray(0, 4).toString("latin1") === "PRI ") {
    return { kind: "error", error: new HttpError(400, "HTTP/2 is not accepted by sockwarden proxy (use HTTP/1.1)") };
  }
  const end = findHeadEnd(buf, allowBareLF, maxHead + 2);
  if (end instanceof HttpError) return { kind: "error", error: end };
  if (end < 0) {
    if (buf.length > maxHead) return { kind: "error", error: new HttpError(400, `request head larger than ${maxHead} bytes`) };
    return { kind: "incomplete" };
  }
  if (end > maxHead + 2) return { kind: "error", error: new HttpError(400, `request head larger than ${maxHead} bytes`) };
  const text = buf.subarray(0, end).toString("latin1");
  const lines = text.split(/\r?\n/);
  // split leaves two trailing "" (the terminating blank line and after it)
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const r = parseLines(lines);
  if (r instanceof HttpError) return { kind: "error", error: r };
  return { kind: "head", head: r, consumed: end };
}

function parseLines(lines: string[]): RequestHead | HttpError {
  const first = lines[0] ?? "";
  if (first.startsWith("PRI * HTTP/2")) return new HttpError(400, "HTTP/2 is not accepted by sockwarden proxy (use HTTP/1.1)");
  const parts = first.split(" ");
  if (parts.length !== 3) return new HttpError(400, "malformed request line");
  const [method, target, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) return new HttpError(400, "malformed request method");
  if (!TARGET.test(target)) return new HttpError(400, "malformed request target");
  if (!target.startsWith("/")) return new HttpError(400, "request target must be a path (origin-form)");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") return new HttpError(version.startsWith("HTTP/2") ? 400 : 505, `unsupported HTTP version ${JSON.stringify(version.slice(0, 16))}`);
  const headers: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(" ") || line.startsWith("\t")) return new HttpError(400, "obsolete header line folding (obs-fold) is refused");
    const colon = line.indexOf(":");
    if (colon <= 0) return new HttpError(400, "malformed header line");
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return new HttpError(400, `malformed header name ${JSON.stringify(name.slice(0, 40))}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    // Field values: visible chars, SP, HTAB, obs-text; no controls (NUL, CR, LF, DEL …).
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) return new HttpError(400, `control character in header ${name}`);
    headers.push([name, value]);
  }
  let cl: string[] = [];
  let te: string[] = [];
  let hosts = 0;
  let upgrade: string | undefined;
  const connTokens: string[] = [];
  let expectContinue = false;
  for (const [n, v] of headers) {
    const ln = lower(n);
    if (ln === "content-length") cl.push(v);
    else if (ln === "transfer-encoding") te.push(v);
    else if (ln === "host") hosts++;
    else if (ln === "upgrade") {
      if (upgrade !== undefined) return new HttpError(400, "duplicate Upgrade header");
      upgrade = v;
    } else if (ln === "connection") connTokens.push(...v.split(",").map((t) => lower(t.trim())).filter(Boolean));
    else if (ln === "expect") {
      if (lower(v) === "100-continue") expectContinue = true;
      else return new HttpError(417, `unsupported Expect: ${v.slice(0, 40)}`);
    }
  }
  if (hosts > 1) return new HttpError(400, "duplicate Host header");
  if (cl.length && te.length) return new HttpError(400, "both Content-Length and Transfer-Encoding: ambiguous framing is refused");
  if (cl.length > 1) return new HttpError(400, "duplicate Content-Length: ambiguous framing is refused");
  if (te.length > 1) return new HttpError(400, "duplicate Transfer-Encoding: ambiguous framing is refused");
  let framing: BodyFraming = { kind: "none" };
  if (te.length === 1) {
    if (version === "HTTP/1.0") return new HttpError(400, "Transfer-Encoding on HTTP/1.0 is refused");
    if (lower(te[0]!) !== "chunked") return new HttpError(501, `unsupported Transfer-Encoding ${JSON.stringify(te[0]!.slice(0, 40))} (only chunked)`);
    framing = { kind: "chunked" };
  } else if (cl.length === 1) {
    const v = cl[0]!;
    if (!/^[0-9]{1,15}$/.test(v)) return new HttpError(400, "invalid Content-Length");
    const length = Number(v);
    framing = length === 0 ? { kind: "none" } : { kind: "length", length };
  }
  const close = connTokens.includes("close") || (version === "HTTP/1.0" && !connTokens.includes("keep-alive"));
  const head: RequestHead = { method, target, version, headers, framing, close, expectContinue };
  if (upgrade !== undefined) head.upgrade = upgrade;
  return head;
}

/** First value of a header (case-insensitive name). */
export function header(h: { headers: [string, string][] }, name: string): string | undefined {
  const ln = name.toLowerCase();
  for (const [n, v] of h.headers) if (n.toLowerCase() === ln) return v;
  return undefined;
}

// ───────────────────────────── chunked decoding ─────────────────────────────

/**
 * Incremental decoder for a chunked body. Feed bytes; it returns decoded data and, once the last
 * chunk and the (empty) trailer are read, `done` with the number of input bytes it used, so that
 * what follows is the next request. Trailers are refused: they are a place to hide headers.
 */
export class ChunkedDecoder {
  private state: "size" | "data" | "dataCRLF" | "trailer" | "done" = "size";
  private remaining = 0;
  private line = "";
  constructor(
    private readonly allowBareLF = false,
    private readonly maxLine = 4096,
  ) {}

  get done(): boolean {
    return this.state === "done";
  }

  /** Decode as much of `input` as possible. `used` = bytes consumed (all, unless done mid-buffer). */
  push(input: Buffer): { data: Buffer[]; used: number; done: boolean } {
    const data: Buffer[] = [];
    let i = 0;
    while (i < input.length && this.state !== "done") {
      if (this.state === "data") {
        const take = Math.min(this.remaining, input.length - i);
        data.push(input.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = "dataCRLF";
        continue;
      }
      // line-oriented states
      const c = input[i]!;
      i++;
      if (c === 0x0a) {
        let line = this.line;
        if (line.endsWith("\r")) line = line.slice(0, -1);
        else if (!this.allowBareLF) throw new HttpError(400, "bare LF in chunked body framing");
        this.line = "";
        this.onLine(line);
        continue;
      }
      if (this.line.length >= this.maxLine) throw new HttpError(400, "chunk framing line too long");
      if (c === 0x0d && this.line.endsWith("\r")) throw new HttpError(400, "bare CR in chunked body framing");
      if (this.line.endsWith("\r")) throw new HttpError(400, "bare CR in chunked body framing");
      this.line += String.fromCharCode(c);
    }
    return { data, used: i, done: this.state === "done" };
  }

  private onLine(line: string): void {
    switch (this.state) {
      case "size": {
        // chunk-size [ ; chunk-ext ]. Extensions are ignored (Go ignores them too) but must be tokens.
        const m = /^([0-9a-fA-F]{1,15})(;[\x21-\x7e \t]*)?$/.exec(line);
        if (!m) throw new HttpError(400, "invalid chunk size line");
        const size = parseInt(m[1]!, 16);
        if (size === 0) this.state = "trailer";
        else {
          this.remaining = size;
          this.state = "data";
        }
        return;
      }
      case "dataCRLF":
        if (line !== "") throw new HttpError(400, "chunk data longer than its declared size");
        this.state = "size";
        return;
      case "trailer":
        if (line !== "") throw new HttpError(400, "trailer fields in a chunked request are refused");
        this.state = "done";
        return;
      default:
        throw new HttpError(400, "chunked framing error");
    }
  }
}

// ───────────────────────────── responses (upstream side) ─────────────────────────────

export interface ResponseHead {
  status: number;
  reason: string;
  headers: [string, string][];
  framing: { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };
  close: boolean;
}

/** Parse a response head from the daemon (we trust its framing but still read it strictly). */
export function parseResponseHead(buf: Buffer, requestMethod: string, maxHead = DEFAULT_MAX_HEAD): { kind: "incomplete" } | { kind: "error"; error: HttpError } | { kind: "head"; head: ResponseHead; consumed: number } {
  const end = findHeadEnd(buf, true, maxHead + 2);
  if (end instanceof HttpError) return { kind: "error", error: new HttpError(502, "upstream: " + end.message) };
  if (end < 0) return buf.length > maxHead ? { kind: "error", error: new HttpError(502, "upstream response head too large") } : { kind: "incomplete" };
  const lines = buf.subarray(0, end).toString("latin1").split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const m = /^HTTP\/1\.([01]) ([0-9]{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) return { kind: "error", error: new HttpError(502, "upstream: malformed status line") };
  const status = Number(m[2]);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0 || line.startsWith(" ") || line.startsWith("\t")) return { kind: "error", error: new HttpError(502, "upstream: malformed header") };
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  // One pass for the three framing headers (first value of each, as header() would give).
  let te: string | undefined;
  let cl: string | undefined;
  let connV: string | undefined;
  for (const [n, v] of headers) {
    if (n.length !== 10 && n.length !== 14 && n.length !== 17) continue;
    const ln = n.toLowerCase();
    if (ln === "connection") connV ??= v;
    else if (ln === "content-length") cl ??= v;
    else if (ln === "transfer-encoding") te ??= v;
  }
  const conn = (connV ?? "").toLowerCase().split(",").map((s) => s.trim());
  let framing: ResponseHead["framing"];
  if (requestMethod === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) framing = { kind: "none" };
  else if (te !== undefined && te.toLowerCase().includes("chunked")) framing = { kind: "chunked" };
  else if (cl !== undefined && /^[0-9]{1,15}$/.test(cl)) framing = Number(cl) === 0 ? { kind: "none" } : { kind: "length", length: Number(cl) };
  else framing = { kind: "close" };
  const close = conn.includes("close") || m[1] === "0" || framing.kind === "close";
  return { kind: "head", head: { status, reason: m[3] ?? "", headers, framing, close }, consumed: end };
}

/**
 * Finds where a chunked response ends without changing a byte (responses are forwarded as the
 * daemon wrote them). Lenient on the daemon's side: bare LF accepted.
 */
export class ChunkedScanner {
  private dec = new ChunkedDecoder(true, 1 << 16);
  /** Returns bytes of `input` that belong to this body (all of them unless it ended inside). */
  push(input: Buffer): { used: number; done: boolean } {
    const r = this.dec.push(input);
    return { used: r.used, done: r.done };
  }
}
