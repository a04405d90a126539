/**
 * Prometheus metrics for the watcher (REFERENCE.md §5.6: `sockwarden_` prefix, counters end in
 * `_total`, no container ids or paths as labels). A private registry per watcher, so two
 * watchers in one process (tests, a library user) never collide.
 */
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import type { Finding } from "../model/finding.js";
import { VERSION } from "../version.js";
import { processMetricsText } from "../util/process-metrics.js";

export interface WatchMetrics {
  registry: Registry;
  events: Counter<"type" | "action">;
  alerts: Counter<"sink" | "outcome">;
  reconnects: Counter<string>;
  audits: Counter<"outcome">;
}

/** `current()` is read at scrape time: the findings of every object the watcher knows now. */
export function createMetrics(current: () => { findings: Iterable<Finding>; socketHolders: number }): WatchMetrics {
  const registry = new Registry();
  new Gauge({ name: "sockwarden_build_info", help: "sockwarden version", labelNames: ["version"], registers: [registry] }).set({ version: VERSION }, 1);
  new Gauge({
    name: "sockwarden_findings",
    help: "Unsuppressed findings on the watched daemon right now (containers, volumes, plugins)",
    labelNames: ["concern", "severity"],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const f of current().findings) {
        const k = `${f.concern}\u0000${f.severity}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      for (const [k, n] of counts) {
        const [concern, severity] = k.split("\u0000") as [string, string];
        this.set({ concern, severity }, n);
      }
    },
  });
  new Gauge({
    name: "sockwarden_containers_with_runtime_socket",
    help: "Containers that mount a runtime socket or a directory holding one",
    registers: [registry],
    collect() {
      this.set(current().socketHolders);
    },
  });
  return {
    registry,
    events: new Counter({ name: "sockwarden_events_total", help: "Daemon events received", labelNames: ["type", "action"], registers: [registry] }),
    alerts: new Counter({ name: "sockwarden_alerts_total", help: "Alerts by sink and outcome (sent, failed, dropped)", labelNames: ["sink", "outcome"], registers: [registry] }),
    reconnects: new Counter({ name: "sockwarden_stream_reconnects_total", help: "Times the event stream had to be reconnected", registers: [registry] }),
    audits: new Counter({ name: "sockwarden_audits_total", help: "Full audits run by the watcher", labelNames: ["outcome"], registers: [registry] }),
  };
}

/** What /metrics serves: the watcher's registry, then the process's own figures. */
export async function metricsText(registry: Registry): Promise<string> {
  return (await registry.metrics()) + processMetricsText();
}

/** `127.0.0.1:9323`, `[::1]:9323`, `:9323` (all interfaces). */
export function parseListenAddress(s: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s.trim());
  if (!m) throw new Error(`--metrics wants ADDR:PORT (e.g. 127.0.0.1:9323), got "${s}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`--metrics: port ${port} is out of range`);
  const host = m[1] ?? m[2];
  return host ? { host, port } : { port };
}

/** Serve `GET /metrics`. Resolves once listening, with the bound address (port 0 picks one). */
export async function serveMetrics(registry: Registry, addr: string): Promise<{ server: Server; address: string }> {
  const { host, port } = parseListenAddress(addr);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("sockwarden: metrics are at /metrics\n");
      return;
    }
    metricsText(registry).then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(req.method === "HEAD" ? undefined : text),
      (e: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${e.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const a = server.address();
  const address = a && typeof a === "object" ? `${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}` : addr;
  return { server, address };
}
