/**
 * Which daemon the docker CLI would talk to, and how (REFERENCE.md §1). The reasoning is pure
 * (`resolveContextName`, `parseDockerHost`, `defaultEndpoint`, `contextEndpoint`); the reads of
 * config.json and the context store live in `./contextstore.ts`.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** Client flags, as the docker CLI has them. */
export interface EndpointFlags {
  /** `-H/--host`, possibly given more than once (an error, like the CLI's "specify only one -H"). */
  host?: string | string[];
  /** `-c/--context`. */
  context?: string;
  tls?: boolean;
  tlsverify?: boolean;
  tlscacert?: string;
  tlscert?: string;
  tlskey?: string;
  /** `--config DIR`. */
  config?: string;
}

export type Env = Record<string, string | undefined>;

export interface TlsSettings {
  /** Verify the server's certificate (against `ca` when given, else the system roots). */
  verify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
  /** Remote socket path from the URL's path (`ssh://h/run/user/1000/docker.sock`). */
  path?: string;
}

export interface Endpoint {
  /** `default` or the named context. */
  context: string;
  /** Why this endpoint: `-H flag`, `DOCKER_HOST`, `context "x"`, `built-in default`. */
  from: string;
  /** The host URL as resolved (`unix:///var/run/docker.sock`, `tcp://h:2376`, `ssh://u@h`). */
  url: string;
  transport: "unix" | "tcp" | "ssh" | "npipe" | "fd";
  socketPath?: string;
  address?: { host: string; port: number };
  /** API base path kept after the port (`tcp://h:2375/prefix`). */
  basePath?: string;
  tls?: TlsSettings;
  ssh?: SshTarget;
  /** DOCKER_API_VERSION pins the version and disables negotiation. */
  apiVersion?: string;
}

export class EndpointError extends Error {
  override name = "EndpointError";
}

export const DEFAULT_UNIX_SOCKET = "/var/run/docker.sock";
export const DEFAULT_CONTEXT = "default";
const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/;

/** The context store directory id of a name: hex sha256 (`store.go` contextdirOf). */
export function contextDirId(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

/** `--config` ?? $DOCKER_CONFIG ?? ~/.docker. */
export function configDirOf(flags: EndpointFlags, env: Env, home: string): string {
  return flags.config || env.DOCKER_CONFIG || join(home, ".docker");
}

function hostFlag(flags: EndpointFlags): string | undefined {
  const h = flags.host;
  if (Array.isArray(h)) {
    if (h.length > 1) throw new EndpointError("specify only one -H");
    return h[0];
  }
  return h;
}

/** `resolveContextName` (cli.go L439-457). */
export function resolveContextName(flags: EndpointFlags, env: Env, currentContext: string | undefined): { name: string; from: string } {
  const host = hostFlag(flags);
  if (flags.context && host) throw new EndpointError("conflicting options: cannot specify both --host and --context");
  if (flags.context) return { name: flags.context, from: "--context" };
  if (host) return { name: DEFAULT_CONTEXT, from: "-H flag" };
  if (env.DOCKER_HOST) return { name: DEFAULT_CONTEXT, from: "DOCKER_HOST" };
  if (env.DOCKER_CONTEXT) return { name: env.DOCKER_CONTEXT, from: "DOCKER_CONTEXT" };
  if (currentContext) return { name: currentContext, from: "config.json currentContext" };
  return { name: DEFAULT_CONTEXT, from: "built-in default" };
}

export function validateContextName(name: string): void {
  if (name === DEFAULT_CONTEXT) return;
  if (!CONTEXT_NAME.test(name)) throw new EndpointError(`invalid context name ${JSON.stringify(name)}: names must match ^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$`);
}

type ParsedHost = Pick<Endpoint, "url" | "transport" | "socketPath" | "address" | "basePath" | "ssh">;

/** `opts.ParseHost` + moby `ParseHostURL`: the host string to a transport. `tlsOn` makes an empty host `tcp://localhost:2376`. */
export function parseDockerHost(raw: string | undefined, tlsOn: boolean): ParsedHost {
  let h = (raw ?? "").trim();
  if (h === "") {
    if (tlsOn) h = "tcp://localhost:2376";
    else return { url: `unix://${DEFAULT_UNIX_SOCKET}`, transport: "unix", socketPath: DEFAULT_UNIX_SOCKET };
  }
  if (!h.includes("://")) h = "tcp://" + h;
  const scheme = h.slice(0, h.indexOf("://")).toLowerCase();
  const rest = h.slice(h.indexOf("://") + 3);
  switch (scheme) {
    case "unix": {
      const p = rest === "" ? DEFAULT_UNIX_SOCKET : rest;
      return { url: `unix://${p}`, transport: "unix", socketPath: p };
    }
    case "npipe": {
      const p = rest === "" ? "//./pipe/docker_engine" : rest;
      return { url: `npipe://${p}`, transport: "npipe", socketPath: p };
    }
    case "fd":
      return { url: h, transport: "fd" };
    case "ssh":
      return { url: h, transport: "ssh", ssh: parseSshUrl(h) };
    case "tcp":
    case "http":
    case "https": {
      // tcp://[host][:port][/path]; IPv6 in brackets.
      const slash = rest.indexOf("/");
      const hostPort = slash === -1 ? rest : rest.slice(0, slash);
      let basePath = slash === -1 ? "" : rest.slice(slash);
      if (basePath === "/") basePath = "";
      let host = hostPort;
      let portStr = "";
      const m = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort);
      if (m) {
        host = m[1]!;
        portStr = m[2] ?? "";
      } else if (hostPort.includes(":")) {
        if (hostPort.indexOf(":") !== hostPort.lastIndexOf(":")) throw new EndpointError(`invalid bind address format: ${raw}`);
        host = hostPort.slice(0, hostPort.indexOf(":"));
        portStr = hostPort.slice(hostPort.indexOf(":") + 1);
      }
      if (host === "") host = "localhost";
      const port = portStr === "" ? 2375 : Number(portStr);
      if (!/^\d+$/.test(String(portStr === "" ? "2375" : portStr)) || port < 1 || port > 65535) throw new EndpointError(`invalid bind address format: ${raw} (bad port)`);
      const hostInUrl = host.includes(":") ? `[${host}]` : host;
      const ep: ParsedHost = { url: `tcp://${hostInUrl}:${port}${basePath}`, transport: "tcp", address: { host, port } };
      if (basePath) ep.basePath = basePath;
      return ep;
    }
    default:
      throw new EndpointError(`invalid bind address format: ${raw}`);
  }
}

/** ssh://[user@]host[:port][/path] (connhelper/ssh/ssh.go): no password, query or fragment. */
export function parseSshUrl(raw: string): SshTarget {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EndpointError(`invalid ssh URL ${JSON.stringify(raw)}`);
  }
  if (u.password) throw new EndpointError("plain-text password is not supported in ssh:// URLs");
  if (u.search) throw new EndpointError(`extra query after the host: ${JSON.stringify(u.search)}`);
  if (u.hash) throw new EndpointError(`extra fragment after the host: ${JSON.stringify(u.hash)}`);
  if (!u.hostname) throw new EndpointError(`no host specified in ${JSON.stringify(raw)}`);
  const t: SshTarget = { host: u.hostname.replace(/^\[|\]$/g, "") };
  // It follows `--` anyway; refuse it outright so no ssh ever sees an option-looking host.
  if (t.host.startsWith("-")) throw new EndpointError(`invalid ssh host ${JSON.stringify(t.host)}: a host cannot start with "-"`);
  if (u.username.startsWith("-")) throw new EndpointError(`invalid ssh user ${JSON.stringify(u.username)}: a user cannot start with "-"`);
  if (u.username) t.user = decodeURIComponent(u.username);
  if (u.port) t.port = Number(u.port);
  if (u.pathname && u.pathname !== "/") t.path = decodeURIComponent(u.pathname);
  return t;
}

/** The argv the docker CLI gives the system `ssh` (connhelper.go). */
export function sshArgv(t: SshTarget, extra: string[] = []): string[] {
  const args: string[] = [];
  if (t.user) args.push("-l", t.user);
  if (t.port) args.push("-p", String(t.port));
  args.push(...extra);
  if (!extra.some((a, i) => (a === "-o" && /^ConnectTimeout=/i.test(extra[i + 1] ?? "")) || /^-oConnectTimeout=/i.test(a))) args.push("-o", "ConnectTimeout=30");
  if (!extra.includes("-T")) args.push("-T");
  args.push("--", t.host, "docker");
  if (t.path) args.push(`--host=unix://${t.path}`);
  args.push("system", "dial-stdio");
  return args;
}

/** A client certificate is used only with its key (the CLI drops a lone one). */
function tlsSettings(verify: boolean, ca: string | undefined, cert: string | undefined, key: string | undefined): TlsSettings {
  const tls: TlsSettings = { verify };
  if (ca) tls.ca = ca;
  if (cert && key) {
    tls.cert = cert;
    tls.key = key;
  }
  return tls;
}

/** Names of the default cert files under a directory. */
export const CERT_FILES = { ca: "ca.pem", cert: "cert.pem", key: "key.pem" } as const;

/**
 * The "default" context: `-H` or $DOCKER_HOST, TLS from flags/env (`resolveDefaultDockerEndpoint`).
 * `presentFiles` says which of the default cert files exist (missing ones are silently dropped,
 * unless given by flag).
 */
export function defaultEndpoint(flags: EndpointFlags, env: Env, configDir: string, presentFiles: ReadonlySet<string>, from: string): Endpoint {
  const hostRaw = hostFlag(flags) ?? (env.DOCKER_HOST || undefined);
  // DOCKER_TLS_VERIFY: any non-empty value enables verification (even "0"/"false").
  const verify = !!flags.tlsverify || !!env.DOCKER_TLS_VERIFY;
  const tlsOn = verify || !!flags.tls || !!env.DOCKER_TLS;
  const parsed = parseDockerHost(hostRaw, tlsOn);
  const ep: Endpoint = { context: DEFAULT_CONTEXT, from, ...parsed };
  if (env.DOCKER_API_VERSION) ep.apiVersion = env.DOCKER_API_VERSION;
  // TLS is ignored for socket hosts (load.go isSocket); ssh has its own channel.
  if (tlsOn && parsed.transport === "tcp") {
    const certDir = env.DOCKER_CERT_PATH || configDir;
    const pick = (flag: string | undefined, file: string): string | undefined => {
      if (flag) return flag;
      const p = join(certDir, file);
      return presentFiles.has(p) ? p : undefined;
    };
    ep.tls = tlsSettings(verify, pick(flags.tlscacert, CERT_FILES.ca), pick(flags.tlscert, CERT_FILES.cert), pick(flags.tlskey, CERT_FILES.key));
  }
  return ep;
}

/** What the context store holds for one named context (read by contextstore.ts). */
export interface ContextEntry {
  name: string;
  /** Parsed meta.json, or undefined when the context does not exist. */
  meta: unknown;
  /** Absolute paths of the files present under contexts/tls/<id>/docker/. */
  tlsFiles: string[];
}

/** Go's encoding/json matches keys case-insensitively. */
function getCI(o: unknown, key: string): unknown {
  if (!o || typeof o !== "object" || Array.isArray(o)) return undefined;
  const rec = o as Record<string, unknown>;
  if (key in rec) return rec[key];
  const lk = key.toLowerCase();
  let found: unknown;
  for (const k of Object.keys(rec)) if (k.toLowerCase() === lk) found = rec[k]; // last one wins
  return found;
}

/** A named context's docker endpoint (context/docker/load.go). */
export function contextEndpoint(entry: ContextEntry, env: Env, from: string): Endpoint {
  if (entry.meta === undefined) throw new EndpointError(`context ${JSON.stringify(entry.name)} does not exist (no contexts/meta/${contextDirId(entry.name)}/meta.json)`);
  const docker = getCI(getCI(entry.meta, "Endpoints"), "docker");
  if (!docker || typeof docker !== "object") throw new EndpointError(`context ${JSON.stringify(entry.name)}: cannot find docker endpoint in context`);
  const host = getCI(docker, "Host");
  if (host !== undefined && typeof host !== "string") throw new EndpointError(`context ${JSON.stringify(entry.name)}: Endpoints.docker.Host is not a string`);
  const skip = getCI(docker, "SkipTLSVerify") === true;
  const parsed = parseDockerHost(host as string | undefined, false);
  const ep: Endpoint = { context: entry.name, from, ...parsed };
  if (env.DOCKER_API_VERSION) ep.apiVersion = env.DOCKER_API_VERSION;
  const byName = new Map(entry.tlsFiles.map((f) => [f.slice(f.lastIndexOf("/") + 1), f]));
  if ((byName.size > 0 || skip) && parsed.transport === "tcp") {
    ep.tls = tlsSettings(!skip, byName.get(CERT_FILES.ca), byName.get(CERT_FILES.cert), byName.get(CERT_FILES.key));
  }
  return ep;
}
