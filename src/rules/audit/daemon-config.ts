import type { HostRule, RuleHit } from "../types.js";
import { isAnyAddress, isLoopbackHost, parseEndpoint } from "../util/endpoint.js";

/**
 * The daemon's own configuration on this host (process flags, daemon.json, systemd units): a TCP
 * host without `tlsverify`. A plain-HTTP one that really answers is `docker-api-listener`'s finding
 * already; this one covers `--tls` without verification (encrypted, still no client authentication)
 * and configured hosts that were not listening when the audit looked.
 */
export const daemonConfigTcp: HostRule = {
  kind: "host",
  meta: {
    id: "daemon-config-tcp",
    concern: "daemon-tcp",
    defaultSeverity: "critical",
    title: "The running daemon is configured to listen on TCP without client verification",
    anchor: "daemon-config-tcp",
    meaning:
      "The Docker daemon on this host is started with a tcp:// host and without `--tlsverify`. `--tls` alone encrypts the traffic but lets any client in: " +
      "whoever reaches the port is root on the host.",
    decision: "Remove the tcp:// host, or turn on `tlsverify` with a CA that signs only your clients' certificates; prefer ssh:// for remote administration.",
  },
  check(h) {
    const hits: RuleHit[] = [];
    const verify = h.daemon.some((d) => d.tlsverify === true);
    const tls = h.daemon.some((d) => d.tls === true);
    const seen = new Set<string>();
    for (const d of h.daemon) {
      for (const host of d.hosts) {
        const ep = parseEndpoint(host);
        if (ep.scheme !== "tcp" || verify) continue;
        const answering = h.listeners.some((l) => l.answersDockerApi && l.port === ep.port);
        if (answering && !tls) continue; // reported by docker-api-listener, with the process
        if (seen.has(host)) continue;
        seen.add(host);
        const loop = isLoopbackHost(ep.host) && !isAnyAddress(ep.host);
        hits.push({
          key: host,
          severity: loop ? "high" : "critical",
          message: `${d.source} sets -H ${host} ${tls ? "with TLS but without client verification (--tls without --tlsverify)" : "without TLS"}${loop ? ": loopback only, but every local user and host-network container reaches it." : ": anyone who can reach the port is root on this host."}`,
        });
      }
    }
    return hits;
  },
};
