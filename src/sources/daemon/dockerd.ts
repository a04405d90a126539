import type { DaemonEndpoint } from "../types.js";
import type { PWord } from "./words.js";

/**
 * dockerd's own flags, as written on a command line: `-H`/`--host` listeners and the TLS flags
 * that apply to all of them. `--tlsverify` (TLS, clients must present a certificate signed by the
 * CA) → "verify"; `--tls` alone (encrypted, any client accepted) → "no-verify"; neither → "off".
 */
export interface DockerdFlags {
  hosts: PWord[];
  tls: DaemonEndpoint["tls"];
}

function boolValue(v: string | undefined): boolean {
  return v === undefined || /^(1|t|true|yes)$/i.test(v.trim());
}

/** Flags of a dockerd invocation (the words after the program). */
export function parseDockerdFlags(words: PWord[], env: { DOCKER_TLS_VERIFY?: string } = {}): DockerdFlags {
  const hosts: PWord[] = [];
  let tls = false;
  // dockerd's --tlsverify defaults to on when DOCKER_TLS_VERIFY is set (to anything non-empty).
  let verify = (env.DOCKER_TLS_VERIFY ?? "") !== "";
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const m = /^(--?[A-Za-z][\w-]*)(?:=(.*))?$/s.exec(w.w);
    if (!m) {
      // `-Htcp://…` (short flag glued to its value)
      if (w.w.startsWith("-H") && w.w.length > 2 && !w.w.startsWith("--")) hosts.push({ w: w.w.slice(2).replace(/^=/, ""), at: w.at });
      continue;
    }
    const [, flag, val] = m as unknown as [string, string, string | undefined];
    if (flag === "-H" || flag === "--host") {
      if (val !== undefined) hosts.push({ w: val, at: w.at });
      else if (words[i + 1]) hosts.push({ w: words[++i]!.w, at: w.at });
    } else if (flag === "--tlsverify") {
      verify = boolValue(val);
    } else if (flag === "--tls") {
      tls = boolValue(val);
    } else if (/^-H./.test(w.w) && !w.w.startsWith("--")) {
      hosts.push({ w: w.w.slice(2), at: w.at });
    }
  }
  // dockerd: --tlsverify implies --tls.
  return { hosts, tls: verify ? "verify" : tls ? "no-verify" : "off" };
}

/** Where the dockerd program is in a command line (`/usr/bin/dockerd`, `dockerd`, old `docker daemon`/`docker -d`). */
export function dockerdIndex(words: PWord[]): number {
  for (let i = 0; i < words.length; i++) {
    const base = words[i]!.w.replace(/^[-@+!:]+/, "").split("/").pop() ?? "";
    if (base === "dockerd") return i;
    if (base === "docker" && (words[i + 1]?.w === "daemon" || words[i + 1]?.w === "-d")) return i + 1;
  }
  return -1;
}

export function endpointsFromFlags(flags: DockerdFlags, file: string, object: string, uncertain?: string): DaemonEndpoint[] {
  return flags.hosts.map((h) => {
    const ep: DaemonEndpoint = { file, at: h.at, object, address: h.w, tls: flags.tls, role: "listener" };
    if (uncertain) ep.uncertain = uncertain;
    else if (h.w.includes("$")) ep.uncertain = "address holds a variable expanded when the daemon starts";
    return ep;
  });
}

export function isTcp(addr: string): boolean {
  return /^tcp:\/\//i.test(addr.trim()) || /^[\w.\-[\]:]*:\d+$/.test(addr.trim());
}
