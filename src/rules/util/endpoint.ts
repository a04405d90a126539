/** Parsing of Docker endpoint addresses as the docker CLI reads them (`tcp://host:port`, bare
 *  `host:port` is tcp, `tcp://` defaults to localhost:2375). Pure. */
export interface ParsedEndpoint {
  scheme: "tcp" | "unix" | "ssh" | "fd" | "npipe" | "other";
  host?: string;
  port?: number;
  path?: string;
}

export function parseEndpoint(raw: string): ParsedEndpoint {
  const s = raw.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(s);
  const scheme = (m ? m[1]!.toLowerCase() : "tcp") as string;
  const rest = m ? m[2]! : s;
  if (scheme === "unix") return { scheme, path: rest || "/var/run/docker.sock" };
  if (scheme === "npipe") return { scheme, path: rest };
  if (scheme === "fd") return { scheme };
  if (scheme === "ssh") return { scheme, host: rest.replace(/^[^@]*@/, "").split(/[:/]/)[0] };
  if (scheme !== "tcp" && scheme !== "http" && scheme !== "https") return { scheme: "other" };
  const hostPort = rest.split("/")[0] ?? "";
  let host = hostPort;
  let port: number | undefined;
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(hostPort);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ? Number(v6[2]) : undefined;
  } else {
    const i = hostPort.lastIndexOf(":");
    if (i >= 0 && /^\d+$/.test(hostPort.slice(i + 1))) {
      host = hostPort.slice(0, i);
      port = Number(hostPort.slice(i + 1));
    }
  }
  return { scheme: "tcp", host: host || "localhost", port: port ?? (scheme === "https" ? 2376 : 2375) };
}

export function isLoopbackHost(h: string | undefined): boolean {
  if (!h) return true;
  return h === "localhost" || h === "::1" || /^127\./.test(h) || h === "ip6-localhost";
}

export function isAnyAddress(h: string | undefined): boolean {
  return h === "0.0.0.0" || h === "::" || h === "" || h === "*";
}
