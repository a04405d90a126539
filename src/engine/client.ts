/**
 * A thin Docker Engine API client on node:http: JSON GET/POST/HEAD, a streaming GET for
 * /events, a per-request timeout, and API version negotiation the way Go clients do it
 * (`HEAD /_ping`, falling back to `GET /_ping`, reading `Api-Version`; negotiated =
 * min(our max, the daemon's)).
 */
import { request as httpRequest, type IncomingMessage, type ClientRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Endpoint } from "./endpoint.js";
import { EngineError, classifySocketError } from "./errors.js";
import { createTransport, type Transport, type TransportOptions } from "./transport.js";

/** The newest API we speak (Docker 28.2). Older daemons negotiate down. */
export const CLIENT_MAX_API = "1.50";
/** The oldest API this client's requests make sense for. */
export const CLIENT_MIN_API = "1.24";

export function compareApiVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number(x) || 0);
  const pb = b.split(".").map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export interface PingResult {
  apiVersion?: string;
  osType?: string;
  experimental?: boolean;
  builderVersion?: string;
}

export interface ClientOptions extends TransportOptions {
  /** Per-request timeout in ms (default 15 s). Streams use it only for the response headers. */
  timeoutMs?: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RawResponse {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

function qs(query: Query | undefined): string {
  if (!query) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? "?" + parts.join("&") : "";
}

/** The daemon's error body is `{"message": "..."}`. */
function daemonMessage(body: Buffer): string {
  const text = body.toString("utf8").trim();
  try {
    const j = JSON.parse(text) as { message?: unknown };
    if (typeof j.message === "string") return j.message;
  } catch {
    /* not JSON */
  }
  return text.slice(0, 500);
}

export class EngineClient {
  readonly endpoint: Endpoint;
  private transport: Transport;
  private timeoutMs: number;
  private version: string | undefined;
  private negotiating: Promise<string> | undefined;

  constructor(endpoint: Endpoint, opts: ClientOptions = {}) {
    this.endpoint = endpoint;
    this.transport = createTransport(endpoint, opts);
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    if (endpoint.apiVersion) this.version = endpoint.apiVersion.replace(/^v/, "");
  }

  get describe(): string {
    return this.transport.describe;
  }

  close(): void {
    this.transport.close();
  }

  /** Send one request; resolve with the response stream (caller consumes it). */
  private send(method: string, path: string, body: Buffer | undefined, timeoutMs: number, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; req: ClientRequest }> {
    const base = this.transport.requestBase;
    const fullPath = (this.endpoint.basePath ?? "") + path;
    const h: Record<string, string> = { ...headers };
    if (body) {
      h["content-type"] ??= "application/json";
      h["content-length"] = String(body.length);
    }
    return new Promise((resolve, reject) => {
      const fn = base.protocol === "https:" ? httpsRequest : httpRequest;
      let settled = false;
      const req = fn({ ...base, method, path: fullPath, headers: h });
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(new EngineError("timeout", `${method} ${path} to ${this.describe}: no answer within ${timeoutMs} ms`, { endpoint: this.describe, path }));
      }, timeoutMs);
      req.on("response", (res) => {
        if (settled) {
          res.resume();
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve({ res, req });
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e instanceof EngineError ? e : classifySocketError(e, this.describe));
      });
      req.end(body);
    });
  }

  /** Full request with the body read; enforces the timeout over the whole exchange. */
  async raw(method: string, path: string, opts: { body?: unknown; timeoutMs?: number; versioned?: boolean } = {}): Promise<RawResponse> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const p = opts.versioned === false ? path : `/v${await this.apiVersion()}${path}`;
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const started = Date.now();
    const { res } = await this.send(method, p, body, timeoutMs);
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      const timer = setTimeout(() => {
        res.destroy();
        reject(new EngineError("timeout", `${method} ${path} to ${this.describe}: body not complete within ${timeoutMs} ms`, { endpoint: this.describe, path }));
      }, left);
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        clearTimeout(timer);
        resolve();
      });
      res.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(classifySocketError(e, this.describe));
      });
    });
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
  }

  private check(method: string, path: string, r: RawResponse): void {
    if (r.status >= 200 && r.status < 300) return;
    throw new EngineError("http", `${method} ${path}: daemon answered ${r.status}: ${daemonMessage(r.body)}`, { status: r.status, endpoint: this.describe, path });
  }

  private parse<T>(method: string, path: string, r: RawResponse): T {
    this.check(method, path, r);
    if (r.body.length === 0) return undefined as T;
    try {
      return JSON.parse(r.body.toString("utf8")) as T;
    } catch {
      throw new EngineError("protocol", `${method} ${path}: the daemon's answer is not JSON`, { status: r.status, endpoint: this.describe, path });
    }
  }

  async getJson<T = unknown>(path: string, query?: Query, opts: { timeoutMs?: number } = {}): Promise<T> {
    const p = path + qs(query);
    return this.parse<T>("GET", path, await this.raw("GET", p, opts));
  }

  async postJson<T = unknown>(path: string, body?: unknown, query?: Query, opts: { timeoutMs?: number } = {}): Promise<T> {
    const p = path + qs(query);
    return this.parse<T>("POST", path, await this.raw("POST", p, { ...opts, body }));
  }

  async head(path: string, query?: Query): Promise<RawResponse> {
    const r = await this.raw("HEAD", path + qs(query));
    this.check("HEAD", path, r);
    return r;
  }

  /** `HEAD /_ping` (fallback `GET /_ping`), unversioned. */
  async ping(): Promise<PingResult> {
    let r = await this.raw("HEAD", "/_ping", { versioned: false });
    if (r.status === 404 || r.status === 405) r = await this.raw("GET", "/_ping", { versioned: false });
    if (r.status >= 500 && r.status !== 503) this.check("GET", "/_ping", r);
    const hv = (k: string) => {
      const v = r.headers[k];
      return Array.isArray(v) ? v[0] : v;
    };
    if (r.status !== 200 && !hv("api-version")) this.check("GET", "/_ping", r);
    const out: PingResult = {};
    const api = hv("api-version");
    if (api) out.apiVersion = api;
    const os = hv("ostype");
    if (os) out.osType = os;
    const exp = hv("docker-experimental");
    if (exp) out.experimental = exp === "true";
    const bv = hv("builder-version");
    if (bv) out.builderVersion = bv;
    return out;
  }

  /** The API version used for requests (negotiated once, then cached). */
  async apiVersion(): Promise<string> {
    if (this.version) return this.version;
    this.negotiating ??= this.ping().then((p) => {
      const server = p.apiVersion;
      // No header: a very old daemon; Go clients fall back to 1.24.
      const v = !server ? CLIENT_MIN_API : compareApiVersions(server, CLIENT_MAX_API) < 0 ? server : CLIENT_MAX_API;
      this.version = v;
      return v;
    });
    try {
      return await this.negotiating;
    } catch (e) {
      this.negotiating = undefined;
      throw e;
    }
  }

  /**
   * A streaming GET of JSON lines (`/events`). Calls `onObject` for each object; resolves when the
   * daemon ends the stream (e.g. `until` reached) or `signal` aborts. Tolerates the json-seq RS prefix.
   */
  async streamJson(path: string, query: Query | undefined, onObject: (o: unknown) => void, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const p = `/v${await this.apiVersion()}${path}${qs(query)}`;
    const { res, req } = await this.send("GET", p, undefined, this.timeoutMs);
    if ((res.statusCode ?? 0) >= 300) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      this.check("GET", path, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
    }
    const onAbort = () => {
      req.destroy();
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    let buf = "";
    let bad = 0;
    const flush = (line: string) => {
      const t = line.replace(/^\x1e/, "").trim();
      if (!t) return;
      try {
        onObject(JSON.parse(t));
      } catch {
        bad++;
      }
    };
    try {
      await new Promise<void>((resolve, reject) => {
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          buf += c;
          let i: number;
          while ((i = buf.indexOf("\n")) !== -1) {
            flush(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
          // The daemon sends one object per write; a json-seq or un-terminated object is flushed at end.
        });
        res.on("end", () => {
          flush(buf);
          resolve();
        });
        res.on("close", () => resolve());
        res.on("error", (e: NodeJS.ErrnoException) => (opts.signal?.aborted ? resolve() : reject(classifySocketError(e, this.describe))));
      });
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
    if (bad > 0 && !opts.signal?.aborted) throw new EngineError("protocol", `${path}: ${bad} line(s) of the stream were not JSON`, { endpoint: this.describe, path });
  }
}
