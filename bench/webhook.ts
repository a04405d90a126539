// Admission webhook under load: N AdmissionReview requests at a given concurrency over HTTPS.
//
//   node --import tsx bench/webhook.ts [--requests 1000] [--concurrency 50]
//
// Starts `startWebhook()` on 127.0.0.1 with a throw-away self-signed certificate (openssl) and
// the default policy, then sends a mix of real AdmissionReview v1 bodies (a clean Deployment, a
// Pod with the docker socket, a privileged DaemonSet, a CronJob with hostPID) through a keep-alive
// agent with `concurrency` sockets. Prints requests/s and p50/p90/p99/max latency, and counts
// errors (transport failures, non-200 answers, or a decision different from the expected one).
// Client and server share one process (and its event loop), so latencies include the client's
// own work. Asserts nothing on time (the machines are shared and noisy); exits 1 if any request
// failed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "node:https";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { startWebhook } from "../src/k8s/webhook.js";
import { defaultPolicy } from "../src/policy/types.js";

const args = process.argv.slice(2);
const flag = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const REQUESTS = flag("--requests", 1000);
const CONCURRENCY = flag("--concurrency", 50);

const dir = mkdtempSync(join(tmpdir(), "sw-bench-webhook-"));
execFileSync("openssl", [
  "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
  "-keyout", join(dir, "tls.key"), "-out", join(dir, "tls.crt"), "-days", "1",
  "-subj", "/CN=sockwarden-bench", "-addext", "subjectAltName=IP:127.0.0.1",
], { stdio: "ignore" });
const ca = readFileSync(join(dir, "tls.crt"));

const container = (extra: Record<string, unknown> = {}) => ({ name: "app", image: "registry.example/app:1.0", ports: [{ containerPort: 8080 }], ...extra });
const CASES: { object: Record<string, unknown>; allowed: boolean }[] = [
  { allowed: true, object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { app: "web" } }, spec: { replicas: 3, template: { metadata: { labels: { app: "web" } }, spec: { containers: [container({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } })] } } } } },
  { allowed: false, object: { apiVersion: "v1", kind: "Pod", metadata: { name: "traefik" }, spec: { containers: [container({ volumeMounts: [{ name: "sock", mountPath: "/var/run/docker.sock", readOnly: true }] })], volumes: [{ name: "sock", hostPath: { path: "/var/run/docker.sock", type: "Socket" } }] } } },
  { allowed: false, object: { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" }, spec: { template: { spec: { containers: [container({ securityContext: { privileged: true } })] } } } } },
  { allowed: false, object: { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "scan" }, spec: { schedule: "@hourly", jobTemplate: { spec: { template: { spec: { hostPID: true, containers: [container()] } } } } } } },
];

function body(object: Record<string, unknown>): { uid: string; text: string } {
  const uid = randomUUID();
  const kind = object.kind as string;
  return {
    uid,
    text: JSON.stringify({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: { uid, kind: { group: "", version: "v1", kind }, resource: { group: "", version: "v1", resource: kind.toLowerCase() + "s" }, namespace: "bench", operation: "CREATE", userInfo: { username: "bench" }, object, oldObject: null, dryRun: false, options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" } },
    }),
  };
}

const hook = await startWebhook({ listen: "127.0.0.1:0", tlsCert: join(dir, "tls.crt"), tlsKey: join(dir, "tls.key"), policy: defaultPolicy(), log: () => {} });
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca });

function once(i: number): Promise<{ ms: number; ok: boolean; why?: string }> {
  const c = CASES[i % CASES.length]!;
  const b = body(c.object);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port: hook.port, method: "POST", path: "/validate", agent, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(b.text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d) => chunks.push(d));
      res.on("end", () => {
        const ms = performance.now() - t0;
        try {
          const r = JSON.parse(Buffer.concat(chunks).toString("utf8")).response;
          const ok = res.statusCode === 200 && r.uid === b.uid && r.allowed === c.allowed;
          resolve({ ms, ok, why: ok ? undefined : `status ${res.statusCode}, allowed ${r.allowed}` });
        } catch (e) {
          resolve({ ms, ok: false, why: String(e) });
        }
      });
    });
    req.on("error", (e) => resolve({ ms: performance.now() - t0, ok: false, why: e.message }));
    req.end(b.text);
  });
}

const lat: number[] = [];
const failures: string[] = [];
let next = 0;
const start = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
      const r = await once(next++);
      lat.push(r.ms);
      if (!r.ok) failures.push(r.why ?? "?");
    }
  }),
);
const total = performance.now() - start;
agent.destroy();
await hook.close();
rmSync(dir, { recursive: true, force: true });

lat.sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!.toFixed(2);
console.log(`webhook: ${REQUESTS} AdmissionReviews, concurrency ${CONCURRENCY}, HTTPS keep-alive`);
console.log(`  ${(REQUESTS / (total / 1000)).toFixed(0)} requests/s, total ${(total / 1000).toFixed(2)} s`);
console.log(`  latency ms: p50 ${q(50)}  p90 ${q(90)}  p99 ${q(99)}  max ${lat[lat.length - 1]!.toFixed(2)}`);
console.log(`  errors: ${failures.length}${failures.length ? ` (first: ${failures[0]})` : ""}`);
process.exit(failures.length ? 1 : 0);
