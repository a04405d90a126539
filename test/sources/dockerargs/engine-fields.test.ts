/**
 * `docker run` flags that map to the Engine fields judged since the shared core: --gpus, --runtime,
 * --cgroup-parent, --sysctl. Expected values are the docker CLI's own reading (cli opts/gpus.go:
 * count 1 unless a count or devices are given, `all` is -1, capabilities always include gpu).
 * Last, `scan` over a small tree (a shell script and a compose file) finds them end to end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tokenizeShell } from "../../../src/sources/dockerargs/words.js";
import { parseDockerCommand, gpuRequest } from "../../../src/sources/dockerargs/parse.js";
import { scan } from "../../../src/scan/index.js";
import { defaultPolicy } from "../../../src/policy/types.js";
import type { Workload } from "../../../src/model/workload.js";

function wl(line: string): Workload {
  const c = tokenizeShell(line).commands[0]!;
  const r = parseDockerCommand(c.words, { door: "shell", file: "t.sh" });
  assert.ok(r?.workload, line);
  return r.workload;
}

test("--gpus as the docker CLI reads it", () => {
  assert.deepEqual(gpuRequest("all"), { raw: "--gpus all", count: -1, capabilities: [["gpu"]] });
  assert.deepEqual(gpuRequest("2"), { raw: "--gpus 2", count: 2, capabilities: [["gpu"]] });
  // Quoted CSV field: one device list, and no count (devices given).
  assert.deepEqual(gpuRequest('"device=0,1"'), { raw: '--gpus "device=0,1"', deviceIds: ["0", "1"], capabilities: [["gpu"]] });
  assert.deepEqual(gpuRequest("driver=nvidia,capabilities=compute"), { raw: "--gpus driver=nvidia,capabilities=compute", driver: "nvidia", count: 1, capabilities: [["compute", "gpu"]] });
});

test("docker run --gpus / --runtime / --cgroup-parent / --sysctl into the Workload", () => {
  const w = wl(`docker run --gpus '"device=1"' --runtime=nvidia --cgroup-parent /batch --sysctl net.core.somaxconn=1024 --sysctl kernel.msgmax=65536 img`);
  assert.equal(w.image?.value, "img");
  assert.deepEqual(w.deviceRequests?.map((r) => r.value), [{ raw: '--gpus "device=1"', deviceIds: ["1"], capabilities: [["gpu"]] }]);
  assert.equal(w.runtime?.value, "nvidia");
  assert.equal(w.cgroupParent?.value, "/batch");
  assert.deepEqual(w.sysctls?.map((s) => s.value), [{ name: "net.core.somaxconn", value: "1024" }, { name: "kernel.msgmax", value: "65536" }]);
  // Positions: the value word of each flag (1-based columns on line 1).
  assert.equal(w.cgroupParent?.at?.column, "docker run --gpus '\"device=1\"' --runtime=nvidia --cgroup-parent ".length + 1);
  // Flags that take a value do not swallow the image.
  const p = wl("podman run --sysctl 'kernel.core_pattern=|/x' img2 sh"); // quoted: an unquoted | is a pipe
  assert.equal(p.image?.value, "img2");
  assert.deepEqual(p.sysctls?.map((s) => s.value), [{ name: "kernel.core_pattern", value: "|/x" }]);
});

test("scan finds them in a shell script and a compose file (end to end)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "swdargs-"));
  try {
    // run.sh line 2: --gpus all (device-request medium), --sysctl vm.swappiness=1 (not namespaced: host-sysctl high).
    writeFileSync(join(dir, "run.sh"), "#!/bin/sh\ndocker run -d --gpus all --sysctl vm.swappiness=1 trainer:1\n");
    // compose.yml: cgroup_parent / (line 4: host-cgroup-parent medium), runtime custom-rt (line 5: low).
    writeFileSync(join(dir, "compose.yml"), "services:\n  job:\n    image: job:1\n    cgroup_parent: /\n    runtime: custom-rt\n");
    const report = await scan(dir, { policy: defaultPolicy() });
    const got = report.findings.map((f) => `${f.location.file}:${f.location.line} ${f.rule} ${f.severity}`).sort();
    assert.deepEqual(got, ["compose.yml:4 host-cgroup-parent medium", "compose.yml:5 non-default-runtime low", "run.sh:2 device-request medium", "run.sh:2 host-sysctl high"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
