/**
 * The process section of every /metrics (proxy, webhook, watch): the names, types and units Prometheus client
 * libraries use (prom-client's default collectors: process_*, nodejs_*), so dashboards built on
 * them work. Expected text written out by hand from the figures below.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderProcessMetrics, readProcessFigures, type ProcessFigures } from "../../src/util/process-metrics.js";

const FIGURES: ProcessFigures = {
  cpuUserUs: 1_500_000, // 1.5 s
  cpuSystemUs: 250_000, // 0.25 s
  startTimeSeconds: 1_796_000_000.4,
  residentBytes: 104_857_600,
  heapTotalBytes: 20_000_000,
  heapUsedBytes: 12_345_678,
  externalBytes: 3_000_000,
  openFds: 17,
};

test("process metrics: seconds from microseconds, whole start second, bytes as they are", () => {
  assert.equal(
    renderProcessMetrics(FIGURES),
    [
      "# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.",
      "# TYPE process_cpu_user_seconds_total counter",
      "process_cpu_user_seconds_total 1.5",
      "# HELP process_cpu_system_seconds_total Total system CPU time spent in seconds.",
      "# TYPE process_cpu_system_seconds_total counter",
      "process_cpu_system_seconds_total 0.25",
      "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.",
      "# TYPE process_cpu_seconds_total counter",
      "process_cpu_seconds_total 1.75",
      "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.",
      "# TYPE process_start_time_seconds gauge",
      "process_start_time_seconds 1796000000",
      "# HELP process_resident_memory_bytes Resident memory size in bytes.",
      "# TYPE process_resident_memory_bytes gauge",
      "process_resident_memory_bytes 104857600",
      "# HELP process_open_fds Number of open file descriptors.",
      "# TYPE process_open_fds gauge",
      "process_open_fds 17",
      "# HELP nodejs_heap_size_total_bytes Process heap size from Node.js in bytes.",
      "# TYPE nodejs_heap_size_total_bytes gauge",
      "nodejs_heap_size_total_bytes 20000000",
      "# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.",
      "# TYPE nodejs_heap_size_used_bytes gauge",
      "nodejs_heap_size_used_bytes 12345678",
      "# HELP nodejs_external_memory_bytes Node.js external memory size in bytes.",
      "# TYPE nodejs_external_memory_bytes gauge",
      "nodejs_external_memory_bytes 3000000",
      "",
    ].join("\n"),
  );
});

test("process metrics: no open-fds line where /proc/self/fd could not be read", () => {
  const text = renderProcessMetrics({ ...FIGURES, openFds: undefined });
  assert.doesNotMatch(text, /process_open_fds/);
  assert.match(text, /^process_resident_memory_bytes 104857600$/m);
});

test("process figures are this process's own", () => {
  const before = readProcessFigures();
  const held = Buffer.alloc(8 * 1024 * 1024, 1); // external memory, touched so it is resident
  const f = readProcessFigures();
  assert.ok(f.externalBytes >= before.externalBytes + held.length, `external ${before.externalBytes} -> ${f.externalBytes}`);
  assert.ok(f.residentBytes >= held.length, `rss ${f.residentBytes}`);
  assert.ok(f.heapUsedBytes > 0 && f.heapUsedBytes <= f.heapTotalBytes);
  // stdin, stdout, stderr at least; the test runner's IPC and pipes are more.
  assert.ok(f.openFds !== undefined && f.openFds >= 3, `open fds ${f.openFds}`);
  const started = Date.now() / 1000 - process.uptime();
  assert.ok(Math.abs(f.startTimeSeconds - started) < 1, `start ${f.startTimeSeconds} vs ${started}`);
  assert.ok(f.cpuUserUs > 0);
  held.fill(0);
});
