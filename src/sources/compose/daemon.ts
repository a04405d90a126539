/**
 * A service that *is* a Docker daemon (a `docker:*dind*` image, or a command starting with
 * `dockerd`) listens somewhere: those listeners are `DaemonEndpoint`s for the daemon-tcp rules.
 *
 * What the official dind image does (dockerd-entrypoint.sh): when the command is empty or starts
 * with a flag, it adds `--host=unix:///var/run/docker.sock` and a TCP host: with
 * `DOCKER_TLS_CERTDIR` set (the image sets `/certs`) it generates certificates and listens on
 * `tcp://0.0.0.0:2376` with `--tlsverify`; with `DOCKER_TLS_CERTDIR=""` it listens on
 * `tcp://0.0.0.0:2375` without TLS. Hosts given in the command (`-H`/`--host`) listen too.
 */
import type { DaemonEndpoint } from "../types.js";
import type { Pos } from "../../model/location.js";
import type { Workload } from "../../model/workload.js";
import type { YValue } from "../yamldoc.js";
import { uncertainOf } from "./interpolate.js";
import { scalarString } from "./values.js";

interface Word {
  text: string;
  at?: Pos;
  uncertain?: string;
}

/** `command:` as words: a list keeps each item's position; a string is split on blanks (quotes
 *  respected) and every word gets the string's position. */
export function commandWords(v: YValue | undefined, fix: (p?: Pos) => Pos | undefined): Word[] {
  if (!v) return [];
  if (v.kind === "seq") {
    const out: Word[] = [];
    for (const it of v.items) {
      const s = scalarString(it);
      if (s === undefined) continue;
      const w: Word = { text: s };
      const at = fix(it.pos);
      if (at) w.at = at;
      const u = uncertainOf(it);
      if (u) w.uncertain = u;
      out.push(w);
    }
    return out;
  }
  const s = scalarString(v);
  if (s === undefined) return [];
  const at = fix(v.pos);
  const u = uncertainOf(v);
  return (s.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((t) => {
    const w: Word = { text: t.replace(/^(["'])(.*)\1$/, "$2") };
    if (at) w.at = at;
    if (u) w.uncertain = u;
    return w;
  });
}

export function daemonEndpoints(w: Workload, command: Word[]): DaemonEndpoint[] {
  const startsDockerd = command[0]?.text === "dockerd" || command[0]?.text.endsWith("/dockerd") === true;
  if (w.role !== "dind" && !startsDockerd) return [];
  const file = w.source.file ?? "";
  const object = w.source.object;
  const args = startsDockerd ? command.slice(1) : command;
  const out: DaemonEndpoint[] = [];
  const flagValue = (name: string) => {
    const a = args.find((x) => x.text === name || x.text.startsWith(name + "="));
    if (!a) return undefined;
    return a.text.includes("=") ? a.text.slice(a.text.indexOf("=") + 1) : "true";
  };

  // The entrypoint's own TCP host, when it adds its defaults.
  const entrypointDefaults = w.role === "dind" && (command.length === 0 || command[0]!.text.startsWith("-"));
  let entrypointTls = false;
  if (entrypointDefaults) {
    const certdir = w.env.find((e) => e.value.name === "DOCKER_TLS_CERTDIR");
    entrypointTls = certdir === undefined || certdir.value.value === undefined || certdir.value.value !== "";
    const ep: DaemonEndpoint = {
      file,
      object,
      address: entrypointTls ? "tcp://0.0.0.0:2376" : "tcp://0.0.0.0:2375",
      tls: entrypointTls ? "verify" : "off",
      role: "listener",
    };
    const at = (!entrypointTls && certdir?.at) || w.image?.at || w.source.at;
    if (at) ep.at = at;
    const u = certdir?.uncertain;
    if (u) ep.uncertain = u;
    else if (certdir?.value.value === undefined && certdir) ep.uncertain = "DOCKER_TLS_CERTDIR is passed through from the environment of whoever deploys";
    out.push(ep);
  }

  // Hosts given on the command line.
  const tlsverify = flagValue("--tlsverify");
  const tls = flagValue("--tls");
  const cmdTls: DaemonEndpoint["tls"] =
    tlsverify !== undefined && tlsverify !== "false" ? "verify" : entrypointTls ? "verify" : tls !== undefined && tls !== "false" ? "no-verify" : "off";
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    let addr: string | undefined;
    let at = a;
    const m = /^(?:-H|--host)=(.*)$/.exec(a.text);
    if (m) addr = m[1];
    else if ((a.text === "-H" || a.text === "--host") && args[i + 1]) {
      at = args[i + 1]!;
      addr = at.text;
      i++;
    } else if (/^-H(tcp|unix|fd):/.test(a.text)) addr = a.text.slice(2);
    if (!addr || !/^tcp:\/\//i.test(addr)) continue;
    const ep: DaemonEndpoint = { file, object, address: addr, tls: cmdTls, role: "listener" };
    if (at.at) ep.at = at.at;
    if (at.uncertain) ep.uncertain = at.uncertain;
    out.push(ep);
  }
  return out;
}
