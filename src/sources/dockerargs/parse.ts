/**
 * `docker run` argv → Workload. Shared by shell scripts, Makefiles, Dockerfile RUN lines, every CI
 * format and Markdown docs. Works on shell words (./words.ts), follows pflag's grammar with the
 * flag tables of ./flags.ts, and stops at the image: what follows is the container's command.
 * Only translates; never judges, never throws.
 */
import { namespaceFromMode } from "../../model/namespace.js";
import { emptyWorkload, envVar, type DeviceRequest, type ContainerRole, type NamespaceName, type NamespaceSetting, type Workload } from "../../model/workload.js";
import { located, type Located, type Pos } from "../../model/location.js";
import type { DaemonEndpoint } from "../types.js";
import { isBareExpansion, resolveWord, type ResolvedWord, type VarLookup, type Word } from "./words.js";
import {
  BOOL_FLAGS, GLOBAL_SHORT_TO_LONG, GLOBAL_SHORT_VALUE, GLOBAL_VALUE_FLAGS, NERDCTL_GLOBAL_VALUE_FLAGS,
  PODMAN_GLOBAL_VALUE_FLAGS, SHORT_BOOL, SHORT_TO_LONG, SHORT_VALUE, VALUE_FLAGS,
} from "./flags.js";
import { parseMountSpec, parseVolumeSpec } from "./mounts.js";

export interface DockerParseOptions {
  door: "shell" | "ci";
  file?: string;
  /** Put before the object name: `job build: ` → `job build: docker run (line 12)`. */
  objectPrefix?: string;
  /** Known variables (assignments earlier in the file, CI `variables:`). */
  vars?: VarLookup;
  /** Maps a word's line/column (relative to the tokenized text) to the file's position. */
  mapPos?: (line: number, column: number) => Pos;
  role?: ContainerRole;
  /** Object name to use instead of `docker run (line N)`. */
  object?: string;
  /** `DOCKER_TLS_VERIFY` is set (non-empty) where this command runs. */
  tlsVerifyEnv?: boolean;
}

export interface DockerCommand {
  /** `docker`, `podman`, `nerdctl`. */
  tool: string;
  /** `run`, `create`, `container run`, `service create`, `ps`, … (empty when none). */
  subcommand: string;
  at: Pos;
  /** For run/create/service create. */
  workload?: Workload;
  /** `docker -H tcp://…`, `DOCKER_HOST=tcp://… docker …`, `podman --url …`. */
  endpoints: DaemonEndpoint[];
}

const TOOLS = new Set(["docker", "podman", "nerdctl", "podman-remote"]);
const KEYWORDS = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "(", ")", "time", "fi", "done"]);
const SUDO_VALUE = new Set(["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group", "--chdir", "--prompt", "--role", "--type", "--other-user", "--close-from", "--host"]);
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)=/;

function basename(p: string): string {
  const s = p.replace(/\\/g, "/");
  const b = s.slice(s.lastIndexOf("/") + 1);
  return b.toLowerCase().endsWith(".exe") ? b.slice(0, -4) : b;
}

/** Is the first part of this word an unquoted literal `NAME=`? (An assignment, not a command.) */
function assignmentOf(w: Word): { name: string; valueWord: Word } | undefined {
  const p0 = w.parts[0];
  if (!p0 || p0.kind !== "lit") return undefined;
  const m = ASSIGN.exec(p0.text);
  if (!m) return undefined;
  // The value: the rest of the word (parts after `NAME=`).
  const parts = [...w.parts];
  const rest = p0.text.slice(m[0].length);
  if (rest) parts[0] = { kind: "lit", text: rest };
  else parts.shift();
  let value = "";
  for (const p of parts) value += p.kind === "lit" ? p.text : p.raw;
  return { name: m[1]!, valueWord: { ...w, parts, value, column: w.column + m[0].length, plain: w.plain } };
}

/**
 * Skip what precedes the tool (keywords, `sudo`, `exec`, `env`, assignments) and return the
 * index of the tool word, or -1 when this command does not run docker/podman/nerdctl.
 */
export function findTool(words: Word[], vars?: VarLookup, tools: ReadonlySet<string> = TOOLS): { index: number; assignments: { name: string; valueWord: Word }[] } | undefined {
  const assignments: { name: string; valueWord: Word }[] = [];
  let i = 0;
  const n = words.length;
  while (i < n) {
    const w = words[i]!;
    const v = w.value;
    if (!w.quoted && KEYWORDS.has(v)) {
      i++;
      continue;
    }
    const a = !w.quoted || w.parts[0]?.kind === "lit" ? assignmentOf(w) : undefined;
    if (a) {
      assignments.push(a);
      i++;
      continue;
    }
    const b = basename(resolveWord(w, vars).value);
    if (tools.has(b)) return { index: i, assignments };
    if (b === "sudo" || b === "doas") {
      i++;
      while (i < n && words[i]!.value.startsWith("-")) {
        const f = words[i]!.value;
        i++;
        if (f === "--") break;
        if (SUDO_VALUE.has(f)) i++;
      }
      continue;
    }
    if (b === "exec") {
      i++;
      while (i < n && words[i]!.value.startsWith("-")) {
        const f = words[i]!.value;
        i++;
        if (f === "-a") i++;
      }
      continue;
    }
    if (b === "command" || b === "builtin") {
      i++;
      // `command -v docker` only looks docker up.
      if (i < n && /^-[a-zA-Z]*[vV]/.test(words[i]!.value)) return undefined;
      while (i < n && words[i]!.value.startsWith("-")) i++;
      continue;
    }
    if (b === "env") {
      i++;
      while (i < n) {
        const f = words[i]!.value;
        if (f === "-u" || f === "-C" || f === "--unset" || f === "--chdir") i += 2;
        else if (f.startsWith("-")) i++;
        else break;
      }
      continue;
    }
    if (b === "nohup" || b === "stdbuf" || b === "nice" || b === "ionice" || b === "timeout" || b === "time") {
      i++;
      while (i < n && words[i]!.value.startsWith("-")) {
        const f = words[i]!.value;
        i++;
        if (/^-[nsk]$|^-[oie]$/.test(f)) i++;
      }
      if (b === "timeout" && i < n) i++; // the duration
      continue;
    }
    return undefined;
  }
  return undefined;
}

interface Ctx {
  opts: DockerParseOptions;
  w: Workload;
  facts: Record<string, unknown>;
}

function mapPos(opts: DockerParseOptions, line: number, column: number): Pos {
  const p = opts.mapPos ? opts.mapPos(line, column) : { line, column };
  return opts.file && !p.file ? p : p;
}

/** Position of a value that starts `offset` characters into `w` (exact only for plain words). */
function valuePos(opts: DockerParseOptions, w: Word, offset: number): Pos {
  return mapPos(opts, w.line, w.plain ? w.column + offset : w.column);
}

/** `--pid host`, `--net container:db`, `--network mynet`: the shared reading of a namespace mode. */
function namespaceOf(raw: string, ns: NamespaceName): NamespaceSetting {
  return namespaceFromMode(ns, raw.trim());
}

const NS_FLAGS: Record<string, NamespaceName> = { pid: "pid", network: "network", net: "network", ipc: "ipc", uts: "uts", userns: "userns", cgroupns: "cgroupns" };

function boolValue(inline: string | undefined): boolean {
  if (inline === undefined) return true;
  const s = inline.trim().toLowerCase();
  return !(s === "false" || s === "0" || s === "f" || s === "no");
}

/** Normalize `--security-opt` to `key=value` (`apparmor:unconfined` → `apparmor=unconfined`). */
export function normalizeSecurityOpt(raw: string): string {
  const v = raw.trim();
  if (v.includes("=")) return v;
  const k = v.indexOf(":");
  if (k > 0 && /^(label|apparmor|seccomp|systempaths|no-new-privileges|mask|unmask|proc-opts)$/i.test(v.slice(0, k))) return v.slice(0, k) + "=" + v.slice(k + 1);
  return v;
}

/** CSV fields the way the CLI reads `--gpus` (encoding/csv: `"device=0,1"` is one field). */
function csvFields(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * `--gpus all`, `--gpus 2`, `--gpus '"device=0,1"'`, `--gpus driver=nvidia,count=1,capabilities=compute`
 * → a device request as the docker CLI builds it (cli opts/gpus.go): count 1 unless a count or
 * devices are given, `all` is -1, capabilities always include gpu.
 */
export function gpuRequest(raw: string): DeviceRequest {
  const r: DeviceRequest = { raw: `--gpus ${raw}` };
  let counted = false;
  let caps: string[] = [];
  for (const field of csvFields(raw.trim())) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).trim();
    const val = eq < 0 ? "" : field.slice(eq + 1);
    if (eq < 0) {
      if (!key) continue;
      counted = true;
      r.count = key.toLowerCase() === "all" ? -1 : Number.isInteger(Number(key)) ? Number(key) : -1;
    } else if (key === "count") {
      counted = true;
      r.count = val.trim().toLowerCase() === "all" ? -1 : Number.isInteger(Number(val)) ? Number(val) : -1;
    } else if (key === "driver") r.driver = val;
    else if (key === "device") r.deviceIds = val.split(",").filter((x) => x);
    else if (key === "capabilities") caps = val.split(",").filter((x) => x);
  }
  if (!counted && !r.deviceIds) r.count = 1;
  r.capabilities = [[...caps, "gpu"]];
  return r;
}

function applyValueFlag(ctx: Ctx, name: string, val: ResolvedWord, at: Pos): void {
  const { w } = ctx;
  const v = val.value;
  const u = val.uncertain;
  switch (name) {
    case "volume":
      w.mounts.push(parseVolumeSpec(v, at, u));
      return;
    case "mount":
      w.mounts.push(parseMountSpec(v, at, u));
      return;
    case "tmpfs": {
      const target = v.split(":")[0]!;
      const m: Workload["mounts"][number] = { type: "tmpfs", target, readOnly: false, at };
      if (u) m.uncertain = u;
      w.mounts.push(m);
      return;
    }
    case "volumes-from": {
      const [ref, mode] = v.split(":");
      const m: Workload["mounts"][number] = {
        type: "unknown", source: ref, readOnly: mode === "ro", via: `volumes_from \`${ref}\``, at,
        uncertain: u ?? `the volumes of container ${ref} are not known from this file`,
      };
      w.mounts.push(m);
      (ctx.facts.volumesFrom as string[] | undefined)?.push(v) ?? (ctx.facts.volumesFrom = [v]);
      return;
    }
    case "cap-add":
    case "cap-drop":
      for (const c of v.split(",")) if (c.trim()) (name === "cap-add" ? w.capAdd : w.capDrop).push(located(c.trim(), at, u));
      return;
    case "device": {
      // `/dev/sda:/dev/xvda:rwm` keeps only the host side.
      w.devices.push(located(v.split(":")[0]!, at, u));
      return;
    }
    case "device-cgroup-rule":
      w.deviceCgroupRules.push(located(v, at, u));
      return;
    case "gpus":
      (w.deviceRequests ??= []).push(located(gpuRequest(v), at, u));
      return;
    case "runtime":
      if (v.trim()) w.runtime = located(v.trim(), at, u);
      return;
    case "cgroup-parent":
      if (v.trim()) w.cgroupParent = located(v.trim(), at, u);
      return;
    case "sysctl": {
      const k = v.indexOf("=");
      (w.sysctls ??= []).push(located({ name: (k < 0 ? v : v.slice(0, k)).trim(), value: k < 0 ? "" : v.slice(k + 1) }, at, u));
      return;
    }
    case "security-opt":
      w.securityOpt.push(located(normalizeSecurityOpt(v), at, u));
      return;
    case "user":
      w.user = located(v, at, u);
      return;
    case "group-add":
    case "group":
      w.groups.push(located(v, at, u));
      return;
    case "env": {
      const k = v.indexOf("=");
      const nm = k < 0 ? v : v.slice(0, k);
      const ev = envVar(nm, k < 0 ? undefined : v.slice(k + 1));
      // Keep the uncertainty only for values that are kept (never describe other values).
      w.env.push(located(ev, at, ev.value !== undefined ? u : k < 0 ? "value taken from the caller's environment" : undefined));
      return;
    }
    case "env-file":
      (ctx.facts.envFiles as string[] | undefined)?.push(v) ?? (ctx.facts.envFiles = [v]);
      return;
    case "label":
    case "container-label": {
      const k = v.indexOf("=");
      w.labels[k < 0 ? v : v.slice(0, k)] = k < 0 ? "" : v.slice(k + 1);
      return;
    }
    default: {
      const ns = NS_FLAGS[name];
      if (ns) w.namespaces[ns] = located(namespaceOf(v, ns), at, u);
      return;
    }
  }
}

function applyBoolFlag(ctx: Ctx, name: string, inline: string | undefined, at: Pos): void {
  const on = boolValue(inline);
  if (name === "privileged") ctx.w.privileged = located(on, at);
  else if (name === "use-api-socket" && on) {
    ctx.w.mounts.push({ type: "bind", source: "/var/run/docker.sock", hostPath: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false, via: "--use-api-socket", at });
  }
}

function tlsState(global: Map<string, string | true>, opts: DockerParseOptions): DaemonEndpoint["tls"] {
  const tv = global.get("tlsverify");
  if (tv !== undefined) return tv === true || boolValue(tv) ? "verify" : global.has("tls") ? "no-verify" : "off";
  const t = global.get("tls");
  if (t !== undefined && (t === true || boolValue(t))) return "no-verify";
  if (opts.tlsVerifyEnv) return "verify";
  return "off";
}

function endpointTls(address: string, tls: DaemonEndpoint["tls"]): DaemonEndpoint["tls"] {
  return /^tcp:\/\//i.test(address.trim()) || /^https?:\/\//i.test(address.trim()) ? tls : "unknown";
}

/**
 * Parse one simple command. Returns undefined when it does not run docker/podman/nerdctl.
 */
export function parseDockerCommand(words: Word[], opts: DockerParseOptions): DockerCommand | undefined {
  try {
    return parseUnsafe(words, opts);
  } catch {
    // Unreachable by design (the property test says so); a door must never crash on input.
    return undefined;
  }
}

function parseUnsafe(words: Word[], opts: DockerParseOptions): DockerCommand | undefined {
  const found = findTool(words, opts.vars);
  if (!found) return undefined;
  const toolWord = words[found.index]!;
  const tool = basename(resolveWord(toolWord, opts.vars).value).replace("podman-remote", "podman");
  const at = mapPos(opts, toolWord.line, toolWord.column);
  const n = words.length;
  let i = found.index + 1;

  // Global flags, up to the subcommand.
  const global = new Map<string, string | true>();
  const hosts: { value: ResolvedWord; at: Pos }[] = [];
  const globalValue = tool === "podman" ? PODMAN_GLOBAL_VALUE_FLAGS : tool === "nerdctl" ? NERDCTL_GLOBAL_VALUE_FLAGS : GLOBAL_VALUE_FLAGS;
  while (i < n) {
    const w = words[i]!;
    const rv = resolveWord(w, opts.vars);
    const v = rv.value;
    if (!v.startsWith("-") || v === "-" || v === "--") break;
    let name: string;
    let inline: string | undefined;
    let takes: boolean;
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      name = eq < 0 ? v.slice(2) : v.slice(2, eq);
      inline = eq < 0 ? undefined : v.slice(eq + 1);
      takes = globalValue.has(name);
    } else {
      const ch = v[1]!;
      name = tool === "docker" ? GLOBAL_SHORT_TO_LONG[ch] ?? ch : ch === "H" ? "host" : ch === "a" ? "address" : ch;
      takes = tool === "docker" ? GLOBAL_SHORT_VALUE.has(ch) : tool === "nerdctl" ? ch === "H" || ch === "a" || ch === "n" : ch === "c";
      if (v.length > 2) inline = v[2] === "=" ? v.slice(3) : v.slice(2);
    }
    const off = v.length - (inline?.length ?? 0);
    i++;
    let valWord = w;
    let valOff = off;
    if (takes && inline === undefined && i < n) {
      valWord = words[i]!;
      valOff = 0;
      inline = resolveWord(valWord, opts.vars).value;
      i++;
    }
    global.set(name, inline ?? true);
    if ((name === "host" || name === "url" || name === "address") && inline !== undefined) {
      const rw = takes && valWord !== w ? resolveWord(valWord, opts.vars) : { value: inline, uncertain: rv.uncertain };
      hosts.push({ value: rw, at: valuePos(opts, valWord, valOff) });
    }
  }

  // Subcommand.
  const sub: string[] = [];
  if (i < n) {
    const s1 = resolveWord(words[i]!, opts.vars).value;
    sub.push(s1);
    i++;
    if ((s1 === "container" || s1 === "service") && i < n) {
      sub.push(resolveWord(words[i]!, opts.vars).value);
      i++;
    }
  }
  const subcommand = sub.join(" ");
  const runs = subcommand === "run" || subcommand === "create" || subcommand === "container run" || subcommand === "container create" || subcommand === "service create";
  const object = `${opts.objectPrefix ?? ""}${tool} ${subcommand || "(no subcommand)"} (line ${at.line})`;

  const endpoints: DaemonEndpoint[] = [];
  const tls = tlsState(global, opts);
  for (const h of hosts) {
    const ep: DaemonEndpoint = { file: opts.file ?? "", at: h.at, object, address: h.value.value, tls: endpointTls(h.value.value, tls), role: "client" };
    if (h.value.uncertain) ep.uncertain = h.value.uncertain;
    endpoints.push(ep);
  }
  for (const a of found.assignments) {
    if (a.name !== "DOCKER_HOST" && a.name !== "CONTAINER_HOST") continue;
    const rv = resolveWord(a.valueWord, opts.vars);
    const ep: DaemonEndpoint = { file: opts.file ?? "", at: valuePos(opts, a.valueWord, 0), object, address: rv.value, tls: endpointTls(rv.value, tlsState(global, opts)), role: "client" };
    if (rv.uncertain) ep.uncertain = rv.uncertain;
    endpoints.push(ep);
  }

  const result: DockerCommand = { tool, subcommand, at, endpoints };
  if (!runs) return result;

  const w = emptyWorkload({ door: opts.door, ...(opts.file !== undefined ? { file: opts.file } : {}), at, object: opts.object ?? object }, opts.role ?? "container");
  const facts: Record<string, unknown> = { command: `${tool} ${subcommand}` };
  if (subcommand === "service create") facts.swarmService = true;
  if (hosts.length) facts.daemonHost = hosts.map((h) => h.value.value);
  w.facts = facts;
  runFlags(words, i, opts, w, true);
  result.workload = w;
  return result;
}

/**
 * Flags of `docker run` without the command in front: GitHub Actions `container.options`,
 * Jenkins `args '…'` / `.inside('…')`, Azure `options:`. Fills `into` (which already has its
 * source, object and perhaps image). With `imageExpected` false a bare word is not taken as the
 * image but skipped (these strings never hold one).
 */
export function parseRunArgs(words: Word[], opts: DockerParseOptions, into: Workload, imageExpected = false): Workload {
  try {
    into.facts ??= {};
    runFlags(words, 0, opts, into, imageExpected);
  } catch {
    /* never throw on input */
  }
  return into;
}

function runFlags(words: Word[], start: number, opts: DockerParseOptions, w: Workload, imageExpected: boolean): void {
  const n = words.length;
  let i = start;
  const facts = (w.facts ??= {});
  const ctx: Ctx = { opts, w, facts };
  const opaque: string[] = [];
  const unknown: string[] = [];
  let imageWord: Word | undefined;

  while (i < n) {
    const word = words[i]!;
    if (isBareExpansion(word)) {
      // `$OPTS`: the shell splits it into unknown arguments. Followed by more flags it must be
      // options; otherwise it is the image.
      const next = words[i + 1];
      if (next && resolveWord(next, opts.vars).value.startsWith("-")) {
        opaque.push(word.value);
        i++;
        continue;
      }
      if (!imageExpected) {
        opaque.push(word.value);
        i++;
        continue;
      }
      imageWord = word;
      break;
    }
    const rv = resolveWord(word, opts.vars);
    const v = rv.value;
    if (v === "--") {
      imageWord = words[i + 1];
      break;
    }
    if (v.startsWith("--") && v.length > 2) {
      const eq = v.indexOf("=");
      const name = (eq < 0 ? v.slice(2) : v.slice(2, eq)).toLowerCase();
      const inline = eq < 0 ? undefined : v.slice(eq + 1);
      i++;
      if (VALUE_FLAGS.has(name)) {
        if (inline !== undefined) applyValueFlag(ctx, name, { value: inline, ...(rv.uncertain ? { uncertain: rv.uncertain } : {}) }, valuePos(opts, word, eq + 1));
        else if (i < n) {
          const vw = words[i]!;
          i++;
          applyValueFlag(ctx, name, resolveWord(vw, opts.vars), valuePos(opts, vw, 0));
        }
      } else if (BOOL_FLAGS.has(name)) {
        applyBoolFlag(ctx, name, inline, valuePos(opts, word, 0));
      } else {
        unknown.push(name);
        // Unknown long flag without `=`: a value when flags go on after the next word.
        if (inline === undefined && i + 1 < n) {
          const nx = resolveWord(words[i]!, opts.vars).value;
          const nx2 = resolveWord(words[i + 1]!, opts.vars).value;
          if (!nx.startsWith("-") && nx2.startsWith("-")) i++;
        }
      }
      continue;
    }
    if (v.startsWith("-") && v.length > 1) {
      i++;
      for (let j = 1; j < v.length; j++) {
        const ch = v[j]!;
        if (SHORT_VALUE.has(ch)) {
          let rest = v.slice(j + 1);
          let off = j + 1;
          if (rest.startsWith("=")) {
            rest = rest.slice(1);
            off++;
          }
          const long = SHORT_TO_LONG[ch]!;
          if (rest.length) applyValueFlag(ctx, long, { value: rest, ...(rv.uncertain ? { uncertain: rv.uncertain } : {}) }, valuePos(opts, word, off));
          else if (i < n) {
            const vw = words[i]!;
            i++;
            applyValueFlag(ctx, long, resolveWord(vw, opts.vars), valuePos(opts, vw, 0));
          }
          break;
        }
        if (!SHORT_BOOL.has(ch)) unknown.push("-" + ch);
      }
      continue;
    }
    if (!imageExpected) {
      i++;
      continue;
    }
    imageWord = word;
    break;
  }

  if (imageWord) {
    const rv = resolveWord(imageWord, opts.vars);
    w.image = located(rv.value, mapPos(opts, imageWord.line, imageWord.column), rv.uncertain);
  }
  if (opaque.length) facts.opaqueArgs = opaque;
  if (unknown.length) facts.unknownFlags = unknown;
}


export type { Located };
