/**
 * The `/events` stream with its own connection (the engine client's `streamJson` parses with
 * `JSON.parse`, which rounds `timeNano`, and does not say when the stream is open). Same
 * endpoint and transport as every other request: unix, tcp, TLS, ssh.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { EngineClient } from "../engine/client.js";
import { EngineError, classifySocketError } from "../engine/errors.js";
import type { Transport } from "../engine/transport.js";

export interface StreamCallbacks {
  /** The daemon answered 200: events flow from here on. */
  onOpen(): void;
  /** One line (one JSON object) of the stream. */
  onLine(line: string): void;
}

/**
 * GET `/events` with `query`; resolves when the daemon ends the stream (an `until` was reached,
 * or the daemon shut down cleanly), rejects on a connection error, and resolves quietly when
 * `signal` aborts.
 */
export async function streamEvents(client: EngineClient, transport: Transport, query: Record<string, string>, cb: StreamCallbacks, signal: AbortSignal, headerTimeoutMs = 15_000): Promise<"ended" | "aborted"> {
  const version = await client.apiVersion();
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  const path = `${client.endpoint.basePath ?? ""}/v${version}/events${qs ? "?" + qs : ""}`;
  const base = transport.requestBase;
  const fn = base.protocol === "https:" ? httpsRequest : httpRequest;
  if (signal.aborted) return "aborted";
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | undefined, how: "ended" | "aborted" = "ended") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (err && !signal.aborted) reject(err);
      else resolve(signal.aborted ? "aborted" : how);
    };
    const req = fn({ ...base, method: "GET", path, headers: { accept: "application/json" } });
    const onAbort = () => {
      req.destroy();
      done(undefined, "aborted");
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => {
      req.destroy();
      done(new EngineError("timeout", `GET /events to ${transport.describe}: no answer within ${headerTimeoutMs} ms`, { endpoint: transport.describe, path: "/events" }));
    }, headerTimeoutMs);
    req.on("error", (e: NodeJS.ErrnoException) => done(e instanceof EngineError ? e : classifySocketError(e, transport.describe)));
    req.on("response", (res: IncomingMessage) => {
      clearTimeout(timer);
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          let msg = Buffer.concat(chunks).toString("utf8").trim();
          try {
            msg = String((JSON.parse(msg) as { message?: unknown }).message ?? msg);
          } catch {
            /* plain text */
          }
          done(new EngineError("http", `GET /events: daemon answered ${status}: ${msg.slice(0, 300)}`, { status, endpoint: transport.describe, path: "/events" }));
        });
        res.on("error", (e: NodeJS.ErrnoException) => done(classifySocketError(e, transport.describe)));
        return;
      }
      cb.onOpen();
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        buf += c;
        let i: number;
        while ((i = buf.indexOf("\n")) !== -1) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) cb.onLine(line);
        }
        // Guard against a peer that never sends a newline.
        if (buf.length > 4 * 1024 * 1024) {
          req.destroy();
          done(new EngineError("protocol", "GET /events: a line longer than 4 MiB; not the Docker API?", { endpoint: transport.describe, path: "/events" }));
        }
      });
      res.on("end", () => {
        if (buf.trim()) cb.onLine(buf);
        done(undefined, "ended");
      });
      res.on("aborted", () => done(new EngineError("daemon-down", `the event stream from ${transport.describe} was cut`, { endpoint: transport.describe, path: "/events" })));
      res.on("error", (e: NodeJS.ErrnoException) => done(classifySocketError(e, transport.describe)));
      res.on("close", () => done(res.complete ? undefined : new EngineError("daemon-down", `the event stream from ${transport.describe} was cut`, { endpoint: transport.describe, path: "/events" })));
    });
    req.end();
  });
}
