/**
 * Prometheus metrics in the text exposition format, served on their own listener (never on the
 * proxied socket). Hand-written: one counter and one histogram do not need a dependency.
 * Labels are low-cardinality by construction: decision and route template, never raw paths.
 * The process's own figures follow (src/util/process-metrics.ts).
 */
import http from "node:http";
import { processMetricsText } from "../util/process-metrics.js";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  private readonly counts = new Map<string, number>();
  private readonly hist = new Map<string, { buckets: number[]; sum: number; count: number }>();
  /** Where the busy-poll time comes from (set when spinning is on). */
  busyPoll: { spunMs: number } | undefined;
  constructor(private readonly preset: string) {}

  observe(decision: string, route: string, seconds: number): void {
    // A NUL never occurs in a decision or a route template: the pair's key without JSON.stringify
    // (it showed in per-request profiles).
    const k = decision + "\0" + route;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    let h = this.hist.get(decision);
    if (!h) this.hist.set(decision, (h = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) h.buckets[i]!++;
    h.sum += seconds;
    h.count++;
  }

  render(): string {
    const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    let out = "# HELP sockwarden_proxy_requests_total Requests handled by the proxy, by decision and route template.\n# TYPE sockwarden_proxy_requests_total counter\n";
    for (const [k, v] of this.counts) {
      const cut = k.indexOf("\0");
      const decision = k.slice(0, cut);
      const route = k.slice(cut + 1);
      out += `sockwarden_proxy_requests_total{decision="${esc(decision)}",route="${esc(route)}",preset="${esc(this.preset)}"} ${v}\n`;
    }
    out += "# HELP sockwarden_proxy_request_duration_seconds Time from request head to end of response (hijacked streams: to the switch).\n# TYPE sockwarden_proxy_request_duration_seconds histogram\n";
    for (const [decision, h] of this.hist) {
      BUCKETS.forEach((b, i) => (out += `sockwarden_proxy_request_duration_seconds_bucket{decision="${esc(decision)}",le="${b}"} ${h.buckets[i]}\n`));
      out += `sockwarden_proxy_request_duration_seconds_bucket{decision="${esc(decision)}",le="+Inf"} ${h.count}\n`;
      out += `sockwarden_proxy_request_duration_seconds_sum{decision="${esc(decision)}"} ${h.sum}\n`;
      out += `sockwarden_proxy_request_duration_seconds_count{decision="${esc(decision)}"} ${h.count}\n`;
    }
    if (this.busyPoll) {
      out += "# HELP sockwarden_proxy_busy_poll_seconds_total Time spent spinning instead of sleeping while requests waited for the daemon (--busy-poll): CPU spent to save wake-ups.\n# TYPE sockwarden_proxy_busy_poll_seconds_total counter\n";
      out += `sockwarden_proxy_busy_poll_seconds_total ${this.busyPoll.spunMs / 1000}\n`;
    }
    return out + processMetricsText();
  }

  /** Serve `/metrics` on host:port (loopback by default). */
  serve(host: string, port: number): Promise<http.Server> {
    const srv = http.createServer((req, res) => {
      if (req.url === "/metrics" && (req.method === "GET" || req.method === "HEAD")) {
        res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
        res.end(req.method === "HEAD" ? undefined : this.render());
      } else {
        res.writeHead(404).end();
      }
    });
    return new Promise((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, host, () => resolve(srv));
    });
  }
}
