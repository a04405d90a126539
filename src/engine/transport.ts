/**
 * How bytes reach the daemon: a Unix socket, TCP, TCP+TLS with client certificates, or the
 * system `ssh` running `docker system dial-stdio` on the remote host (as the docker CLI does:
 * it honours ~/.ssh/config, the agent, known_hosts and ProxyJump).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent as HttpAgent, type AgentOptions } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Duplex } from "node:stream";
import { sshArgv, type Endpoint } from "./endpoint.js";
import { EngineError } from "./errors.js";

export interface TransportOptions {
  /** The ssh program (default `ssh` from PATH). */
  sshCommand?: string;
  /** Extra ssh flags placed before `--` (e.g. ["-o", "BatchMode=yes"]). */
  sshFlags?: string[];
  /** Concurrent connections to keep (default 16). */
  maxSockets?: number;
}

export interface Transport {
  agent: HttpAgent;
  /** `http` or `https` request options that pick the connection. */
  requestBase: { socketPath?: string; host?: string; port?: number; protocol: "http:" | "https:"; agent: HttpAgent };
  /** Shown in messages: `unix:///var/run/docker.sock`, `tcp://h:2376 (TLS)`. */
  describe: string;
  close(): void;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new EngineError("tls", `cannot read TLS ${what} ${path}: ${(e as Error).message}`, { code: (e as NodeJS.ErrnoException).code });
  }
}

/** A Duplex over one `ssh … docker system dial-stdio` process. */
function sshStream(ep: Endpoint, opts: TransportOptions): Duplex {
  const argv = sshArgv(ep.ssh!, opts.sshFlags ?? []);
  const child = spawn(opts.sshCommand ?? "ssh", argv, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => {
    if (stderr.length < 4096) stderr += b.toString("utf8");
  });
  const duplex = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  child.on("error", (e) => duplex.destroy(new EngineError("ssh", `cannot run ssh for ${ep.url}: ${e.message}`, { code: (e as NodeJS.ErrnoException).code, endpoint: ep.url })));
  // 'close', not 'exit': 'exit' can come before ssh's last stderr bytes are read, and then the
  // message lost ssh's own reason (seen in a full test run: "ssh exited with 255" alone).
  child.on("close", (code) => {
    if (code && code !== 0) {
      const msg = stderr.trim().split("\n").slice(-3).join(" | ") || `ssh exited with ${code}`;
      duplex.destroy(new EngineError("ssh", `ssh to ${ep.ssh!.host} failed: ${msg}`, { endpoint: ep.url }));
    }
  });
  // node:http treats the connection as a net.Socket; these are no-ops for a pipe pair.
  const sock = duplex as Duplex & Record<string, unknown>;
  for (const m of ["setKeepAlive", "setNoDelay", "ref", "unref"]) sock[m] = () => duplex;
  sock.setTimeout = (_ms: number, cb?: () => void) => {
    if (cb) duplex.once("timeout", cb);
    return duplex;
  };
  const origDestroy = duplex._destroy.bind(duplex);
  duplex._destroy = (err, cb) => {
    if (child.exitCode === null) child.kill("SIGTERM");
    origDestroy(err, cb);
  };
  return duplex;
}

export function createTransport(ep: Endpoint, opts: TransportOptions = {}): Transport {
  const agentOpts: AgentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 16 };
  switch (ep.transport) {
    case "unix": {
      const agent = new HttpAgent(agentOpts);
      return { agent, requestBase: { socketPath: ep.socketPath!, protocol: "http:", agent }, describe: ep.url, close: () => agent.destroy() };
    }
    case "tcp": {
      const { host, port } = ep.address!;
      if (ep.tls) {
        const t = ep.tls;
        const agent = new HttpsAgent({
          ...agentOpts,
          rejectUnauthorized: t.verify,
          ...(t.ca ? { ca: readPem(t.ca, "CA certificate") } : {}),
          ...(t.cert ? { cert: readPem(t.cert, "client certificate") } : {}),
          ...(t.key ? { key: readPem(t.key, "client key") } : {}),
          // Without verification the CLI skips the name check too.
          ...(t.verify ? {} : { checkServerIdentity: () => undefined }),
        });
        return { agent, requestBase: { host, port, protocol: "https:", agent }, describe: `${ep.url} (TLS${t.verify ? "" : ", no verify"})`, close: () => agent.destroy() };
      }
      const agent = new HttpAgent(agentOpts);
      return { agent, requestBase: { host, port, protocol: "http:", agent }, describe: ep.url, close: () => agent.destroy() };
    }
    case "ssh": {
      // One dial-stdio process per connection; keep-alive reuses them.
      const agent = new HttpAgent(agentOpts);
      (agent as unknown as { createConnection: (o: unknown, cb: (e: Error | null, s?: Duplex) => void) => Duplex }).createConnection = () => sshStream(ep, opts);
      return { agent, requestBase: { host: "docker.example.com", port: 80, protocol: "http:", agent }, describe: ep.url, close: () => agent.destroy() };
    }
    case "npipe":
      throw new EngineError("protocol", `named pipes (${ep.url}) exist only on Windows`, { endpoint: ep.url });
    case "fd":
      throw new EngineError("protocol", `fd:// (${ep.url}) is a daemon listener, not a client endpoint`, { endpoint: ep.url });
  }
}
