/**
 * What every CI format shares: YAML with positions, shell text inside YAML scalars mapped back to
 * the file's lines, `docker run` options strings, and a collector for results and per-file errors.
 */
import type { ScanError } from "../../model/finding.js";
import type { Pos } from "../../model/location.js";
import type { Workload } from "../../model/workload.js";
import type { DaemonEndpoint, ExtractResult, SourceFile } from "../types.js";
import { parseYamlDocuments, toY, YamlBudgetError, type YValue, type YScalar } from "../yamldoc.js";
import { scanShell, type ShellScanResult } from "../dockerargs/scan.js";
import { tokenizeShell, type Word } from "../dockerargs/words.js";
import { parseRunArgs } from "../dockerargs/parse.js";
import { parseVolumeSpec } from "../dockerargs/mounts.js";

export type Vars = Map<string, { value: string; where?: string }>;

export class Collector {
  workloads: Workload[] = [];
  endpoints: DaemonEndpoint[] = [];
  errors: ScanError[] = [];
  private lines?: string[];
  constructor(readonly file: SourceFile) {}

  fileLines(): string[] {
    return (this.lines ??= this.file.text.split("\n"));
  }

  error(message: string, line?: number, kind: "error" | "notice" = "error"): void {
    const e: ScanError = { file: this.file.path, message, kind };
    if (line !== undefined) e.line = line;
    this.errors.push(e);
  }

  add(r: ShellScanResult): void {
    this.workloads.push(...r.workloads);
    this.endpoints.push(...r.endpoints);
    for (const d of r.diagnostics) this.error(d.message, d.line);
  }

  result(): ExtractResult {
    return { workloads: this.workloads, endpoints: this.endpoints, errors: this.errors };
  }
}

/** Every YAML document of the file as a positioned tree; parse errors become per-file errors. */
export function yamlDocs(c: Collector, version: "1.1" | "1.2" = "1.2"): YValue[] {
  const out: YValue[] = [];
  let docs;
  try {
    docs = parseYamlDocuments(c.file.text, { version });
  } catch (e) {
    c.error(`YAML could not be parsed: ${(e as Error).message}`);
    return out;
  }
  for (const d of docs) {
    if (d.errors.length) {
      for (const e of d.errors) c.error(`YAML: ${e.message}`, e.line);
      continue;
    }
    try {
      const y = toY(d.doc, d.doc.contents, d.lineCounter);
      if (y) out.push(y);
    } catch (e) {
      if (e instanceof YamlBudgetError) c.error(e.message);
      else c.error(`YAML: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * Map lines of a scalar's value back to the file. A literal block (`run: |`) keeps lines 1:1
 * after the indicator; plain and quoted scalars start at the node. Each value line is looked up
 * in the file from where the previous one was found (bounded), so indentation and the block
 * header are accounted for; folded or escaped text falls back to the nearest known line.
 */
export function scalarPosMap(c: Collector, node: YScalar, text: string): (line: number, column: number) => Pos {
  const start = node.pos ?? { line: 1, column: 1 };
  const fl = c.fileLines();
  const vlines = text.split("\n");
  const mapped: Pos[] = [];
  let search = start.line - 1; // 0-based file line to search from
  let firstCol = start.column - 1;
  for (let i = 0; i < vlines.length; i++) {
    const s = vlines[i]!.replace(/\r$/, "");
    let found: Pos | undefined;
    if (s.trim() !== "") {
      const limit = Math.min(fl.length, search + 20 + i);
      for (let k = search; k < limit; k++) {
        const idx = fl[k]!.indexOf(s, k === start.line - 1 ? firstCol : 0);
        if (idx >= 0) {
          found = { line: k + 1, column: idx + 1 };
          search = k + 1;
          break;
        }
      }
    }
    if (!found) {
      const prev = mapped[mapped.length - 1];
      found = prev ? { line: Math.min(prev.line + 1, fl.length), column: 1 } : { line: start.line, column: start.column };
      if (s.trim() !== "" || prev) search = Math.max(search, found.line);
    }
    firstCol = 0;
    mapped.push(found);
  }
  return (line, column) => {
    const m = mapped[line - 1] ?? mapped[mapped.length - 1] ?? start;
    return { line: m.line, column: m.column + column - 1 };
  };
}

export interface ShellInYamlOptions {
  objectPrefix: string;
  vars?: Vars;
  tlsVerifyEnv?: boolean;
}

/** A YAML scalar holding shell text (`run:`, `script:` items, `commands:`). */
export function shellInScalar(c: Collector, node: YValue | undefined, o: ShellInYamlOptions): ShellScanResult | undefined {
  if (node?.kind !== "scalar" || typeof node.value !== "string") return undefined;
  const text = node.value;
  if (!/docker|podman|nerdctl|DOCKER_HOST|CONTAINER_HOST/.test(text)) return undefined; // cheap skip
  const r = scanShell(text, {
    door: "ci",
    file: c.file.path,
    objectPrefix: o.objectPrefix,
    mapPos: scalarPosMap(c, node, text),
    ...(o.vars ? { outerVars: o.vars } : {}),
    ...(o.tlsVerifyEnv ? { tlsVerifyEnv: true } : {}),
  });
  c.add(r);
  return r;
}

/** Words of an options string (`--privileged -v /a:/b`), positioned in the file. */
export function optionWords(c: Collector, node: YScalar, text: string): { words: Word[]; map: (l: number, col: number) => Pos } {
  const map = scalarPosMap(c, node, text);
  const words: Word[] = [];
  for (const cmd of tokenizeShell(text).commands) words.push(...cmd.words);
  return { words, map };
}

/** Apply a `docker run` options string held in a YAML scalar to a workload. */
export function applyOptions(c: Collector, node: YValue | undefined, w: Workload, vars?: Vars): void {
  if (node?.kind !== "scalar" || node.value === null || node.value === undefined) return;
  const text = String(node.value);
  const { words, map } = optionWords(c, node, text);
  parseRunArgs(words, { door: "ci", file: c.file.path, mapPos: map, ...(vars ? { vars: (n) => vars.get(n) } : {}) }, w);
}

/** `volumes:` items written `src:dst[:mode]`. */
export function applyVolumeList(node: YValue | undefined, w: Workload, vars?: Vars): void {
  if (node?.kind !== "seq") return;
  for (const it of node.items) {
    if (it.kind !== "scalar" || it.value === null || it.value === undefined) continue;
    const raw = String(it.value);
    const v = substitute(raw, vars);
    w.mounts.push(parseVolumeSpec(v.value, it.pos, v.uncertain));
  }
}

/** `${VAR}` / `$VAR` substitution with known CI variables; unknown stay and mark uncertain. */
export function substitute(raw: string, vars?: Vars): { value: string; uncertain?: string } {
  if (!raw.includes("$")) return { value: raw };
  const why: string[] = [];
  const value = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)|\$\{\{\s*([^}]*?)\s*\}\}/g, (m, a?: string, b?: string, expr?: string) => {
    if (expr !== undefined) {
      why.push(`expression ${m} is not known here`);
      return m;
    }
    const name = (a ?? b)!;
    const k = vars?.get(name);
    if (k) {
      why.push(`assumes ${m} = ${k.value}${k.where ? ` (${k.where})` : ""}`);
      return k.value;
    }
    why.push(`variable ${m} is not known here`);
    return m;
  });
  return why.length ? { value, uncertain: why.join("; ") } : { value };
}

/** A CI `variables:`/`env:` map as known values (only plain scalars). */
export function varsOf(node: YValue | undefined, where: string, base?: Vars): Vars {
  const out: Vars = new Map(base ?? []);
  if (node?.kind !== "map") return out;
  for (const [k, v] of node.entries) {
    let val: YValue | undefined = v;
    if (v.kind === "map") val = v.entries.get("value");
    if (val?.kind === "scalar" && val.value !== null && val.value !== undefined && typeof val.value !== "object") {
      out.set(k, { value: String(val.value), where: `${where}${val.pos ? ` line ${val.pos.line}` : ""}` });
    }
  }
  return out;
}

export function isStr(v: YValue | undefined): v is YScalar & { value: string } {
  return v?.kind === "scalar" && typeof v.value === "string";
}

export function base(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Run a per-file extraction, turning any unexpected exception into a per-file error. */
export function guarded(file: SourceFile, fn: (c: Collector) => void): ExtractResult {
  const c = new Collector(file);
  try {
    fn(c);
  } catch (e) {
    c.error(`could not be read: ${(e as Error).message}`);
  }
  return c.result();
}

/**
 * `DOCKER_HOST` (or `CONTAINER_HOST`) written in a CI `env:`/`variables:`/`environment:` map: a
 * client endpoint. TLS is "verify" when `DOCKER_TLS_VERIFY` is set non-empty in the same scope
 * (`vars`, which includes the enclosing scopes), "off" for plain TCP otherwise.
 */
export function envHostEndpoints(c: Collector, envNode: YValue | undefined, vars: Vars, object: string): void {
  if (envNode?.kind !== "map") return;
  for (const name of ["DOCKER_HOST", "CONTAINER_HOST"]) {
    const v = envNode.entries.get(name);
    if (v?.kind !== "scalar" || v.value === null || v.value === undefined || typeof v.value === "object") continue;
    const s = substitute(String(v.value), vars);
    if (!s.value) continue;
    const verify = (vars.get("DOCKER_TLS_VERIFY")?.value ?? "") !== "";
    const ep: DaemonEndpoint = {
      file: c.file.path,
      object: `${object} ${name}`,
      address: s.value,
      tls: /^(tcp|https?):\/\//i.test(s.value) ? (verify ? "verify" : "off") : "unknown",
      role: "client",
    };
    if (v.pos) ep.at = v.pos;
    if (s.uncertain) ep.uncertain = s.uncertain;
    c.endpoints.push(ep);
  }
}
