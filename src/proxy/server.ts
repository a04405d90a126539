/**
 * The proxy server: raw `net` on the listening side, one request at a time per connection.
 *
 * For each request: parse the head strictly (http1.ts), normalize and match the route
 * (route.ts), check the preset, turn what the request would run into Workloads (gojson.ts,
 * toWorkload.ts) and ask the shared rules (decide.ts). Only then is anything sent upstream, and
 * what is sent is rebuilt by the proxy: its own request line (the target it matched), the
 * client's headers minus framing, and the judged body (re-serialized JSON with an exact
 * Content-Length, or a tar stream re-framed chunk by chunk). Responses are passed through
 * byte for byte; the proxy only reads their framing to know where they end, and after a
 * `101 UPGRADED` (or the legacy raw 200) it splices both directions with half-close.
 */
import net from "node:net";
import tls from "node:tls";
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, unlinkSync } from "node:fs";
import { ChunkedDecoder, ChunkedScanner, DEFAULT_MAX_HEAD, HttpError, LAST_CHUNK, encodeChunk, parseRequestHead, parseResponseHead, serializeHead, type RequestHead, type ResponseHead } from "./http1.js";
import { parseTarget, queryBool, queryValue, resolveTarget, type ParsedTarget, type ResolvedTarget, type RouteClass, type RouteMatch } from "./route.js";
import { CREATE_BODY, EXEC_BODY, HOST_CONFIG, UPDATE_BODY, VOLUME_BODY, decodeBody, getMap, getStr, parseFirstValue, setField, splitCreateBody, toJson, joinCreate } from "./gojson.js";
import { containerToWorkloads, execToWorkloads, updateToWorkload, volumeCreateToWorkload, containerInfoFromInspect, type ContainerInfo } from "./toWorkload.js";
import { decide, denialMessage, type Denial } from "./decide.js";
import { defKey, type EndpointPolicy } from "./presets.js";
import { SockReader, writeAll } from "./reader.js";
import { connectUpstream, daemonResolver, type Address } from "./upstream.js";
import type { Policy } from "../policy/types.js";
import { emptyWorkload, type Workload } from "../model/workload.js";
import { located } from "../model/location.js";
import type { AuditLog, AuditRecord } from "./audit.js";
import { PeerLookup, type PeerCredentials } from "./peers.js";
import type { Metrics } from "./metrics.js";
import type { BusyPoll, FirstByteTimes } from "./busypoll.js";

export const OWNER_LABEL = "io.sockwarden.proxy.owned";

export interface ServerConfig {
  upstream: Address;
  policy: Policy;
  endpoints: EndpointPolicy;
  redactEnv: boolean;
  ownership: boolean;
  allowBareLF: boolean;
  /** Largest JSON body read for judging (bytes). */
  maxBody: number;
  maxHead: number;
  resolveSymlinks: boolean;
  audit?: AuditLog;
  metrics?: Metrics;
  /** Audit records waiting for their connection's peer lookup (close() waits for them). */
  auditPending?: Set<Promise<void>>;
  /** Spin instead of sleeping while a request that is usually answered fast waits (busypoll.ts). */
  busyPoll?: { poll: BusyPoll; times: FirstByteTimes };
}

/** Headers the proxy owns: framing and hop-by-hop headers are never copied from the client. */
const HOP = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "expect", "te", "trailer", "proxy-connection", "proxy-authorization"]);

/**
 * Which route classes judgeRequest looks at beyond the endpoint check (each `true` has its case
 * there). A record over every class, so a new class cannot be added without deciding this: a class
 * left out of judging by mistake would let its requests through on the endpoint alone.
 */
const JUDGED: Record<RouteClass, boolean> = {
  read: false,
  "read-container": true,
  "inspect-container": false,
  create: true,
  start: true,
  update: true,
  "exec-create": true,
  "exec-start": true,
  attach: true,
  "archive-put": true,
  "container-op": true,
  "volume-create": true,
  build: true,
  "image-write": false,
  "image-read-bulk": false,
  write: false,
  "secret-read": false,
  untrusted: false,
  auth: false,
};

interface RespInfo {
  status: number;
  close: boolean;
  hijacked: boolean;
  bytesOut: number;
}

type Outcome = { status: number; decision: "allow" | "deny" | "error"; concern?: string; reason?: string };

class Done extends Error {}

export function handleConnection(client: net.Socket, cfg: ServerConfig, clientId: string, peer?: Promise<PeerCredentials | undefined>): void {
  client.setNoDelay(true);
  const conn = new Connection(client, cfg, clientId, peer);
  conn.run().catch(() => conn.destroy());
}

class Connection {
  private readonly in: SockReader;
  private up: net.Socket | undefined;
  private upIn: SockReader | undefined;

  constructor(
    private readonly client: net.Socket,
    private readonly cfg: ServerConfig,
    private readonly clientId: string,
    /** The Unix client's process, being looked up (only when there is an audit log). */
    private readonly peer?: Promise<PeerCredentials | undefined>,
  ) {
    this.in = new SockReader(client);
    client.on("error", () => this.destroy());
  }

  destroy(): void {
    this.client.destroy();
    this.up?.destroy();
  }

  private upstream(): { sock: net.Socket; reader: SockReader } {
    // A keep-alive connection the daemon closed while idle is replaced, not written to.
    if (!this.up || this.up.destroyed || this.upIn?.ended) {
      this.up?.destroy();
      this.up = connectUpstream(this.cfg.upstream);
      this.up.on("error", () => undefined); // surfaced through the reader
      this.upIn = new SockReader(this.up);
    }
    return { sock: this.up, reader: this.upIn! };
  }

  async run(): Promise<void> {
    let buf: Buffer = Buffer.alloc(0);
    for (;;) {
      // ── read one request head ──
      let parsed: ReturnType<typeof parseRequestHead>;
      for (;;) {
        parsed = parseRequestHead(buf, { allowBareLF: this.cfg.allowBareLF, maxHead: this.cfg.maxHead });
        if (parsed.kind !== "incomplete") break;
        let more: Buffer | null | undefined;
        while ((more = this.in.take()) === undefined) await this.in.wait();
        if (more === null) {
          if (buf.length > 0) await this.reject(new HttpError(400, "connection closed in the middle of a request head"), undefined, Date.now());
          this.finish();
          return;
        }
        buf = buf.length ? Buffer.concat([buf, more]) : more;
      }
      const started = Date.now();
      if (parsed.kind === "error") {
        await this.reject(parsed.error, undefined, started);
        return;
      }
      this.in.unshift(buf.subarray(parsed.consumed));
      buf = Buffer.alloc(0);
      const head = parsed.head;
      let keepGoing: boolean;
      try {
        keepGoing = await this.handle(head, started);
      } catch (e) {
        if (e instanceof Done) return;
        const err = e instanceof HttpError ? e : new HttpError(502, `sockwarden: ${(e as Error).message}`);
        await this.reject(err, head, started);
        return;
      }
      if (!keepGoing) {
        this.finish();
        return;
      }
    }
  }

  private finish(): void {
    if (!this.client.destroyed) this.client.end();
    this.up?.end();
  }

  /** Answer with an error and close: after a refused request the rest of the stream is not trusted. */
  private async reject(err: HttpError, head: RequestHead | undefined, started: number, extra: Partial<AuditRecord> = {}): Promise<void> {
    const body = JSON.stringify({ message: err.message.startsWith("sockwarden:") ? err.message : `sockwarden: ${err.message}` }) + "\n";
    const reason = err.status === 417 ? "Expectation Failed" : err.status === 403 ? "Forbidden" : err.status === 413 ? "Payload Too Large" : err.status === 404 ? "Not Found" : err.status >= 500 ? "Bad Gateway" : "Bad Request";
    const resp = `HTTP/1.1 ${err.status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    try {
      if (!this.client.destroyed && this.client.writable) await writeAll(this.client, resp);
    } catch {
      /* client gone */
    }
    this.log(head, started, { status: err.status, decision: err.status === 403 ? "deny" : "error", reason: err.message, ...extra });
    this.client.end();
    this.up?.destroy();
    // Whatever the client still sends is not read: closing is the answer.
    setTimeout(() => this.client.destroy(), 1000).unref();
  }

  private log(head: RequestHead | undefined, started: number, o: Outcome & Partial<AuditRecord>): void {
    const ms = Date.now() - started;
    this.cfg.metrics?.observe(o.decision, o.route ?? "", ms / 1000);
    if (!this.cfg.audit) return;
    const rec: AuditRecord = {
      time: new Date(started).toISOString(),
      client: this.clientId,
      method: head?.method ?? "",
      path: o.path ?? "",
      route: o.route ?? "",
      decision: o.decision,
      status: o.status,
      durationMs: ms,
      bytesIn: o.bytesIn ?? 0,
      bytesOut: o.bytesOut ?? 0,
    };
    if (o.concern) rec.concern = o.concern;
    if (o.reason) rec.reason = o.reason;
    if (o.rule) rec.rule = o.rule;
    if (!this.peer) {
      this.cfg.audit.write(rec);
      return;
    }
    // Written when the peer is known (one `ss` run, bounded by its timeout). Every record of a
    // connection waits on the same promise, so they keep their order.
    const audit = this.cfg.audit;
    const pending = this.cfg.auditPending;
    const w: Promise<void> = this.peer.then((p) => {
      if (p) rec.peer = p;
      audit.write(rec);
      pending?.delete(w);
    });
    pending?.add(w);
  }

  private deny(d: Denial): HttpError & { denial: Denial } {
    const e = new HttpError(403, denialMessage(d)) as HttpError & { denial: Denial };
    e.denial = d;
    return e;
  }

  /** One request. Returns whether the connection may carry another one. */
  private async handle(head: RequestHead, started: number): Promise<boolean> {
    const audit: Partial<AuditRecord> = {};
    let resolved: ResolvedTarget;
    try {
      resolved = resolveTarget(head.method, head.target);
    } catch (e) {
      if (e instanceof HttpError) {
        // A path that decodes but matches two routes is logged with the path.
        const path = parseTargetSafe(head.target);
        if (path) audit.path = path;
        await this.reject(e, head, started, audit);
        throw new Done();
      }
      throw e;
    }
    const { target, match } = resolved;
    audit.path = target.path;
    // A form body would be read by the daemon's r.FormValue as if it were query parameters.
    const ctype = (head.contentType ?? "").toLowerCase();
    if (ctype.startsWith("application/x-www-form-urlencoded") || ctype.startsWith("multipart/form-data")) {
      await this.reject(new HttpError(400, "form-encoded request bodies are refused (the daemon would read them as parameters)"), head, started, audit);
      throw new Done();
    }
    if (!match) {
      await this.reject(this.deny({ what: `${head.method} ${target.path} is not an Engine API endpoint sockwarden knows`, concern: "endpoint", wayOut: "unknown endpoints are denied" }), head, started, audit);
      throw new Done();
    }
    const key = defKey(match.def);
    audit.route = key;
    if (!this.cfg.endpoints.allow.has(key)) {
      await this.reject(
        this.deny({ what: `${key} is not allowed by preset ${this.cfg.endpoints.preset}`, concern: "endpoint", wayOut: `add "${key}" to proxy.endpoints.allow in sockwarden.yaml if this client needs it` }),
        head,
        started,
        audit,
      );
      throw new Done();
    }
    const def = match.def;
    const name = match.params.name ?? match.params.id ?? "";

    // ── the body: judged JSON, or a stream judged by route ──
    let body: Buffer | undefined; // exact bytes to send with Content-Length
    let stream = false;
    if (def.streamBody && head.framing.kind !== "none") stream = true;
    else if (head.framing.kind !== "none") body = await this.readBody(head);

    // Routes whose class the proxy judges beyond its endpoint: the rest (ping, lists, logs,
    // inspect …) are decided by now, and skip building the judging closures.
    if (JUDGED[def.cls]) body = await this.judgeRequest(head, started, def, target, name, body, audit);

    // ── forward ──
    const { sock: up, reader: upIn } = this.upstream();
    const headers: [string, string][] = [];
    for (const [n, v] of head.headers) if (!HOP.has(n.toLowerCase())) headers.push([n, v]);
    if (def.hijack && head.upgrade !== undefined) {
      if (head.upgrade.toLowerCase() !== "tcp" && !(def.template.endsWith("/attach/ws") && head.upgrade.toLowerCase() === "websocket") && def.cls !== "untrusted") {
        await this.reject(new HttpError(400, `unsupported Upgrade: ${head.upgrade.slice(0, 40)}`), head, started, audit);
        throw new Done();
      }
      headers.push(["Connection", "Upgrade"], ["Upgrade", head.upgrade]);
    }
    if (body !== undefined) headers.push(["Content-Length", String(body.length)]);
    else if (stream) headers.push(["Transfer-Encoding", "chunked"]);
    const upTarget = resolved.upstream;
    let bytesIn = 0;
    // One write for head and judged body: fewer syscalls, and the daemon sees the request whole.
    if (body !== undefined && body.length) {
      await writeAll(up, Buffer.concat([serializeHead(head.method, upTarget, headers), body]));
      bytesIn = body.length;
    } else await writeAll(up, serializeHead(head.method, upTarget, headers));
    // The response is read while a streamed body is still going up (the daemon may answer early).
    const respP = this.forwardResponse(head, def, key, upIn);
    // Awaited below; this only keeps an early rejection from counting as unhandled meanwhile.
    respP.catch(() => undefined);
    let streamErr: unknown;
    if (stream) {
      try {
        // Only now, judged and with the request head already upstream, ask for the stream.
        if (head.expectContinue) await writeAll(this.client, "HTTP/1.1 100 Continue\r\n\r\n");
        bytesIn = await this.streamBody(head, up);
      } catch (e) {
        streamErr = e;
      }
    }
    let resp: RespInfo;
    try {
      await respP;
      resp = this.resp;
    } catch (e) {
      this.log(head, started, { status: 502, decision: "error", reason: `upstream: ${(e as Error).message}`, ...audit, bytesIn });
      this.destroy();
      throw new Done();
    }
    this.log(head, started, { status: resp.status, decision: "allow", ...audit, bytesIn, bytesOut: resp.bytesOut });
    if (resp.hijacked) {
      this.splice();
      throw new Done();
    }
    if (streamErr) {
      this.destroy();
      throw new Done();
    }
    return !head.close && !resp.close;
  }

  /** Judge what a request would run or reach; returns the body to forward (re-serialized). */
  private async judgeRequest(head: RequestHead, started: number, def: RouteMatch["def"], target: ParsedTarget, name: string, body0: Buffer | undefined, audit: Partial<AuditRecord>): Promise<Buffer | undefined> {
    let body = body0;
    // Made on first use: most requests (ping, lists, logs) never look anything up.
    let resolver0: ReturnType<typeof daemonResolver> | undefined;
    const getResolver = () => (resolver0 ??= daemonResolver(this.cfg.upstream, { resolveSymlinks: this.cfg.resolveSymlinks }));
    const judge = (ws: Workload[]) => {
      const d = decide(ws, this.cfg.policy);
      if (!d.allow) throw this.deny(d.denial!);
      if (d.warnings.length) audit.reason = `warn: ${d.warnings.map((f) => f.concern).join(",")}`;
    };
    const target0 = async (): Promise<ContainerInfo> => {
      const c = await getResolver().container(name);
      if (!c) throw new HttpError(404, `sockwarden: no such container: ${name}`);
      return c;
    };
    const owned = async (): Promise<void> => {
      if (!this.cfg.ownership) return;
      const c = await target0();
      if (getMap(c.config, "Labels")[OWNER_LABEL] !== "true") {
        throw this.deny({ what: `container ${c.name} was not created through this proxy`, concern: "ownership", wayOut: "ownership: label lets this client change only containers it created; others are read-only" });
      }
    };
    const judgeContainer = async (why: string): Promise<void> => {
      const c = await target0();
      judge(await containerToWorkloads(c.config, c.hostConfig, { resolver: getResolver(), object: `container ${c.name} (${why})`, container: { id: c.id, name: c.name, state: c.state } }));
    };

    try {
      switch (def.cls) {
        case "create": {
          if (!body) throw new HttpError(400, "sockwarden: container create needs a JSON body");
          const split = splitCreateBody(decodeBody(CREATE_BODY as never, body));
          const cname = queryValue(target.query, "name");
          judge(await containerToWorkloads(split.config, split.hostConfig, { resolver: getResolver(), object: `container ${cname ?? "(unnamed)"}` }));
          if (this.cfg.ownership) {
            const labels = getMap(split.config, "Labels");
            labels[OWNER_LABEL] = "true";
            setField(split.config, "Labels", { kind: "map", entries: new Map(Object.entries(labels)) });
            body = Buffer.from(joinCreate(split.config, split.hostConfig, split.networking));
          } else body = Buffer.from(split.canonical);
          break;
        }
        case "start": {
          await owned();
          // API < 1.24 clients could pass a HostConfig at start; it replaces the one judged at create.
          if (body && !isEmptyJson(body)) {
            const hc = decodeBody(HOST_CONFIG as never, body);
            const c = await target0();
            judge(await containerToWorkloads(c.config, hc, { resolver: getResolver(), object: `container ${c.name} (host config given at start)`, container: { id: c.id, name: c.name, state: c.state } }));
            body = Buffer.from(toJson(hc));
          } else {
            body = undefined;
            // Starting a container runs it: one created around the proxy (directly on the
            // daemon) with / mounted must not be started through it.
            await judgeContainer("starting it");
          }
          break;
        }
        case "update": {
          await owned();
          const u = decodeBody(UPDATE_BODY as never, body ?? Buffer.from("{}"));
          judge([updateToWorkload(u, await target0())]);
          body = Buffer.from(toJson(u));
          break;
        }
        case "exec-create": {
          await owned();
          const e = decodeBody(EXEC_BODY as never, body ?? Buffer.from("{}"));
          judge(await execToWorkloads(e, await target0(), getResolver()));
          body = Buffer.from(toJson(e));
          break;
        }
        case "exec-start": {
          const ex = await getResolver().exec(name);
          if (!ex) throw new HttpError(404, `sockwarden: no such exec instance: ${name}`);
          const raw = await getResolver().inspectRaw(ex.containerId);
          if (!raw) throw new HttpError(404, `sockwarden: no such container: ${ex.containerId}`);
          const c = containerInfoFromInspect(raw);
          if (this.cfg.ownership && getMap(c.config, "Labels")[OWNER_LABEL] !== "true") {
            throw this.deny({ what: `container ${c.name} was not created through this proxy`, concern: "ownership", wayOut: "ownership: label lets this client change only containers it created" });
          }
          const ws = await containerToWorkloads(c.config, c.hostConfig, { resolver: getResolver(), object: `exec in container ${c.name}`, container: { id: c.id, name: c.name, state: c.state } });
          if (ex.privileged) ws[0]!.privileged = located(true);
          if (ex.user) ws[0]!.user = located(ex.user);
          judge(ws);
          if (body) body = Buffer.from(JSON.stringify(parseOpaqueObject(body)));
          break;
        }
        case "attach": {
          const stdin = queryBool(target.query, "stdin");
          if (stdin) {
            await owned();
            await judgeContainer("attach with stdin");
          }
          break;
        }
        case "read-container": {
          if (this.cfg.redactEnv && def.template.endsWith("/top") && /e/.test(queryValue(target.query, "ps_args") ?? "")) {
            throw this.deny({ what: "top with ps_args containing e prints process environments", concern: "redact", wayOut: "use ps_args without e (proxy.redact: [env] hides environment values)" });
          }
          await judgeContainer(def.template.endsWith("/top") ? "top" : "reading its files");
          break;
        }
        case "archive-put":
          await owned();
          await judgeContainer("writing files into it");
          break;
        case "container-op":
          if (def.template.startsWith("/containers/")) await owned();
          // restart and unpause bring a container back to running: judged like start.
          if (def.template.endsWith("/restart") || def.template.endsWith("/unpause")) await judgeContainer("running it again");
          break;
        case "volume-create": {
          const v = decodeBody(VOLUME_BODY as never, body ?? Buffer.from("{}"));
          judge([volumeCreateToWorkload(v)]);
          body = Buffer.from(toJson(v));
          break;
        }
        case "build": {
          const net = queryValue(target.query, "networkmode") ?? "";
          const w = emptyWorkload({ door: "proxy", object: `build${queryValue(target.query, "t") ? " " + queryValue(target.query, "t") : ""}` });
          if (net === "host") w.namespaces.network = located({ mode: "host", raw: "networkmode=host" });
          judge([w]);
          break;
        }
        default:
          break;
      }
    } catch (e) {
      if (e instanceof HttpError) {
        const d = (e as HttpError & { denial?: Denial }).denial;
        if (d) {
          audit.concern = d.concern;
          if (d.rule) audit.rule = d.rule;
        }
        await this.reject(e, head, started, audit);
        throw new Done();
      }
      throw e;
    }

    return body;
  }

  /** Read a whole (non-stream) body up to the cap, decoding chunked framing. */
  private async readBody(head: RequestHead): Promise<Buffer> {
    const cap = this.cfg.maxBody;
    if (head.framing.kind === "length") {
      if (head.framing.length > cap) throw new HttpError(413, `request body larger than ${cap} bytes`);
      if (head.expectContinue) await writeAll(this.client, "HTTP/1.1 100 Continue\r\n\r\n");
      const parts: Buffer[] = [];
      let need = head.framing.length;
      while (need > 0) {
        const b = await this.in.read();
        if (b === null) throw new HttpError(400, "connection closed in the middle of a request body");
        const take = b.subarray(0, need);
        parts.push(take);
        need -= take.length;
        if (b.length > take.length) this.in.unshift(b.subarray(take.length));
      }
      return Buffer.concat(parts);
    }
    if (head.expectContinue) await writeAll(this.client, "HTTP/1.1 100 Continue\r\n\r\n");
    const dec = new ChunkedDecoder(this.cfg.allowBareLF);
    const parts: Buffer[] = [];
    let size = 0;
    while (!dec.done) {
      const b = await this.in.read();
      if (b === null) throw new HttpError(400, "connection closed in the middle of a chunked request body");
      const r = dec.push(b);
      for (const d of r.data) {
        size += d.length;
        if (size > cap) throw new HttpError(413, `request body larger than ${cap} bytes`);
        parts.push(d);
      }
      if (r.used < b.length) this.in.unshift(b.subarray(r.used));
    }
    return Buffer.concat(parts);
  }

  /** Stream a tar body up, re-framed as chunks written by the proxy, with back-pressure. */
  private async streamBody(head: RequestHead, up: net.Socket): Promise<number> {
    let total = 0;
    if (head.framing.kind === "length") {
      let need = head.framing.length;
      while (need > 0) {
        const b = await this.in.read();
        if (b === null) throw new HttpError(400, "connection closed in the middle of a request body");
        const take = b.subarray(0, need);
        need -= take.length;
        total += take.length;
        if (b.length > take.length) this.in.unshift(b.subarray(take.length));
        for (const part of encodeChunk(take)) await writeAll(up, part);
      }
    } else {
      const dec = new ChunkedDecoder(this.cfg.allowBareLF);
      while (!dec.done) {
        const b = await this.in.read();
        if (b === null) throw new HttpError(400, "connection closed in the middle of a chunked request body");
        const r = dec.push(b);
        for (const d of r.data) {
          if (d.length === 0) continue;
          total += d.length;
          for (const part of encodeChunk(d)) await writeAll(up, part);
        }
        if (r.used < b.length) this.in.unshift(b.subarray(r.used));
      }
    }
    await writeAll(up, LAST_CHUNK);
    return total;
  }

  /** What the last forwardResponse saw. A field, not the async function's result: resolving a
   *  promise with an object costs a `then` lookup per request (see SockReader.take). */
  private resp: RespInfo = { status: 0, close: false, hijacked: false, bytesOut: 0 };

  /** Pass the daemon's response through unchanged (or redacted, for inspect with redact: env). */
  private async forwardResponse(head: RequestHead, def: RouteMatch["def"], key: string, upIn: SockReader): Promise<void> {
    let buf: Buffer = Buffer.alloc(0);
    let rh: ResponseHead;
    let consumed: number;
    const bp = this.cfg.busyPoll;
    // The wait for the daemon's first bytes is timed for every request (so each kind's estimate
    // follows the daemon), and spun through for kinds usually answered within the budget.
    let t0 = bp ? performance.now() : -1;
    for (;;) {
      const r = parseResponseHead(buf, head.method);
      if (r.kind === "error") throw r.error;
      if (r.kind === "head") {
        // Interim 100 Continue from the daemon: pass it and read the real response.
        if (r.head.status === 100) {
          await writeAll(this.client, buf.subarray(0, r.consumed));
          buf = buf.subarray(r.consumed);
          continue;
        }
        rh = r.head;
        consumed = r.consumed;
        break;
      }
      let more = upIn.take();
      if (more === undefined) {
        const us = bp && t0 >= 0 ? bp.times.spinFor(key, bp.poll.budgetUs) : 0;
        if (us > 0) bp!.poll.begin(us);
        try {
          while ((more = upIn.take()) === undefined) await upIn.wait();
        } finally {
          if (us > 0) bp!.poll.end();
        }
      }
      if (bp && t0 >= 0) {
        bp.times.record(key, (performance.now() - t0) * 1000);
        t0 = -1;
      }
      if (more === null) throw new Error("daemon closed the connection before answering");
      buf = buf.length ? Buffer.concat([buf, more]) : more;
    }
    const headBytes = buf.subarray(0, consumed);
    let rest: Buffer = buf.subarray(consumed);
    const hijacked = def.hijack === true && (rh.status === 101 || (rh.status === 200 && rh.framing.kind === "close" && (rh.contentType ?? "").toLowerCase().startsWith("application/vnd.docker.")));
    if (hijacked) {
      await writeAll(this.client, headBytes);
      upIn.unshift(rest);
      this.resp = { status: rh.status, close: true, hijacked: true, bytesOut: headBytes.length };
      return;
    }
    if (this.cfg.redactEnv && def.cls === "inspect-container" && rh.status === 200) {
      const body = await this.readResponseBody(rh, rest, upIn);
      const out = Buffer.from(redactEnv(body));
      const hs = rh.headers.filter(([n]) => !["content-length", "transfer-encoding"].includes(n.toLowerCase()));
      hs.push(["Content-Length", String(out.length)]);
      let s = `HTTP/1.1 ${rh.status} ${rh.reason}\r\n`;
      for (const [n, v] of hs) s += `${n}: ${v}\r\n`;
      await writeAll(this.client, Buffer.concat([Buffer.from(s + "\r\n", "latin1"), out]));
      this.resp = { status: rh.status, close: rh.close, hijacked: false, bytesOut: out.length };
      return;
    }
    let bytesOut = 0;
    const f = rh.framing;
    // The common case: a small response that arrived whole. One write.
    if ((f.kind === "length" && rest.length === f.length) || f.kind === "none") {
      if (f.kind === "none") upIn.unshift(rest);
      const whole = f.kind === "none" ? headBytes : buf.subarray(0, consumed + rest.length);
      await writeAll(this.client, whole);
      this.resp = { status: rh.status, close: rh.close, hijacked: false, bytesOut: whole.length - headBytes.length };
      return;
    }
    // Body bytes already in hand go out in the same write as the head (one syscall, one wake-up
    // of the client): they follow the head in `buf`, so head and first piece are one subarray,
    // not a copy. With none in hand the head goes now: a stream (events, logs -f) may not send
    // its first byte for a long time, and the client is waiting for the head.
    let withHead = rest.length > 0;
    if (!withHead) await writeAll(this.client, headBytes);
    const send = (b: Buffer): Promise<void> => {
      if (!withHead) return writeAll(this.client, b);
      withHead = false;
      return writeAll(this.client, buf.subarray(0, consumed + b.length));
    };
    if (f.kind === "length") {
      let need = f.length;
      for (;;) {
        if (rest.length) {
          const take = rest.subarray(0, need);
          await send(take);
          need -= take.length;
          bytesOut += take.length;
          if (rest.length > take.length) upIn.unshift(rest.subarray(take.length));
        }
        if (need === 0) break;
        let more: Buffer | null | undefined;
        while ((more = upIn.take()) === undefined) await upIn.wait();
        if (more === null) throw new Error("daemon closed the connection mid-response");
        rest = more;
      }
    } else if (f.kind === "chunked") {
      const sc = new ChunkedScanner();
      for (;;) {
        // Each piece goes out as it arrives. Waiting a turn to merge the daemon's pieces of a
        // small response was tried: the next piece was rarely there yet, and the extra turn cost
        // more CPU than the saved write (bench/proxy, list p50 1.19x -> 1.16x without it).
        if (rest.length) {
          const r = sc.push(rest);
          const take = rest.subarray(0, r.used);
          await send(take);
          bytesOut += take.length;
          if (r.used < rest.length) upIn.unshift(rest.subarray(r.used));
          if (r.done) break;
        }
        let more: Buffer | null | undefined;
        while ((more = upIn.take()) === undefined) await upIn.wait();
        if (more === null) throw new Error("daemon closed the connection mid-response");
        rest = more;
      }
    } else if (f.kind === "close") {
      for (;;) {
        if (rest.length) {
          await send(rest);
          bytesOut += rest.length;
        }
        let more: Buffer | null | undefined;
        while ((more = upIn.take()) === undefined) await upIn.wait();
        if (more === null) break;
        rest = more;
      }
      this.resp = { status: rh.status, close: true, hijacked: false, bytesOut };
      return;
    }
    this.resp = { status: rh.status, close: rh.close, hijacked: false, bytesOut };
  }

  private async readResponseBody(rh: ResponseHead, rest0: Buffer, upIn: SockReader): Promise<Buffer> {
    const parts: Buffer[] = [];
    let rest: Buffer = rest0;
    const f = rh.framing;
    if (f.kind === "length") {
      let need = f.length;
      while (need > 0) {
        if (!rest.length) {
          const m = await upIn.read();
          if (m === null) throw new Error("daemon closed mid-response");
          rest = m;
        }
        const take = rest.subarray(0, need);
        parts.push(take);
        need -= take.length;
        rest = rest.subarray(take.length);
      }
    } else if (f.kind === "chunked") {
      const dec = new ChunkedDecoder(true, 1 << 16);
      while (!dec.done) {
        if (!rest.length) {
          const m = await upIn.read();
          if (m === null) throw new Error("daemon closed mid-response");
          rest = m;
        }
        const r = dec.push(rest);
        parts.push(...r.data);
        rest = rest.subarray(r.used);
      }
    } else if (f.kind === "close") {
      parts.push(rest);
      for (let m = await upIn.read(); m !== null; m = await upIn.read()) parts.push(m);
    }
    return Buffer.concat(parts);
  }

  /** After a hijack: raw bytes both ways; an end from either side is passed on as a half-close. */
  private splice(): void {
    const up = this.up!;
    const c = this.in.detach();
    const u = this.upIn!.detach();
    const fail = () => {
      this.client.destroy();
      up.destroy();
    };
    this.client.on("error", fail);
    up.on("error", fail);
    if (u.rest.length) this.client.write(u.rest);
    if (c.rest.length) up.write(c.rest);
    if (c.ended) up.end();
    else this.client.pipe(up);
    if (u.ended) this.client.end();
    else up.pipe(this.client);
    this.client.resume();
    up.resume();
  }
}

function parseTargetSafe(t: string): string {
  try {
    return parseTarget(t).path;
  } catch {
    return "";
  }
}

function isEmptyJson(b: Buffer): boolean {
  const s = b.toString("utf8").trim();
  return s === "" || s === "{}" || s === "null";
}

function parseOpaqueObject(b: Buffer): unknown {
  const { node } = parseFirstValue(b);
  if (node.t !== "obj") throw new HttpError(400, "sockwarden: expected a JSON object body");
  const seen = new Set<string>();
  const out: Record<string, unknown> = {};
  for (const [k, v] of node.entries) {
    if (seen.has(k.toLowerCase())) throw new HttpError(400, `sockwarden: ambiguous JSON body: duplicate key ${k}`);
    seen.add(k.toLowerCase());
    out[k] = v.t === "bool" ? v.v : v.t === "str" ? v.v : v.t === "num" ? Number(v.raw) : v.t === "null" ? null : v.t === "arr" ? v.items.map((x) => (x.t === "num" ? Number(x.raw) : x.t === "str" ? x.v : null)) : {};
  }
  return out;
}


/** Replace every Env value in a container inspect document (`K=V` → `K=<redacted>`). */
export function redactEnv(body: Buffer): string {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(body.toString("utf8"));
  } catch {
    return JSON.stringify({ message: "sockwarden: could not redact the inspect response" });
  }
  const cfg = j.Config as { Env?: unknown } | undefined;
  if (cfg && Array.isArray(cfg.Env)) cfg.Env = cfg.Env.map((e) => (typeof e === "string" && e.includes("=") ? e.slice(0, e.indexOf("=")) + "=<redacted by sockwarden>" : e));
  return JSON.stringify(j) + "\n";
}

// ───────────────────────────── listeners ─────────────────────────────

export interface ListenSpec {
  address: Address;
  /** Unix socket mode (e.g. 0o660) and group (gid or name). */
  mode?: number;
  group?: number | string;
  tls?: { cert: string; key: string; ca: string };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

function resolveGroup(g: number | string): number {
  if (typeof g === "number") return g;
  if (/^[0-9]+$/.test(g)) return Number(g);
  const line = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.split(":")[0] === g);
  if (!line) throw new Error(`unknown group "${g}"`);
  return Number(line.split(":")[2]);
}

export async function listen(spec: ListenSpec, cfg: ServerConfig): Promise<{ server: net.Server; address: string; closeAll(): void }> {
  const a = spec.address;
  if (a.kind === "tcp" && !isLoopback(a.host) && !spec.tls) {
    throw new Error(`listening on ${a.host} (not loopback) requires TLS with client certificates (--tls-cert, --tls-key, --tls-ca)`);
  }
  let server: net.Server;
  let n = 0;
  const open = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    open.add(s);
    s.on("close", () => open.delete(s));
  };
  if (spec.tls) {
    server = tls.createServer({ cert: readFileSync(spec.tls.cert), key: readFileSync(spec.tls.key), ca: readFileSync(spec.tls.ca), requestCert: true, rejectUnauthorized: true, allowHalfOpen: true }, (s) => {
      track(s);
      const cert = s.getPeerCertificate();
      const subj = cert && cert.subject ? `tls:CN=${cert.subject.CN ?? "?"}` : `tls:${s.remoteAddress}`;
      handleConnection(s, cfg, subj);
    });
  } else {
    // Unix peer credentials for the audit log: looked up only when there is a log to write them to.
    const peers = a.kind === "unix" && cfg.audit ? new PeerLookup() : undefined;
    server = net.createServer({ allowHalfOpen: true }, (s) => {
      n++;
      track(s);
      handleConnection(s, cfg, a.kind === "unix" ? `unix:conn-${n}` : `${s.remoteAddress}:${s.remotePort}`, peers?.lookup(s));
    });
  }
  if (a.kind === "unix" && existsSync(a.path)) {
    // A stale socket from a previous run; never remove anything that is not a socket.
    if (!lstatSync(a.path).isSocket()) throw new Error(`${a.path} exists and is not a socket`);
    const alive = await new Promise<boolean>((r) => {
      const s = net.connect(a.path);
      s.once("connect", () => (s.destroy(), r(true)));
      s.once("error", () => r(false));
    });
    if (alive) throw new Error(`${a.path} is in use by another process`);
    unlinkSync(a.path);
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (a.kind === "unix") server.listen(a.path, resolve);
    else server.listen(a.port, a.host, resolve);
  });
  if (a.kind === "unix") {
    chmodSync(a.path, spec.mode ?? 0o660);
    if (spec.group !== undefined) chownSync(a.path, process.getuid?.() ?? 0, resolveGroup(spec.group));
  }
  const addr = server.address();
  const address = a.kind === "unix" ? `unix://${a.path}` : typeof addr === "object" && addr ? `tcp://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}` : "";
  return { server, address, closeAll: () => open.forEach((s) => s.destroy()) };
}

export { DEFAULT_MAX_HEAD };
