import type { HostRule, RuleHit } from "../types.js";
import { isAnyAddress, isLoopbackHost } from "../util/endpoint.js";

/** A real TCP listener that answers the Docker API without TLS (a daemon's -H tcp:// or a socat forwarder). */
export const dockerApiListener: HostRule = {
  kind: "host",
  meta: {
    id: "docker-api-listener",
    concern: "daemon-tcp",
    defaultSeverity: "critical",
    title: "A TCP port on this host answers the Docker API without TLS",
    anchor: "docker-api-listener",
    meaning:
      "Something listening on TCP answered `GET /_ping` with the Docker API headers over plain HTTP: anyone who can reach the port controls the daemon, " +
      "with no authentication. A loopback forwarder (`socat TCP-LISTEN:2375,… UNIX-CONNECT:/var/run/docker.sock`) is as bad as `dockerd -H tcp://`: " +
      "every local user and every host-network container reaches it.",
    decision: "Stop the listener (or bind it to a Unix socket); for remote access use ssh:// or TLS with client certificates (--tlsverify).",
  },
  check(h) {
    const hits: RuleHit[] = [];
    for (const l of h.listeners) {
      if (l.answersDockerApi !== true) continue;
      const who = l.process ? `${l.process}${l.pid ? ` (pid ${l.pid})` : ""}` : "an unknown process";
      const addr = l.address.includes(":") ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
      const loop = isLoopbackHost(l.address) && !isAnyAddress(l.address);
      hits.push({
        key: `${l.address}:${l.port}`,
        severity: loop ? "high" : "critical",
        message: `${who} listens on ${addr} and answers the Docker API without TLS${loop ? ": loopback only, but every local user and host-network container is root through it." : ": anyone who can reach this port is root on the host."}`,
      });
    }
    return hits;
  },
};
