/**
 * Shell text → Workloads and client endpoints: tokenize, remember simple assignments, parse every
 * `docker|podman|nerdctl run` (also inside `$(…)`, `sh -c '…'` and `eval "…"`), and turn
 * `DOCKER_HOST=tcp://…` into a client endpoint. Used by shell files, Makefiles, Dockerfile RUN
 * lines, every CI format's script blocks and Markdown code blocks, each with its own `mapPos`
 * so positions land on the line of the file that holds the flag.
 */
import type { Workload } from "../../model/workload.js";
import type { Pos } from "../../model/location.js";
import type { DaemonEndpoint } from "../types.js";
import { resolveWord, tokenizeShell, type Diagnostic, type ShellCommand, type VarLookup, type Word } from "./words.js";
import { findTool, parseDockerCommand, type DockerParseOptions } from "./parse.js";
import { endpointsFromFlags, parseDockerdFlags } from "../daemon/dockerd.js";

export interface ShellScanOptions {
  door: "shell" | "ci";
  file?: string;
  objectPrefix?: string;
  /** Maps a line/column of `text` to the file's position (default: identity). */
  mapPos?: (line: number, column: number) => Pos;
  /** Makefile recipe text. */
  make?: boolean;
  /** Variables known from outside the text (CI `variables:`, Dockerfile `ENV`). */
  outerVars?: Map<string, { value: string; where?: string }>;
  /** `DOCKER_TLS_VERIFY` is known to be set outside the text. */
  tlsVerifyEnv?: boolean;
}

export interface ShellScanResult {
  workloads: Workload[];
  endpoints: DaemonEndpoint[];
  /** Tokenizer notes (unterminated quotes), with lines already mapped. */
  diagnostics: Diagnostic[];
  /** Assignments seen (name → last value), for callers that chain texts (CI `before_script`). */
  assignments: Map<string, { value: string; where?: string }>;
}

const SHELLS = new Set(["sh", "bash", "zsh", "ash", "dash", "ksh"]);
const DECLARERS = new Set(["export", "declare", "local", "readonly", "typeset"]);
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;
const MAX_NESTED_SHELL = 4;

/** Words without which a text cannot start a container or name a daemon: most shell files have
 *  none of them and are not tokenized at all. */
const RELEVANT = /docker|podman|nerdctl|DOCKER_|CONTAINER_HOST/;

export function scanShell(text: string, opts: ShellScanOptions): ShellScanResult {
  const res: ShellScanResult = { workloads: [], endpoints: [], diagnostics: [], assignments: new Map() };
  if (!RELEVANT.test(text)) return res;
  scanInto(text, opts, opts.mapPos ?? ((l, c) => ({ line: l, column: c })), res, 0);
  return res;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

function scanInto(text: string, opts: ShellScanOptions, map: (l: number, c: number) => Pos, res: ShellScanResult, nest: number): void {
  // Assignments, in order, so a use sees the last value set before it. One streaming pass:
  // commands are handled as the tokenizer ends them, so a huge script is never held as words.
  const history = new Map<string, { line: number; value: string; where: string }[]>();
  // DOCKER_TLS_VERIFY set anywhere in the text counts for every docker command of it.
  let tlsVerify = opts.tlsVerifyEnv === true || (opts.outerVars?.get("DOCKER_TLS_VERIFY")?.value ?? "") !== "" || /\bDOCKER_TLS_VERIFY=["']?[^\s"';]/.test(text);
  const hostAssignments: Word[] = [];
  const onCommand = (cmd: ShellCommand) => {
    const ws = cmd.words;
    if (recordAssignments(ws, history, opts, map, res, hostAssignments)) {
      if (!tlsVerify && (history.get("DOCKER_TLS_VERIFY")?.some((e) => e.value !== "") ?? false)) tlsVerify = true;
      return;
    }
    if (!mayRunTool(ws)) {
      if (nest < MAX_NESTED_SHELL) nestedShell(ws, opts, map, res, nest);
      return;
    }
    const vars = lookupAt(history, opts, ws[0]!.line);
    const popts: DockerParseOptions = { door: opts.door, mapPos: map, vars, tlsVerifyEnv: tlsVerify };
    if (opts.file !== undefined) popts.file = opts.file;
    if (opts.objectPrefix !== undefined) popts.objectPrefix = opts.objectPrefix;
    const parsed = parseDockerCommand(ws, popts);
    if (parsed) {
      if (parsed.workload) res.workloads.push(parsed.workload);
      res.endpoints.push(...parsed.endpoints);
      return;
    }
    if (dockerd(ws, vars, opts, map, res, tlsVerify)) return;
    if (nest < MAX_NESTED_SHELL) nestedShell(ws, opts, map, res, nest);
  };
  const tk = tokenizeShell(text, { make: opts.make === true, onCommand });
  for (const d of tk.diagnostics) res.diagnostics.push({ line: map(d.line, 1).line, message: d.message.replace(/\(line \d+\)/, `(line ${map(d.line, 1).line})`) });

  for (const word of hostAssignments) {
    const eq = word.value.indexOf("=");
    const vw = stripName(word, eq + 1);
    const rv = resolveWord(vw, lookupAt(history, opts, word.line));
    if (!rv.value) continue;
    const at = map(word.line, word.plain ? word.column + eq + 1 : word.column);
    const ep: DaemonEndpoint = {
      file: opts.file ?? "",
      at,
      object: `${opts.objectPrefix ?? ""}${word.value.slice(0, eq)} (line ${at.line})`,
      address: rv.value,
      tls: /^(tcp|https?):\/\//i.test(rv.value) ? (tlsVerify ? "verify" : "off") : "unknown",
      role: "client",
    };
    if (rv.uncertain) ep.uncertain = rv.uncertain;
    res.endpoints.push(ep);
  }
  // Substitutions were handled after the top-level commands: report in file order.
  const byPos = (a?: Pos, b?: Pos) => (a?.line ?? 0) - (b?.line ?? 0) || (a?.column ?? 0) - (b?.column ?? 0);
  res.workloads.sort((a, b) => byPos(a.source.at, b.source.at));
  res.endpoints.sort((a, b) => byPos(a.at, b.at));
}

/** An assignment-only command (`X=1 Y=2`, `export X=1`, `local X=1`): remember the values. */
function recordAssignments(ws: Word[], history: Map<string, { line: number; value: string; where: string }[]>, opts: ShellScanOptions, map: (l: number, c: number) => Pos, res: ShellScanResult, hostAssignments: Word[]): boolean {
  let k = 0;
  if (!ws[0]!.quoted && DECLARERS.has(ws[0]!.value)) {
    k = 1;
    while (k < ws.length && ws[k]!.value.startsWith("-")) k++;
  }
  if (k === ws.length) return false;
  for (let j = k; j < ws.length; j++) {
    const w = ws[j]!;
    if (w.parts[0]?.kind !== "lit" || !ASSIGN.test(w.value)) return false;
  }
  for (let j = k; j < ws.length; j++) {
    const w = ws[j]!;
    const m = ASSIGN.exec(w.value)!;
    const name = m[1]!;
    const valueWord = stripName(w, name.length + 1);
    const rv = resolveWord(valueWord, lookupAt(history, opts, w.line));
    const line = map(w.line, w.column).line;
    const list = history.get(name) ?? [];
    list.push({ line: w.line, value: rv.value, where: `set on line ${line}` });
    history.set(name, list);
    res.assignments.set(name, { value: rv.value, where: `set on line ${line}` });
    if (name === "DOCKER_HOST" || name === "CONTAINER_HOST") hostAssignments.push(w);
  }
  return true;
}

/** Could this command run docker/podman/nerdctl/dockerd? A literal word naming one, or any
 *  expansion (`$DOCKER run`). Most commands of a script are neither: they skip the parser. */
function mayRunTool(ws: Word[]): boolean {
  for (const w of ws) {
    if (w.parts.length !== 1 || w.parts[0]!.kind !== "lit") return true;
    const v = w.value;
    if (v.includes("docker") || v.includes("podman") || v.includes("nerdctl")) return true;
  }
  return false;
}

const DOCKERD = new Set(["dockerd"]);

/** `dockerd -H tcp://0.0.0.0:2375 &` in a script (dind entrypoints, CI setup): a listener,
 *  judged with dockerd's own flag rules (shared with the daemon-config source). */
function dockerd(ws: Word[], vars: VarLookup, opts: ShellScanOptions, map: (l: number, c: number) => Pos, res: ShellScanResult, tlsVerify: boolean): boolean {
  const found = findTool(ws, vars, DOCKERD);
  if (!found) return false;
  const tool = ws[found.index]!;
  const words = ws.slice(found.index + 1).map((w) => ({ w: resolveWord(w, vars).value, at: map(w.line, w.column) }));
  const flags = parseDockerdFlags(words, tlsVerify ? { DOCKER_TLS_VERIFY: "1" } : {});
  const at = map(tool.line, tool.column);
  const eps = endpointsFromFlags(flags, opts.file ?? "", `${opts.objectPrefix ?? ""}dockerd (line ${at.line})`);
  res.endpoints.push(...eps);
  return true;
}

/** `sh -c '…'`, `bash -lc "…"`, `eval "…"`: the string is shell text again. */
function nestedShell(ws: Word[], opts: ShellScanOptions, map: (l: number, c: number) => Pos, res: ShellScanResult, nest: number): void {
  let i = 0;
  while (i < ws.length && (ws[i]!.value === "sudo" || ws[i]!.value === "exec" || ws[i]!.value === "command" || ASSIGN.test(ws[i]!.value))) i++;
  const head = ws[i];
  if (!head) return;
  const b = basename(head.value);
  let strWord: Word | undefined;
  if (SHELLS.has(b)) {
    for (let j = i + 1; j < ws.length; j++) {
      const v = ws[j]!.value;
      if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(v)) {
        strWord = ws[j + 1];
        break;
      }
      if (!v.startsWith("-")) break;
    }
  } else if (b === "eval" && ws.length === i + 2) strWord = ws[i + 1];
  if (!strWord) return;
  const w = strWord;
  // Inner line 1 starts one column after the opening quote; later lines map line for line.
  const inner = (l: number, c: number): Pos => map(w.line + l - 1, l === 1 ? w.column + (w.quoted ? 1 : 0) + c - 1 : c);
  scanInto(w.value, opts, inner, res, nest + 1);
}

function stripName(w: Word, len: number): Word {
  const parts = [...w.parts];
  const p0 = parts[0];
  if (p0 && p0.kind === "lit") {
    const rest = p0.text.slice(len);
    if (rest) parts[0] = { kind: "lit", text: rest };
    else parts.shift();
  }
  let value = "";
  for (const p of parts) value += p.kind === "lit" ? p.text : p.raw;
  return { ...w, parts, value, column: w.column + len };
}

function lookupAt(history: Map<string, { line: number; value: string; where: string }[]>, opts: ShellScanOptions, line: number): VarLookup {
  return (name) => {
    const list = history.get(name);
    if (list) {
      // Entries are in line order: binary search for the last one at or before `line`
      // (a script that sets the same variable thousands of times must not go quadratic).
      let lo = 0, hi = list.length - 1, best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.line <= line) {
          best = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      if (best >= 0) return list[best];
    }
    return opts.outerVars?.get(name);
  };
}
