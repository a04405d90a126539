import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readFileSync, watchFile, unwatchFile } from "node:fs";
import { createSecureContext } from "node:tls";
import type { AddressInfo } from "node:net";
import type { Policy } from "../policy/types.js";
import { isExpired } from "../policy/match.js";
import { reviewAdmission, rejectUnreadable, type AdmissionDecision } from "./admission.js";
import { processMetricsText } from "../util/process-metrics.js";

/**
 * `sockwarden webhook`: a validating admission webhook over HTTPS (node:https).
 *   POST /validate   AdmissionReview v1 → AdmissionReview v1 (src/k8s/admission.ts decides)
 *   GET  /healthz    the process is up
 *   GET  /readyz     TLS material and policy are loaded
 *   GET  /metrics    Prometheus text: sockwarden_admission_requests_total{decision,concern}, then the process's own figures
 * The certificate and key are re-read when either file changes (cert-manager rotates them in
 * place); a bad pair is logged and the previous one kept. The policy is given already loaded and
 * validated: the webhook never runs with a half-read policy.
 */

export interface WebhookOptions {
  /** `ADDR:PORT`, `:PORT` or `[v6]:PORT`; port 0 picks a free port (tests). Default `:8443`. */
  listen?: string;
  tlsCert: string;
  tlsKey: string;
  policy: Policy;
  /** Largest accepted request body. The API server caps objects at ~1.5 MiB; an AdmissionReview
   *  carries object + oldObject. Default 6 MiB. */
  maxBodyBytes?: number;
  /** How often the certificate files are checked for changes (ms). Default 2000. */
  tlsPollMs?: number;
  /** One line per event (JSON); default: stderr. Never receives object content or env values. */
  log?: (line: string) => void;
  /** Clock, for expiry of exceptions and break-glass (tests). */
  now?: () => Date;
}

export interface WebhookHandle {
  server: Server;
  host: string;
  port: number;
  url: string;
  /** Re-read the certificate and key now; false (and the old pair kept) when they do not load. */
  reloadTls(): boolean;
  metrics(): string;
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY = 6 * 1024 * 1024;

export function parseListen(listen: string | undefined): { host: string; port: number } {
  const s = listen ?? ":8443";
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s);
  if (!m) throw new Error(`--listen ${JSON.stringify(s)}: expected ADDR:PORT, :PORT or [IPv6]:PORT`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--listen ${JSON.stringify(s)}: port out of range`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

export async function startWebhook(opts: WebhookOptions): Promise<WebhookHandle> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const now = opts.now ?? (() => new Date());
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const { host, port } = parseListen(opts.listen);
  const policy = opts.policy;

  // Fail at start-up, not on the first request, when the TLS files are missing or broken.
  let tls = readTls(opts.tlsCert, opts.tlsKey);
  createSecureContext(tls);

  const counters = new Map<string, number>();
  const count = (d: AdmissionDecision) => {
    const key = `decision="${d.outcome}",concern="${d.concern}"`;
    counters.set(key, (counters.get(key) ?? 0) + 1);
  };

  const server = createServer({ ...tls, minVersion: "TLSv1.2" }, (req, res) => {
    handle(req, res).catch((e) => {
      log(JSON.stringify({ level: "error", msg: "request handler failed", error: String(e) }));
      if (!res.headersSent) send(res, 500, "text/plain", "internal error\n");
      else res.destroy();
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/healthz") return send(res, 200, "text/plain", "ok\n");
    if (req.method === "GET" && path === "/readyz") return send(res, 200, "text/plain", "ready\n");
    if (req.method === "GET" && path === "/metrics") return send(res, 200, "text/plain; version=0.0.4", metrics());
    if (path !== "/validate") return send(res, 404, "text/plain", "not found\n");
    if (req.method !== "POST") {
      res.setHeader("Allow", "POST");
      return send(res, 405, "text/plain", "POST an AdmissionReview to /validate\n");
    }
    const body = await readBody(req, maxBody);
    let decision: AdmissionDecision;
    let httpStatus = 200;
    if (body.tooLarge) {
      // Answer with a proper deny when the uid can be read from the start of the body, so the
      // API server shows our message; otherwise a 413 (the API server then fails closed too).
      const uid = /^\s*\{[^]*?"request"\s*:\s*\{\s*"uid"\s*:\s*"([^"\\]{1,128})"/.exec(body.head)?.[1];
      decision = rejectUnreadable(uid ?? "", `request body larger than ${maxBody} bytes; denied because the webhook fails closed`, 413);
      if (!uid) httpStatus = 413;
    } else {
      let parsed: unknown;
      let ok = true;
      try {
        parsed = JSON.parse(body.text);
      } catch (e) {
        ok = false;
        decision = rejectUnreadable("", `request body is not valid JSON (${e instanceof Error ? e.message : String(e)}); denied because the webhook fails closed`);
        httpStatus = 400;
      }
      if (ok) decision = reviewAdmission(parsed, policy, { now: now() });
    }
    count(decision!);
    log(JSON.stringify({ level: "info", msg: "admission", decision: decision!.outcome, concern: decision!.concern, ...decision!.summary }));
    send(res, httpStatus, "application/json", JSON.stringify(decision!.review));
  }

  function metrics(): string {
    const lines = [
      "# HELP sockwarden_admission_requests_total Admission requests by decision (allowed, denied, error) and deciding concern (none when nothing fired).",
      "# TYPE sockwarden_admission_requests_total counter",
    ];
    for (const [k, v] of [...counters].sort()) lines.push(`sockwarden_admission_requests_total{${k}} ${v}`);
    return lines.join("\n") + "\n" + processMetricsText();
  }

  function reloadTls(): boolean {
    try {
      const next = readTls(opts.tlsCert, opts.tlsKey);
      server.setSecureContext({ ...next, minVersion: "TLSv1.2" });
      tls = next;
      log(JSON.stringify({ level: "info", msg: "TLS certificate reloaded" }));
      return true;
    } catch (e) {
      log(JSON.stringify({ level: "warn", msg: "TLS certificate reload failed; keeping the previous one", error: e instanceof Error ? e.message : String(e) }));
      return false;
    }
  }

  // stat polling follows symlinks, which is how Secret volumes swap files (`..data`).
  const poll = opts.tlsPollMs ?? 2000;
  const onChange = (cur: { mtimeMs: number; ino: number }, prev: { mtimeMs: number; ino: number }) => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.ino !== prev.ino) reloadTls();
  };
  watchFile(opts.tlsCert, { interval: poll, persistent: false }, onChange);
  watchFile(opts.tlsKey, { interval: poll, persistent: false }, onChange);

  for (const b of policy.webhook?.breakGlass ?? []) {
    if (isExpired(b.expires, now())) log(JSON.stringify({ level: "warn", msg: "break-glass entry expired: it admits nothing", namespace: b.namespace, expires: b.expires, owner: b.owner }));
  }
  for (const e of policy.exceptions) {
    if (isExpired(e.expires, now())) log(JSON.stringify({ level: "warn", msg: "exception expired: it suppresses nothing", concern: e.concern, expires: e.expires, owner: e.owner, source: e.source }));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  log(JSON.stringify({ level: "info", msg: "webhook listening", address: `${shownHost}:${addr.port}` }));

  return {
    server,
    host: addr.address,
    port: addr.port,
    url: `https://${shownHost}:${addr.port}`,
    reloadTls,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        unwatchFile(opts.tlsCert, onChange);
        unwatchFile(opts.tlsKey, onChange);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  // Throws on a mismatched or unparseable pair, before it is ever served.
  createSecureContext({ cert, key });
  return { cert, key };
}

interface Body {
  text: string;
  tooLarge: boolean;
  /** The first bytes, kept when the body is too large (to find the request uid). */
  head: string;
}

function readBody(req: IncomingMessage, max: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    const chunks: Buffer[] = [];
    let size = 0;
    let head = "";
    let tooLarge = Number.isFinite(declared) && declared > max;
    req.on("data", (c: Buffer) => {
      if (head.length < 4096) head += c.subarray(0, 4096 - head.length).toString("utf8");
      size += c.length;
      if (size > max) tooLarge = true;
      // Past the limit keep reading (and dropping) so the client gets our answer, not a reset.
      if (!tooLarge) chunks.push(c);
    });
    req.on("end", () => resolve({ text: tooLarge ? "" : Buffer.concat(chunks).toString("utf8"), tooLarge, head }));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store" });
  res.end(body);
}
