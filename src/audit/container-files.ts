/**
 * Read a small file out of a container, read-only, through the daemon:
 * `GET /containers/{id}/archive?path=…` answers a tar stream of the path (created, running and
 * exited containers alike) and an `X-Docker-Container-Path-Stat` header (base64 JSON: name,
 * size, mode, linkTarget). Used for /etc/passwd and /etc/group, so sizes are bounded hard
 * (default 1 MiB: the stat header is checked first, the stream is cut past the bound), symlinks
 * are followed a few hops as the runtime would open them, and nothing ever throws: a failure is
 * an answer the caller words.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { posix } from "node:path";
import { createTransport, type EngineClient, type Transport } from "../engine/index.js";

export type FileRead = { ok: true; text: string } | { ok: false; missing: true; error: string } | { ok: false; missing?: false; error: string };

export interface ContainerFileReader {
  read(containerId: string, path: string): Promise<FileRead>;
  close(): void;
}

export interface ArchiveReaderOptions {
  maxBytes?: number;
  timeoutMs?: number;
  sshCommand?: string;
  /** Connections kept to the daemon for these reads (default 4). */
  maxSockets?: number;
}

const MODE_DIR = 2 ** 31; // Go os.ModeDir
const MODE_SYMLINK = 2 ** 27; // Go os.ModeSymlink
const MAX_HOPS = 8;
/** Tar framing around one file: headers (pax/GNU long names included), padding, end blocks. */
const TAR_SLACK = 64 * 1024;

interface PathStat {
  name?: string;
  size?: number;
  mode?: number;
  linkTarget?: string;
}

function pathStat(res: IncomingMessage): PathStat | undefined {
  const h = res.headers["x-docker-container-path-stat"];
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  try {
    const j = JSON.parse(Buffer.from(v, "base64").toString("utf8")) as PathStat;
    return j && typeof j === "object" ? j : undefined;
  } catch {
    return undefined;
  }
}

function tarNumber(b: Buffer): number {
  // GNU base-256 for big values (high bit set), else octal text terminated by NUL or space.
  if (b[0]! & 0x80) {
    let n = b[0]! & 0x7f;
    for (let i = 1; i < b.length; i++) n = n * 256 + b[i]!;
    return n;
  }
  const t = b.toString("latin1").replace(/[\0 ].*$/s, "").trim();
  return t ? parseInt(t, 8) : 0;
}

function tarString(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString("utf8");
}

export type TarEntry = { kind: "file"; data: Buffer } | { kind: "symlink"; target: string } | { kind: "other"; type: string } | { kind: "empty" };

/** The first real entry of a tar stream (pax and GNU long-name headers skipped). */
export function firstTarEntry(buf: Buffer): TarEntry {
  let off = 0;
  let longLink: string | undefined;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) return { kind: "empty" };
    const size = tarNumber(h.subarray(124, 136));
    const type = String.fromCharCode(h[156]!) || "0";
    const bodyStart = off + 512;
    const next = bodyStart + Math.ceil(size / 512) * 512;
    if (type === "x" || type === "g") {
      const pax = buf.subarray(bodyStart, bodyStart + size).toString("utf8");
      const m = /(?:^|\n)\d+ linkpath=([^\n]*)\n/.exec(pax);
      if (m) longLink = m[1];
    } else if (type === "K") {
      longLink = tarString(buf.subarray(bodyStart, bodyStart + size));
    } else if (type !== "L") {
      if (type === "0" || type === "\0" || type === "7") {
        if (bodyStart + size > buf.length) return { kind: "other", type: "truncated" };
        return { kind: "file", data: buf.subarray(bodyStart, bodyStart + size) };
      }
      if (type === "2") return { kind: "symlink", target: longLink ?? tarString(h.subarray(157, 257)) };
      return { kind: "other", type };
    }
    off = next;
  }
  return { kind: "empty" };
}

/** Files read through the archive endpoint, over a private set of connections to the daemon. */
export function archiveReader(client: EngineClient, opts: ArchiveReaderOptions = {}): ContainerFileReader {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let transport: Transport | undefined;
  const base = () => (transport ??= createTransport(client.endpoint, { sshCommand: opts.sshCommand, maxSockets: opts.maxSockets ?? 4 })).requestBase;

  /** One GET; resolves with the status, stat header and body (cut at the bound). */
  const get = async (id: string, path: string): Promise<{ status: number; stat?: PathStat; body: Buffer; tooBig?: string; message?: string }> => {
    const version = await client.apiVersion();
    const b = base();
    const full = `${client.endpoint.basePath ?? ""}/v${version}/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(path)}`;
    return new Promise((resolve, reject) => {
      const fn = b.protocol === "https:" ? httpsRequest : httpRequest;
      const req = fn({ ...b, method: "GET", path: full });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`no complete answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.on("response", (res) => {
        const status = res.statusCode ?? 0;
        const stat = pathStat(res);
        const done = (v: Awaited<ReturnType<typeof get>>) => {
          clearTimeout(timer);
          resolve(v);
        };
        if (status >= 200 && status < 300 && stat) {
          const mode = typeof stat.mode === "number" ? stat.mode : 0;
          const isLink = Math.floor(mode / MODE_SYMLINK) % 2 === 1;
          if (isLink && stat.linkTarget) {
            res.destroy();
            return done({ status, stat, body: Buffer.alloc(0) });
          }
          if (mode >= MODE_DIR) {
            res.destroy();
            return done({ status, stat, body: Buffer.alloc(0), message: `${path} is a directory in the container` });
          }
          if (typeof stat.size === "number" && stat.size > maxBytes) {
            res.destroy();
            return done({ status, stat, body: Buffer.alloc(0), tooBig: `${path} is ${stat.size} bytes, over the ${maxBytes}-byte limit` });
          }
        }
        const chunks: Buffer[] = [];
        let total = 0;
        const limit = status >= 200 && status < 300 ? maxBytes + TAR_SLACK : 4096;
        res.on("data", (c: Buffer) => {
          total += c.length;
          if (total > limit) {
            res.destroy();
            if (status >= 200 && status < 300) done({ status, body: Buffer.alloc(0), tooBig: `${path} is over the ${maxBytes}-byte limit` });
            else done({ status, body: Buffer.concat(chunks) });
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => done({ status, ...(stat ? { stat } : {}), body: Buffer.concat(chunks) }));
        res.on("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      req.end();
    });
  };

  const daemonMessage = (body: Buffer) => {
    const t = body.toString("utf8").trim();
    try {
      const j = JSON.parse(t) as { message?: unknown };
      if (typeof j.message === "string") return j.message;
    } catch {
      /* not JSON */
    }
    return t.slice(0, 200);
  };

  return {
    async read(id, path) {
      let p = path;
      try {
        for (let hop = 0; hop <= MAX_HOPS; hop++) {
          const r = await get(id, p);
          if (r.status === 404) return { ok: false, missing: true, error: `${p} does not exist in the container` };
          if (r.status < 200 || r.status >= 300) return { ok: false, error: `the daemon answered ${r.status} for ${p}: ${daemonMessage(r.body)}` };
          if (r.tooBig) return { ok: false, error: `refused: ${r.tooBig}` };
          if (r.message) return { ok: false, error: r.message };
          if (r.stat?.linkTarget && r.body.length === 0) {
            // The daemon resolved the link for us (linkTarget is the absolute path in the container).
            p = r.stat.linkTarget;
            continue;
          }
          const e = firstTarEntry(r.body);
          if (e.kind === "file") {
            if (e.data.length > maxBytes) return { ok: false, error: `refused: ${p} is over the ${maxBytes}-byte limit` };
            return { ok: true, text: e.data.toString("utf8") };
          }
          if (e.kind === "symlink") {
            p = posix.resolve(posix.dirname(p), e.target);
            continue;
          }
          return { ok: false, error: `${p} is not a regular file in the container (${e.kind === "other" ? `tar type ${JSON.stringify(e.type)}` : "empty archive"})` };
        }
        return { ok: false, error: `${path}: more than ${MAX_HOPS} symbolic links` };
      } catch (e) {
        return { ok: false, error: `could not read ${p} from the container: ${(e as Error).message}` };
      }
    },
    close() {
      transport?.close();
    },
  };
}
