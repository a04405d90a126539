/**
 * Does something answer the Docker API? One read-only `GET /_ping`, no version prefix, a short
 * timeout, never throws: the audit asks unknown sockets and TCP listeners, `inside` asks what it
 * can see. The answer is the daemon's `Api-Version` header (a web server answering 200 is not a daemon).
 */
import { request } from "node:http";

export interface ProbeResult {
  answers: boolean;
  apiVersion?: string;
  /** Why it did not answer: an errno code (EACCES, ECONNREFUSED), `timeout`, or what answered instead. */
  error?: string;
}

export function probeDockerApi(target: { socketPath: string } | { host: string; port: number }, timeoutMs = 500): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      const v = res.headers["api-version"];
      resolve(typeof v === "string" ? { answers: true, apiVersion: v } : { answers: false, error: `answers HTTP ${res.statusCode} but not the Docker API` });
    });
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ answers: false, error: e.code ?? e.message }));
    req.on("timeout", () => {
      req.destroy();
      resolve({ answers: false, error: "timeout" });
    });
    req.end();
  });
}
