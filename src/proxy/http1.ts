/**
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
  /** First Content-Type value, if any (read in the framing pass). */
  contentType?: string;
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

// Token characters (RFC 9110 tchar) as a table: these scanners run for every request, and regex
// tests, split() and per-line strings showed in the proxy's per-request profiles.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

// Framings without a length are shared, frozen objects: one less allocation per request.
const NO_BODY = Object.freeze({ kind: "none" as const });
const CHUNKED = Object.freeze({ kind: "chunked" as const });
const CLOSE = Object.freeze({ kind: "close" as const });

function lower(s: string): string {
  return s.toLowerCase();
}

/** s[from, to) is a non-empty token. */
function isToken(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** s[from, to) is non-empty visible ASCII (0x21–0x7e): a request target or version. */
function isVisible(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** End of the line starting at `pos` in a head whose line ends findHeadEnd has checked (CRLF, or
 *  a bare LF where allowed): [index of its CR or LF, index after its LF]. */
function lineAt(text: string, pos: number): [end: number, next: number] {
  const lf = text.indexOf("\n", pos);
  return [lf > pos && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf, lf + 1];
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
  if (buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x52 && buf[2] === 0x49 && buf[3] === 0x20) {
    return { kind: "error", error: new HttpError(400, "HTTP/2 is not accepted by sockwarden proxy (use HTTP/1.1)") };
  }
  const end = findHeadEnd(buf, allowBareLF, maxHead + 2);
  if (end instanceof HttpError) return { kind: "error", error: end };
  if (end < 0) {
    if (buf.length > maxHead) return { kind: "error", error: new HttpError(400, `request head larger than ${maxHead} bytes`) };
    return { kind: "incomplete" };
  }
  if (end > maxHead + 2) return { kind: "error", error: new HttpError(400, `request head larger than ${maxHead} bytes`) };
  const r = parseHeadText(buf.toString("latin1", 0, end));
  if (r instanceof HttpError) return { kind: "error", error: r };
  return { kind: "head", head: r, consumed: end };
}

/** The head's text, every line checked by findHeadEnd, ending with its blank line. */
function parseHeadText(text: string): RequestHead | HttpError {
  const [e0, next0] = lineAt(text, 0);
  if (text.startsWith("PRI * HTTP/2")) return new HttpError(400, "HTTP/2 is not accepted by sockwarden proxy (use HTTP/1.1)");
  // Exactly three space-separated parts.
  const sp1 = text.indexOf(" ");
  const sp2 = sp1 < 0 || sp1 >= e0 ? -1 : text.indexOf(" ", sp1 + 1);
  if (sp2 < 0 || sp2 >= e0) return new HttpError(400, "malformed request line");
  const sp3 = text.indexOf(" ", sp2 + 1);
  if (sp3 >= 0 && sp3 < e0) return new HttpError(400, "malformed request line");
  if (!isToken(text, 0, sp1)) return new HttpError(400, "malformed request method");
  // Request target: visible ASCII only (no spaces, no controls, no bytes >= 0x7f).
  if (!isVisible(text, sp1 + 1, sp2)) return new HttpError(400, "malformed request target");
  if (text.charCodeAt(sp1 + 1) !== 0x2f) return new HttpError(400, "request target must be a path (origin-form)");
  const method = text.slice(0, sp1);
  const target = text.slice(sp1 + 1, sp2);
  const version = text.slice(sp2 + 1, e0);
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") return new HttpError(version.startsWith("HTTP/2") ? 400 : 505, `unsupported HTTP version ${JSON.stringify(version.slice(0, 16))}`);
  const headers: [string, string][] = [];
  for (let pos = next0; pos < text.length; ) {
    const [e, next] = lineAt(text, pos);
    if (e === pos) break; // the blank line ending the head
    const c0 = text.charCodeAt(pos);
    if (c0 === 0x20 || c0 === 0x09) return new HttpError(400, "obsolete header line folding (obs-fold) is refused");
    const colon = text.indexOf(":", pos);
    if (colon <= pos || colon >= e) return new HttpError(400, "malformed header line");
    if (!isToken(text, pos, colon)) return new HttpError(400, `malformed header name ${JSON.stringify(text.slice(pos, Math.min(colon, pos + 40)))}`);
    let vs = colon + 1;
    let ve = e;
    while (vs < ve && (text.charCodeAt(vs) === 0x20 || text.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 0x20 || text.charCodeAt(ve - 1) === 0x09)) ve--;
    // Field values: visible chars, SP, HTAB, obs-text; no controls (NUL, CR, LF, DEL …).
    for (let i = vs; i < ve; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 ? c !== 0x09 : c === 0x7f) return new HttpError(400, `control character in header ${text.slice(pos, colon)}`);
    }
    headers.push([text.slice(pos, colon), text.slice(vs, ve)]);
    pos = next;
  }
  let cl: string[] = [];
  let te: string[] = [];
  let hosts = 0;
  let upgrade: string | undefined;
  const connTokens: string[] = [];
  let expectContinue = false;
  let contentType: string | undefined;
  for (const [n, v] of headers) {
    // Only names of these lengths can be one of the seven read here: no lowercasing of the rest.
    const len = n.length;
    if (len !== 4 && len !== 6 && len !== 7 && len !== 10 && len !== 12 && len !== 14 && len !== 17) continue;
    const ln = lower(n);
    if (ln === "content-length") cl.push(v);
    else if (ln === "content-type") contentType ??= v;
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
  let framing: BodyFraming = NO_BODY;
  if (te.length === 1) {
    if (version === "HTTP/1.0") return new HttpError(400, "Transfer-Encoding on HTTP/1.0 is refused");
    if (lower(te[0]!) !== "chunked") return new HttpError(501, `unsupported Transfer-Encoding ${JSON.stringify(te[0]!.slice(0, 40))} (only chunked)`);
    framing = CHUNKED;
  } else if (cl.length === 1) {
    const v = cl[0]!;
    if (!isDecimal15(v)) return new HttpError(400, "invalid Content-Length");
    const length = Number(v);
    framing = length === 0 ? NO_BODY : { kind: "length", length };
  }
  const close = connTokens.includes("close") || (version === "HTTP/1.0" && !connTokens.includes("keep-alive"));
  const head: RequestHead = { method, target, version, headers, framing, close, expectContinue };
  if (upgrade !== undefined) head.upgrade = upgrade;
  if (contentType !== undefined) head.contentType = contentType;
  return head;
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
    /** false: only find where the body ends (the proxy forwards the bytes as they came). */
    private readonly keepData = true,
  ) {}

  get done(): boolean {
    return this.state === "done";
  }

  /** Decode as much of `input` as possible. `used` = bytes consumed (all, unless done mid-buffer). */
  push(input: Buffer): { data: Buffer[]; used: number; done: boolean } {
    const data: Buffer[] = [];
    const n = input.length;
    let i = 0;
    while (i < n && this.state !== "done") {
      if (this.state === "data") {
        const take = Math.min(this.remaining, n - i);
        if (this.keepData) data.push(input.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = "dataCRLF";
        continue;
      }
      // A framing line: its bytes up to the next LF (or the end of this input).
      const lf = input.indexOf(0x0a, i);
      const stop = lf < 0 ? n : lf;
      if (stop > i) {
        // A CR may only be the last byte before the LF: a line that ended in CR cannot go on, and
        // a CR inside this piece is followed by something else. Of two faults, the one at the
        // earlier byte is reported (as a byte-by-byte reader would).
        let crAt = -1;
        if (this.line.endsWith("\r")) crAt = i;
        else {
          const cr = input.indexOf(0x0d, i);
          if (cr >= 0 && cr < stop - 1) crAt = cr + 1;
        }
        const longAt = i + (this.maxLine - this.line.length); // the first byte that would not fit
        if (longAt < stop && (crAt < 0 || longAt <= crAt)) throw new HttpError(400, "chunk framing line too long");
        if (crAt >= 0) throw new HttpError(400, "bare CR in chunked body framing");
        this.line += input.toString("latin1", i, stop);
      }
      if (lf < 0) {
        i = n;
        break;
      }
      i = lf + 1;
      let line = this.line;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      else if (!this.allowBareLF) throw new HttpError(400, "bare LF in chunked body framing");
      this.line = "";
      this.onLine(line);
    }
    return { data, used: i, done: this.state === "done" };
  }

  private onLine(line: string): void {
    switch (this.state) {
      case "size": {
        // chunk-size [ ; chunk-ext ]: 1–15 hex digits, then nothing or ";" and visible ASCII, SP,
        // HTAB. Extensions are ignored (Go ignores them too). Scanned by hand: this runs for every
        // chunk of every response, and a regex is one more piece of code to fetch each time.
        let digits = 0;
        while (digits < line.length && isHex(line.charCodeAt(digits))) digits++;
        if (digits === 0 || digits > 15) throw new HttpError(400, "invalid chunk size line");
        if (digits < line.length) {
          if (line.charCodeAt(digits) !== 0x3b) throw new HttpError(400, "invalid chunk size line");
          for (let k = digits + 1; k < line.length; k++) {
            const c = line.charCodeAt(k);
            if (!((c >= 0x21 && c <= 0x7e) || c === 0x20 || c === 0x09)) throw new HttpError(400, "invalid chunk size line");
          }
        }
        const size = parseInt(line.slice(0, digits), 16);
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

/** Encode one chunk (never called with an empty buffer: that would end the body). */
export function encodeChunk(b: Buffer): Buffer[] {
  return [Buffer.from(b.length.toString(16) + "\r\n", "latin1"), b, Buffer.from("\r\n", "latin1")];
}
export const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");

/** Serialize a request head for the upstream: our own canonical bytes, never the client's. */
export function serializeHead(method: string, target: string, headers: [string, string][]): Buffer {
  let s = `${method} ${target} HTTP/1.1\r\n`;
  for (const [n, v] of headers) s += `${n}: ${v}\r\n`;
  s += "\r\n";
  return Buffer.from(s, "latin1");
}

// ───────────────────────────── responses (upstream side) ─────────────────────────────

export interface ResponseHead {
  status: number;
  reason: string;
  headers: [string, string][];
  /** First Content-Type value, if any (read in the same pass as the framing headers). */
  contentType?: string;
  framing: { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };
  close: boolean;
}

/** Parse a response head from the daemon (we trust its framing but still read it strictly). */
export function parseResponseHead(buf: Buffer, requestMethod: string, maxHead = DEFAULT_MAX_HEAD): { kind: "incomplete" } | { kind: "error"; error: HttpError } | { kind: "head"; head: ResponseHead; consumed: number } {
  const end = findHeadEnd(buf, true, maxHead + 2);
  if (end instanceof HttpError) return { kind: "error", error: new HttpError(502, "upstream: " + end.message) };
  if (end < 0) return buf.length > maxHead ? { kind: "error", error: new HttpError(502, "upstream response head too large") } : { kind: "incomplete" };
  const text = buf.toString("latin1", 0, end);
  // Status line: HTTP/1.<0|1> SP <3 digits> [SP reason]
  const [e0, next0] = lineAt(text, 0);
  const minor = text.charCodeAt(7);
  if (
    e0 < 12 ||
    !text.startsWith("HTTP/1.") ||
    (minor !== 0x30 && minor !== 0x31) ||
    text.charCodeAt(8) !== 0x20 ||
    !isDigit(text.charCodeAt(9)) ||
    !isDigit(text.charCodeAt(10)) ||
    !isDigit(text.charCodeAt(11)) ||
    (e0 > 12 && text.charCodeAt(12) !== 0x20)
  ) {
    return { kind: "error", error: new HttpError(502, "upstream: malformed status line") };
  }
  const status = Number(text.slice(9, 12));
  const headers: [string, string][] = [];
  // One pass for the headers and the first value of the four the proxy reads.
  let te: string | undefined;
  let cl: string | undefined;
  let connV: string | undefined;
  let ctype: string | undefined;
  for (let pos = next0; pos < text.length; ) {
    const [e, next] = lineAt(text, pos);
    if (e === pos) break;
    const c0 = text.charCodeAt(pos);
    const colon = text.indexOf(":", pos);
    if (colon <= pos || colon >= e || c0 === 0x20 || c0 === 0x09) return { kind: "error", error: new HttpError(502, "upstream: malformed header") };
    const n = text.slice(pos, colon);
    const v = text.slice(colon + 1, e).trim();
    headers.push([n, v]);
    const len = colon - pos;
    if (len === 10 || len === 12 || len === 14 || len === 17) {
      const ln = n.toLowerCase();
      if (ln === "connection") connV ??= v;
      else if (ln === "content-type") ctype ??= v;
      else if (ln === "content-length") cl ??= v;
      else if (ln === "transfer-encoding") te ??= v;
    }
    pos = next;
  }
  let framing: ResponseHead["framing"];
  if (requestMethod === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) framing = NO_BODY;
  else if (te !== undefined && te.toLowerCase().includes("chunked")) framing = CHUNKED;
  else if (cl !== undefined && isDecimal15(cl)) framing = Number(cl) === 0 ? NO_BODY : { kind: "length", length: Number(cl) };
  else framing = CLOSE;
  const close = (connV !== undefined && connV.toLowerCase().split(",").some((t) => t.trim() === "close")) || minor === 0x30 || framing.kind === "close";
  const head: ResponseHead = { status, reason: e0 > 12 ? text.slice(13, e0) : "", headers, framing, close };
  if (ctype !== undefined) head.contentType = ctype;
  return { kind: "head", head, consumed: end };
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** 1 to 15 ASCII digits and nothing else (a Content-Length the proxy accepts); no regex: this
 *  runs per request, and each distinct regex is its own code the CPU must fetch. */
function isDecimal15(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}


/**
 * Finds where a chunked response ends without changing a byte (responses are forwarded as the
 * daemon wrote them). Lenient on the daemon's side: bare LF accepted.
 */
export class ChunkedScanner {
  private dec = new ChunkedDecoder(true, 1 << 16, false);
  /** Returns bytes of `input` that belong to this body (all of them unless it ended inside). */
  push(input: Buffer): { used: number; done: boolean } {
    const r = this.dec.push(input);
    return { used: r.used, done: r.done };
  }
}
