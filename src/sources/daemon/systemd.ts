import type { ScanError } from "../../model/finding.js";
import type { DaemonEndpoint } from "../types.js";
import { dockerdIndex, endpointsFromFlags, parseDockerdFlags } from "./dockerd.js";
import { lineStarts, posAt, splitWords, type PWord } from "./words.js";

/**
 * systemd units and drop-ins: `ExecStart=… dockerd -H tcp://…` in a service, and `ListenStream=`
 * in docker's socket unit. In a drop-in an empty `ExecStart=` clears the ones before it; we
 * report what is left. A `.socket` unit only counts when it is Docker's (its name or its
 * `Service=` says docker): other sockets are not daemons.
 */
export function isSystemdUnitPath(path: string): boolean {
  return /\.(service|socket)$/i.test(path) || /\.(service|socket)\.d\/[^/]+\.conf$/i.test(path);
}

export function systemdEndpoints(path: string, text: string, errors: ScanError[]): DaemonEndpoint[] {
  const starts = lineStarts(text);
  const unit = path.split("/").filter((p) => /\.(service|socket)(\.d)?$/i.test(p)).pop() ?? path.split("/").pop()!;
  const isSocketUnit = /\.socket(\.d)?$/i.test(unit);
  let section = "";
  let exec: { words: PWord[]; line: number }[] = [];
  // systemd applies Environment= wherever it is written in the section, so flags are read at the end.
  const env: { DOCKER_TLS_VERIFY?: string } = {};
  const listen: DaemonEndpoint[] = [];
  let dockerSocket = /docker/i.test(unit);
  let i = 0;
  while (i < text.length) {
    let e = text.indexOf("\n", i);
    if (e < 0) e = text.length;
    const raw = text.slice(i, e);
    const line = raw.trim();
    if (line.startsWith("[") && line.endsWith("]")) {
      section = line.slice(1, -1).trim().toLowerCase();
      i = e + 1;
      continue;
    }
    if (line === "" || line.startsWith("#") || line.startsWith(";")) {
      i = e + 1;
      continue;
    }
    const eq = raw.indexOf("=");
    const key = eq > 0 ? raw.slice(0, eq).trim() : "";
    const valStart = eq + 1;
    if (section === "service" && key === "ExecStart") {
      const { words, end } = splitWords(text, i + valStart, starts);
      if (words.length === 0) exec = []; // `ExecStart=` resets (drop-ins)
      else {
        const d = dockerdIndex(words);
        if (d >= 0) exec.push({ words: words.slice(d + 1), line: posAt(starts, i + valStart).line });
      }
      i = Math.max(end, e) + 1;
      continue;
    }
    if (section === "service" && key === "Environment") {
      const { words, end } = splitWords(text, i + valStart, starts);
      for (const w of words) {
        const m = /^DOCKER_TLS_VERIFY=(.*)$/s.exec(w.w);
        if (m) env.DOCKER_TLS_VERIFY = m[1]!;
      }
      i = Math.max(end, e) + 1;
      continue;
    }
    if (section === "socket" && key === "Service" && /docker/i.test(raw.slice(valStart))) dockerSocket = true;
    if (section === "socket" && key === "ListenStream") {
      const v = raw.slice(valStart).trim();
      const at = posAt(starts, i + raw.indexOf(v, valStart));
      if (v === "") listen.length = 0;
      else if (/^\d+$/.test(v)) listen.push({ file: path, at, object: `${unit} ListenStream`, address: `tcp://0.0.0.0:${v}`, tls: "unknown", role: "listener", uncertain: "socket activation: TLS is set by dockerd's own flags (--tlsverify), not in the socket unit" });
      else if (/^(\[[^\]]*\]|[\w.\-]+):\d+$/.test(v)) listen.push({ file: path, at, object: `${unit} ListenStream`, address: `tcp://${v}`, tls: "unknown", role: "listener", uncertain: "socket activation: TLS is set by dockerd's own flags (--tlsverify), not in the socket unit" });
      else if (v.startsWith("/")) listen.push({ file: path, at, object: `${unit} ListenStream`, address: `unix://${v}`, tls: "unknown", role: "listener" });
    }
    i = e + 1;
  }
  const execEndpoints: DaemonEndpoint[] = [];
  for (const x of exec) {
    const flags = parseDockerdFlags(x.words, env);
    execEndpoints.push(...endpointsFromFlags(flags, path, `${unit} ExecStart dockerd`));
    if (flags.hosts.length === 0 && x.words.some((w) => /^\$\{?[A-Z_]*OPTS/i.test(w.w))) {
      errors.push({ file: path, line: x.line, kind: "notice", message: "dockerd options come from an environment variable (e.g. $DOCKER_OPTS); its file (/etc/default/docker, /etc/sysconfig/docker) is read on its own" });
    }
  }
  return [...execEndpoints, ...(isSocketUnit && dockerSocket ? listen : [])];
}
