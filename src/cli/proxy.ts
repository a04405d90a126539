import { startProxy } from "../proxy/index.js";
import { loadPolicy } from "../policy/load.js";
import { keepFreedHeap } from "../proxy/malloc.js";
import { EXIT, UsageError } from "./io.js";
import { untilSignal } from "./serve.js";

export interface ProxyFlags {
  listen?: string;
  upstream?: string;
  preset?: string;
  policy?: string;
  socketMode?: string;
  socketGroup?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  allowBareLf?: boolean;
  auditLog?: string;
  metrics?: string;
  busyPoll?: string;
}

export async function proxyCommand(flags: ProxyFlags): Promise<number> {
  // First, so the block is freed by a start-up collection, before the first bulk read.
  keepFreedHeap();
  // Fail closed: a missing or broken policy means the proxy does not start.
  const policy = loadPolicy({ file: flags.policy, root: process.cwd() });
  const section = (policy.proxy ?? {}) as { listen?: string; upstream?: string };
  const listen = flags.listen ?? section.listen;
  const upstream = flags.upstream ?? section.upstream ?? "unix:///var/run/docker.sock";
  if (!listen) throw new UsageError("proxy: --listen is required (unix:///run/sockwarden/docker.sock or tcp://127.0.0.1:2375), or set proxy.listen in the policy");
  const tlsParts = [flags.tlsCert, flags.tlsKey, flags.tlsCa];
  if (tlsParts.some(Boolean) && !tlsParts.every(Boolean)) throw new UsageError("proxy: mutual TLS needs all of --tls-cert, --tls-key and --tls-ca");
  let socketMode: number | undefined;
  if (flags.socketMode !== undefined) {
    if (!/^0?[0-7]{3}$/.test(flags.socketMode)) throw new UsageError(`--socket-mode ${JSON.stringify(flags.socketMode)}: use an octal mode such as 660`);
    socketMode = parseInt(flags.socketMode, 8);
  }
  let p;
  try {
    p = await startProxy({
      listen,
      upstream,
      policy,
      preset: flags.preset,
      socketMode,
      socketGroup: flags.socketGroup === undefined ? undefined : /^\d+$/.test(flags.socketGroup) ? Number(flags.socketGroup) : flags.socketGroup,
      tls: flags.tlsCert ? { cert: flags.tlsCert, key: flags.tlsKey!, ca: flags.tlsCa! } : undefined,
      allowBareLF: flags.allowBareLf === true,
      auditLog: flags.auditLog,
      metricsListen: flags.metrics,
      busyPoll: flags.busyPoll,
    });
  } catch (e) {
    // Configuration the proxy refuses (unknown preset or endpoint, non-loopback TCP without TLS,
    // a live socket in the way) is the user's to fix.
    throw new UsageError(`proxy: ${(e as Error).message}`);
  }
  process.stderr.write(`sockwarden proxy: listening on ${p.address} → ${upstream}${p.metricsAddress ? `; metrics on http://${p.metricsAddress}/metrics` : ""}\n`);
  const code = await untilSignal(() => p.close());
  return code === 0 ? EXIT.OK : code;
}
