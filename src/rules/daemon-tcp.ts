import type { WorkloadRule, EndpointRule, RuleHit } from "./types.js";
import type { Workload } from "../model/workload.js";
import { parseEndpoint, isLoopbackHost, isAnyAddress } from "./util/endpoint.js";

const MEANING =
  "A Docker daemon on TCP without TLS client verification answers anyone who can reach the port, with no authentication: " +
  "the Engine API on 2375 is root on that host for the whole network (and for every container on a shared or host network). " +
  "`--tls` without `--tlsverify` encrypts but still lets any client in.";
const DECISION =
  "Do not expose the daemon on TCP. If remote access is needed, use `ssh://` (docker -H ssh://host) or TLS with client " +
  "certificates (`--tlsverify`, port 2376). For containers that need the API, use a filtering proxy (`sockwarden proxy`) on an internal network.";

/** Images of filtering socket proxies: a DOCKER_HOST aimed at one of these is the proxy's finding, not the client's. */
const PROXY_IMAGES = /(^|\/)(docker-socket-proxy|socket-proxy|cetusguard|sockwarden|dockerproxy|docker-proxy-filter|sockguard)(:|@|$)/i;

function proxySibling(host: string | undefined, siblings: readonly Workload[]): Workload | undefined {
  if (!host) return undefined;
  return siblings.find((s) => {
    const names = [s.source.name, s.source.containerName, s.source.object.replace(/^service /, "")].filter(Boolean);
    return names.includes(host) && PROXY_IMAGES.test(s.image?.value ?? "");
  });
}

export const daemonTcpClient: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "daemon-tcp-client",
    concern: "daemon-tcp",
    defaultSeverity: "medium",
    title: "Container talks to a Docker daemon over TCP without TLS",
    anchor: "daemon-tcp-client",
    meaning: MEANING,
    decision: DECISION,
  },
  check(w, ctx) {
    const hits: RuleHit[] = [];
    const env = new Map(w.env.map((e) => [e.value.name, e]));
    const tlsVerify = env.get("DOCKER_TLS_VERIFY")?.value.value;
    for (const name of ["DOCKER_HOST", "CONTAINER_HOST"]) {
      const e = env.get(name);
      const v = e?.value.value;
      if (!e || !v) continue;
      const ep = parseEndpoint(v);
      if (ep.scheme !== "tcp") continue;
      if (tlsVerify !== undefined && tlsVerify !== "") continue; // any non-empty value turns verification on
      if (/^https:/i.test(v)) continue;
      const proxy = proxySibling(ep.host, ctx.siblings);
      if (proxy) continue;
      const viaHostNet = w.namespaces.network?.value.mode === "host" && isLoopbackHost(ep.host);
      hits.push({
        key: `${name}=${v}`,
        severity: viaHostNet ? "critical" : "medium",
        at: e.at,
        uncertain: e.uncertain,
        message:
          `${name}=${v} points the Docker client at a daemon over plain TCP without TLS verification.` +
          (viaHostNet ? " With the host network, the host's loopback daemon is reachable from this container: it controls the host." : " Whatever answers there takes commands from anyone who can reach it."),
      });
    }
    return hits;
  },
};

export const daemonTcpListener: EndpointRule = {
  kind: "endpoint",
  meta: {
    id: "daemon-tcp-listener",
    concern: "daemon-tcp",
    defaultSeverity: "critical",
    title: "Docker daemon listens on TCP without TLS verification",
    anchor: "daemon-tcp-listener",
    meaning: MEANING,
    decision: DECISION,
  },
  check(e) {
    const ep = parseEndpoint(e.address);
    if (ep.scheme !== "tcp") return [];
    if (e.tls === "verify") return [];
    const tlsWhat = e.tls === "no-verify" ? "with TLS but without client verification" : e.tls === "off" ? "without TLS" : "and this file does not show TLS verification turned on";
    if (e.role === "client") {
      return [
        {
          key: `client:${e.address}`,
          severity: e.tls === "unknown" ? "medium" : "high",
          at: e.at,
          uncertain: e.uncertain ?? (e.tls === "unknown" ? "TLS settings may come from elsewhere" : undefined),
          message: `Uses the Docker daemon at ${e.address} ${tlsWhat}: that daemon accepts commands from anyone who can reach it.`,
        },
      ];
    }
    const where = isAnyAddress(ep.host) ? "on every interface" : isLoopbackHost(ep.host) ? "on loopback" : `on ${ep.host}`;
    return [
      {
        key: `listener:${e.address}`,
        severity: isLoopbackHost(ep.host) && !isAnyAddress(ep.host) ? "high" : e.tls === "unknown" ? "high" : "critical",
        at: e.at,
        uncertain: e.uncertain ?? (e.tls === "unknown" ? "TLS settings may come from another file (daemon.json or a drop-in)" : undefined),
        message:
          `The Docker daemon listens on ${e.address} (${where}) ${tlsWhat}.` +
          (isLoopbackHost(ep.host) && !isAnyAddress(ep.host)
            ? " Loopback limits it to this host, but every local user and every host-network container gets root through it."
            : " Anyone who can reach that port is root on this host."),
      },
    ];
  },
};
