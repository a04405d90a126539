/**
 * The process's own figures for a /metrics endpoint (proxy, webhook, watch): CPU, memory and open
 * descriptors under the names Prometheus client libraries use (prom-client's default collectors:
 * process_*, nodejs_*), so existing dashboards and alerts on them work.
 *
 * Read at scrape time only. prom-client's collectDefaultMetrics was not used: it keeps timers
 * running (event-loop lag sampled every 10 ms), and each wake-up is what the proxy works to avoid.
 */
import { readdirSync } from "node:fs";

/** What the process reports about itself, read once per scrape. */
export interface ProcessFigures {
  /** CPU time since start, microseconds (process.cpuUsage). */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** Unix time the process started, seconds. */
  startTimeSeconds: number;
  residentBytes: number;
  heapTotalBytes: number;
  heapUsedBytes: number;
  /** Memory outside V8's heap held by JS objects: Buffers, mostly (includes arrayBuffers). */
  externalBytes: number;
  /** Undefined where /proc/self/fd cannot be read. */
  openFds: number | undefined;
}

export function readProcessFigures(): ProcessFigures {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  let openFds: number | undefined;
  try {
    // The directory read itself holds one descriptor while it lists them.
    openFds = readdirSync("/proc/self/fd").length - 1;
  } catch {
    openFds = undefined;
  }
  return {
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    startTimeSeconds: (Date.now() - performance.now()) / 1000,
    residentBytes: mem.rss,
    heapTotalBytes: mem.heapTotal,
    heapUsedBytes: mem.heapUsed,
    externalBytes: mem.external,
    openFds,
  };
}

/** The process section of /metrics (pure: figures in, exposition text out). */
export function renderProcessMetrics(f: ProcessFigures): string {
  const one = (name: string, type: "counter" | "gauge", help: string, value: number) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`;
  let out = "";
  out += one("process_cpu_user_seconds_total", "counter", "Total user CPU time spent in seconds.", f.cpuUserUs / 1e6);
  out += one("process_cpu_system_seconds_total", "counter", "Total system CPU time spent in seconds.", f.cpuSystemUs / 1e6);
  out += one("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", (f.cpuUserUs + f.cpuSystemUs) / 1e6);
  out += one("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", Math.round(f.startTimeSeconds));
  out += one("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", f.residentBytes);
  if (f.openFds !== undefined) out += one("process_open_fds", "gauge", "Number of open file descriptors.", f.openFds);
  out += one("nodejs_heap_size_total_bytes", "gauge", "Process heap size from Node.js in bytes.", f.heapTotalBytes);
  out += one("nodejs_heap_size_used_bytes", "gauge", "Process heap size used from Node.js in bytes.", f.heapUsedBytes);
  out += one("nodejs_external_memory_bytes", "gauge", "Node.js external memory size in bytes.", f.externalBytes);
  return out;
}

/** The process section as served: read now, rendered. */
export function processMetricsText(): string {
  return renderProcessMetrics(readProcessFigures());
}
