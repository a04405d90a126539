/**
 * The upstream daemon: where it is, how to open a raw connection to it, and the few lookups the
 * proxy makes on its own behalf (container, exec and volume inspect) to judge a request.
 */
import net from "node:net";
import http from "node:http";
import { realpath, stat } from "node:fs/promises";
import { HttpError } from "./http1.js";
import { containerInfoFromInspect, type ContainerInfo, type Resolver, type VolumeInfo } from "./toWorkload.js";
import { daemonDefaultsFromInfo, type DaemonDefaults } from "../engine/workload.js";

export type Address = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

/** `unix:///run/docker.sock`, `/run/docker.sock`, `tcp://127.0.0.1:2375`. */
export function parseAddress(s: string, defaultPort = 2375): Address {
  if (s.startsWith("unix://")) return { kind: "unix", path: s.slice("unix://".length) };
  if (s.startsWith("/")) return { kind: "unix", path: s };
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)(?::([0-9]{1,5}))?\/?$/.exec(s);
  if (!m) throw new Error(`unrecognized address "${s}" (use unix:///path or tcp://host:port)`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port > 65535) throw new Error(`port out of range in "${s}"`);
  return { kind: "tcp", host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

export function connectUpstream(a: Address): net.Socket {
  const s = a.kind === "unix" ? net.connect({ path: a.path, allowHalfOpen: true }) : net.connect({ host: a.host, port: a.port, allowHalfOpen: true });
  s.setNoDelay(true);
  return s;
}

const agentCache = new WeakMap<object, http.Agent>();

/** Drop the keep-alive connections used for inspect lookups (on proxy close). */
export function closeAgent(a: Address): void {
  agentCache.get(a)?.destroy();
  agentCache.delete(a);
}

/** GET a JSON document from the daemon. 404 → undefined. */
export function getJson(a: Address, path: string, timeoutMs = 15000): Promise<unknown | undefined> {
  return new Promise((resolve, reject) => {
    let agent = agentCache.get(a);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      agentCache.set(a, agent);
    }
    const opts: http.RequestOptions = a.kind === "unix" ? { socketPath: a.path, path, agent } : { host: a.host, port: a.port, path, agent };
    const req = http.request({ ...opts, method: "GET", headers: { Host: "docker" }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024 * 1024) req.destroy(new Error("inspect response too large"));
        else chunks.push(c);
      });
      res.on("end", () => {
        if (res.statusCode === 404) return resolve(undefined);
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode !== 200) return reject(new HttpError(502, `sockwarden: upstream ${path}: ${res.statusCode} ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new HttpError(502, `sockwarden: upstream ${path}: invalid JSON`));
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new HttpError(504, `sockwarden: upstream ${path} timed out`)));
    req.on("error", (e) => reject(e instanceof HttpError ? e : new HttpError(502, `sockwarden: upstream unreachable (${e.message})`)));
    req.end();
  });
}

const defaultsCache = new WeakMap<object, { at: number; value: Promise<DaemonDefaults> }>();
/** How long the daemon's defaults (cgroup version, default runtime) are trusted: they change only
 *  with a daemon restart, and reading /info on every create would cost a round trip each. */
const DEFAULTS_TTL_MS = 60_000;

/** The daemon's defaults from `GET /info`, cached per upstream. A failed lookup is not cached and
 *  gives no defaults: the model then keeps explicit values as written (the stricter reading). */
export function daemonDefaults(a: Address, now = Date.now()): Promise<DaemonDefaults> {
  const hit = defaultsCache.get(a);
  if (hit && now - hit.at < DEFAULTS_TTL_MS) return hit.value;
  const value = getJson(a, "/info").then(
    (info) => daemonDefaultsFromInfo(info),
    () => {
      defaultsCache.delete(a);
      return {};
    },
  );
  defaultsCache.set(a, { at: now, value });
  return value;
}

export interface ExecInfo {
  containerId: string;
  privileged: boolean;
  user: string;
}

/** Resolver backed by the daemon; caches per request (one Resolver per judged request). */
export function daemonResolver(a: Address, opts: { resolveSymlinks: boolean }): Resolver & { exec(id: string): Promise<ExecInfo | undefined>; inspectRaw(ref: string): Promise<unknown> } {
  const containers = new Map<string, Promise<unknown>>();
  const inspectRaw = (ref: string) => {
    let p = containers.get(ref);
    if (!p) {
      p = getJson(a, `/containers/${encodeURIComponent(ref)}/json`);
      containers.set(ref, p);
    }
    return p;
  };
  const r = {
    inspectRaw,
    async container(ref: string): Promise<ContainerInfo | undefined> {
      const j = await inspectRaw(ref);
      return j === undefined ? undefined : containerInfoFromInspect(j);
    },
    async volume(name: string): Promise<VolumeInfo | undefined> {
      const j = (await getJson(a, `/volumes/${encodeURIComponent(name)}`)) as { Driver?: string; Options?: Record<string, string> | null } | undefined;
      if (!j) return undefined;
      return { driver: j.Driver ?? "local", options: j.Options ?? {} };
    },
    daemonDefaults: () => daemonDefaults(a),
    async exec(id: string): Promise<ExecInfo | undefined> {
      const j = (await getJson(a, `/exec/${encodeURIComponent(id)}/json`)) as { ContainerID?: string; ProcessConfig?: { privileged?: boolean; user?: string } } | undefined;
      if (!j) return undefined;
      return { containerId: j.ContainerID ?? "", privileged: j.ProcessConfig?.privileged === true, user: j.ProcessConfig?.user ?? "" };
    },
  } as Resolver & { exec(id: string): Promise<ExecInfo | undefined>; inspectRaw(ref: string): Promise<unknown> };
  if (opts.resolveSymlinks) {
    r.realHostPath = realHostPath;
    if (a.kind === "unix") {
      // Looked up on first use, not per request: most requests never ask.
      let daemon: Promise<Awaited<ReturnType<typeof stat>> | undefined> | undefined;
      r.isDaemonSocket = async (p: string) => {
        daemon ??= stat(a.path).catch(() => undefined);
        const [x, y] = await Promise.all([stat(p).catch(() => undefined), daemon]);
        return !!x && !!y && x.isSocket() && x.dev === y.dev && x.ino === y.ino;
      };
    }
  }
  return r;
}

/**
 * Resolve symlinks of a host path as far as it exists (the daemon creates what is missing, so
 * the missing tail cannot be a link). `/srv/data/link` → `/` when link points at `/`.
 */
export async function realHostPath(p: string): Promise<string> {
  const parts = p.split("/").filter(Boolean);
  for (let n = parts.length; n >= 0; n--) {
    const head = "/" + parts.slice(0, n).join("/");
    try {
      const real = await realpath(head);
      const rest = parts.slice(n);
      return rest.length ? (real === "/" ? "" : real) + "/" + rest.join("/") : real;
    } catch {
      // does not exist (yet): try the parent
    }
  }
  return p;
}
