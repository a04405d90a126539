/** Shared helpers for the proxy's integration tests (real private dockerd, real sockets). */
import net from "node:net";
import http from "node:http";

/** Send raw bytes to a Unix socket; collect everything until the peer closes (or `ms` pass). */
export function rawExchange(socketPath: string, bytes: Buffer | string, ms = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const t = setTimeout(done, ms);
    s.on("data", (c) => chunks.push(c));
    s.on("end", done);
    s.on("error", done);
    s.on("connect", () => s.write(bytes));
  });
}

/** Status codes of every response in a raw exchange, in order. */
export function statuses(raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.1 ([0-9]{3}) /g)].map((m) => Number(m[1]));
}

/** A JSON request with an exact Content-Length. */
export function jsonRequest(method: string, path: string, body: string, extraHeaders = ""): string {
  const len = Buffer.byteLength(body);
  return `${method} ${path} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`;
}

/** GET JSON straight from the daemon (not through the proxy): the ground truth. */
export function daemonGet(socketPath: string, path: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = undefined;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** Names of all containers on the daemon (ground truth). */
export async function containerNames(socketPath: string): Promise<string[]> {
  const r = await daemonGet(socketPath, "/containers/json?all=1");
  return (r.json as { Names: string[] }[]).flatMap((c) => c.Names.map((n) => n.replace(/^\//, ""))).sort();
}
export async function volumeNames(socketPath: string): Promise<string[]> {
  const r = await daemonGet(socketPath, "/volumes");
  return ((r.json as { Volumes: { Name: string }[] | null }).Volumes ?? []).map((v) => v.Name).sort();
}
