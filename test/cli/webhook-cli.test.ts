/**
 * `sockwarden webhook` as a cluster runs it: the built CLI in a child process with a real
 * certificate (openssl), answering a real AdmissionReview over HTTPS, stopping on SIGTERM.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:https";
import { fileURLToPath } from "node:url";
import { terminate } from "./child.js";

const BIN = fileURLToPath(new URL("../../bin/sockwarden.js", import.meta.url));

function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(url, { method: "POST", rejectUnauthorized: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      let s = "";
      res.on("data", (c) => (s += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(s) }));
    });
    req.on("error", reject);
    req.end(data);
  });
}

test("webhook CLI: denies a pod with the docker socket, admits a clean one, exits 0 on SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-wh-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
    writeFileSync(join(dir, "sockwarden.yaml"), "version: 1\n");
    const child = spawn(process.execPath, [BIN, "webhook", "--listen", "127.0.0.1:0", "--tls-cert", join(dir, "c.pem"), "--tls-key", join(dir, "k.pem"), "--policy", join(dir, "sockwarden.yaml")], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (c) => {
        err += c;
        const m = /listening on (https:\/\/[^\s]+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`webhook exited ${code}: ${err}`)));
    });
    const pod = (path: string | undefined) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "team-a" },
      spec: {
        containers: [{ name: "c", image: "busybox", volumeMounts: path ? [{ name: "s", mountPath: "/s" }] : [] }],
        volumes: path ? [{ name: "s", hostPath: { path } }] : [],
      },
    });
    const review = (uid: string, object: unknown) => ({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: { uid, kind: { group: "", version: "v1", kind: "Pod" }, resource: { group: "", version: "v1", resource: "pods" }, namespace: "team-a", operation: "CREATE", userInfo: { username: "dev" }, object, dryRun: false },
    });
    // A path trick: //var/run/../run/docker.sock normalizes to the docker socket.
    const denied = await post(`${url}/validate`, review("u-1", pod("//var/run/../run/docker.sock")));
    assert.equal(denied.status, 200);
    assert.equal(denied.json.response.uid, "u-1");
    assert.equal(denied.json.response.allowed, false);
    assert.match(denied.json.response.status.message, /socket-mount/);
    const allowed = await post(`${url}/validate`, review("u-2", pod(undefined)));
    assert.equal(allowed.json.response.allowed, true);
    const code = await terminate(child);
    assert.equal(code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("webhook CLI: refuses to start without TLS material or with a broken policy (exit 2)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-wh-"));
  try {
    const run = (args: string[]) => {
      try {
        execFileSync(process.execPath, [BIN, "webhook", ...args], { stdio: "pipe" });
        return 0;
      } catch (e) {
        return (e as { status: number }).status;
      }
    };
    assert.equal(run(["--listen", "127.0.0.1:0"]), 2);
    writeFileSync(join(dir, "bad.yaml"), "version: 2\n");
    writeFileSync(join(dir, "c.pem"), "x");
    assert.equal(run(["--listen", "127.0.0.1:0", "--tls-cert", join(dir, "c.pem"), "--tls-key", join(dir, "c.pem"), "--policy", join(dir, "bad.yaml")]), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
