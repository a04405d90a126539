/**
 * Reading a Compose project: documents of the file, its `.env`, `extends` (same file and across
 * files, with cycle detection), `include`, and `volumes_from` across the services of a file.
 *
 * `include` and double reporting: an included file is extracted here, with its services reported
 * under the included file's own path, *only when the scan would not report that file by itself*:
 * when it is in the tree (`ctx.exists`) and this door detects it on its own (by name or content),
 * its own extraction reports it, so the including file skips it. Otherwise (a name the walker
 * does not take as Compose, such as `services.yml.tmpl`, or a file `ctx.exists` does not know) it
 * is extracted here. Either way each service is reported once, at its own file and line. (A file
 * the user excluded from the scan but that is included is then not reported: the exclusion wins.)
 */
import { posix } from "node:path";
import type { ScanError } from "../../model/finding.js";
import type { Pos } from "../../model/location.js";
import type { Mount, Workload } from "../../model/workload.js";
import type { DaemonEndpoint, SourceContext } from "../types.js";
import { parseYamlDocuments, toY, yget, ystr, YamlBudgetError, type YMap, type YValue } from "../yamldoc.js";
import { parseDotenv } from "./dotenv.js";
import { interpolateTree } from "./interpolate.js";
import { mergeService } from "./merge.js";
import { buildService, type BuiltService, type ServiceContext, type VolumesFromRef } from "./service.js";
import { scalarString } from "./values.js";
import { refuseText } from "./refuse.js";
import { parseDocsCached, forgetParse } from "./parsecache.js";
import { detectCompose } from "./detect.js";

/** Node budget per document for alias/merge expansion: far above any real Compose file (300
 *  services each merging a 30-key anchor is ~2·10^4 nodes), far below what an alias bomb needs. */
const NODE_BUDGET = 200_000;
const MAX_INCLUDE_DEPTH = 10;

export interface Env {
  vars: ReadonlyMap<string, string>;
  /** Name used in uncertainty notes (`.env`, `deploy/.env`). */
  name: string;
}

export function dirOf(file: string): string {
  const d = posix.dirname(file);
  return d === "" ? "." : d;
}

export function joinRel(dir: string, rel: string): string {
  return posix.normalize(posix.join(dir, rel));
}

export class ComposeReader {
  private envCache = new Map<string, Env>();
  private fileCache = new Map<string, YMap | null>();
  private cyclesReported = new Set<string>();
  readonly errors: ScanError[] = [];
  readonly endpoints: DaemonEndpoint[] = [];

  constructor(private readonly ctx: SourceContext) {}

  /** The `.env` beside a file (empty when absent). */
  envFor(dir: string): Env {
    const key = dir;
    let e = this.envCache.get(key);
    if (!e) {
      const path = joinRel(dir, ".env");
      const text = safeRead(this.ctx, path);
      e = { vars: text === undefined ? new Map() : parseDotenv(text), name: dir === "." ? ".env" : path };
      this.envCache.set(key, e);
    }
    return e;
  }

  readEnvFile(rel: string): Map<string, string> | undefined {
    const text = safeRead(this.ctx, rel);
    return text === undefined ? undefined : parseDotenv(text);
  }

  /** Extract every document of a file. */
  extractFile(path: string, text: string, includeStack: string[] = [path], env?: Env): Workload[] {
    const out: Workload[] = [];
    const refuse = refuseText(text);
    if (refuse) {
      this.errors.push({ file: path, ...(refuse.line ? { line: refuse.line } : {}), message: refuse.message });
      return out;
    }
    let docs;
    try {
      docs = parseDocsCached(text);
    } catch (e) {
      this.errors.push({ file: path, message: `YAML could not be parsed: ${msg(e)}` });
      return out;
    } finally {
      forgetParse(text);
    }
    const hasDollar = text.includes("$");
    for (const d of docs) {
      if (d.errors.length) {
        this.errors.push(...syntaxErrors(path, d.errors));
        continue;
      }
      let root: YValue | undefined;
      try {
        root = toY(d.doc, d.doc.contents, d.lineCounter, { file: path, budget: NODE_BUDGET });
      } catch (e) {
        this.errors.push(budgetError(path, e, d.doc.contents?.range?.[0] !== undefined ? d.lineCounter.linePos(d.doc.contents.range[0]).line : undefined));
        continue;
      }
      if (!root || (root.kind === "scalar" && root.value === null)) continue; // empty document
      if (root.kind !== "map") {
        this.errors.push({ file: path, ...(root.pos ? { line: root.pos.line } : {}), message: "not a Compose document: the top level is not a mapping" });
        continue;
      }
      const e = env ?? this.envFor(dirOf(path));
      // No `$` anywhere: nothing to interpolate, skip copying the tree.
      const project = hasDollar ? (interpolateTree(root, e.vars, e.name) as YMap) : root;
      out.push(...this.extractProject(path, project, e, includeStack));
    }
    return out;
  }

  private extractProject(path: string, root: YMap, env: Env, includeStack: string[]): Workload[] {
    const services = root.entries.get("services");
    const fixPos = (p: Pos | undefined): Pos | undefined => {
      if (!p) return undefined;
      if (p.file === path) return { line: p.line, column: p.column };
      return p;
    };
    const sc: ServiceContext = {
      file: path,
      volumes: root.entries.get("volumes"),
      secrets: root.entries.get("secrets"),
      configs: root.entries.get("configs"),
      fixPos,
      readEnvFile: (rel) => this.readEnvFile(rel),
    };
    const built = new Map<string, BuiltService>();
    if (services && services.kind === "map") {
      for (const [name, raw] of services.entries) {
        const keyPos = services.keyPos.get(name);
        let svc: YMap;
        if (raw.kind === "map") svc = this.resolveExtends(name, raw, path, services, env, [`${path}#${name}`]);
        else if (raw.kind === "scalar" && raw.value === null) svc = { kind: "map", pos: raw.pos, entries: new Map(), keyPos: new Map() };
        else {
          this.errors.push({ file: path, ...(keyPos ? { line: keyPos.line } : {}), message: `service \`${name}\` is not a mapping` });
          continue;
        }
        try {
          built.set(name, buildService(name, svc, keyPos, sc));
        } catch (e) {
          this.errors.push({ file: path, ...(keyPos ? { line: keyPos.line } : {}), message: `service \`${name}\` could not be read: ${msg(e)}` });
        }
      }
    } else if (services !== undefined && !(services.kind === "scalar" && services.value === null)) {
      this.errors.push({ file: path, ...(services.pos ? { line: services.pos.line } : {}), message: "`services` is not a mapping" });
    }
    resolveVolumesFrom(built);
    for (const b of built.values()) this.endpoints.push(...b.endpoints);
    const out = [...built.values()].map((b) => b.workload);
    out.push(...this.followIncludes(path, root.entries.get("include"), includeStack));
    return out;
  }

  /** Apply `extends` (recursively), reporting missing services, unreadable files and cycles. */
  private resolveExtends(name: string, svc: YMap, file: string, services: YMap, env: Env, stack: string[]): YMap {
    const ext = svc.entries.get("extends");
    if (!ext) return svc;
    const line = ext.pos?.line;
    const errAt = (message: string) => this.errors.push({ file: ext.pos?.file ?? file, ...(line ? { line } : {}), message });
    let baseName: string | undefined;
    let baseFile = file;
    if (ext.kind === "scalar") baseName = scalarString(ext);
    else if (ext.kind === "map") {
      baseName = ystr(yget(ext, "service"));
      const f = ystr(yget(ext, "file"));
      if (f) baseFile = joinRel(dirOf(file), f);
    }
    if (!baseName) {
      errAt(`service \`${name}\`: \`extends\` names no service`);
      return svc;
    }
    const key = `${baseFile}#${baseName}`;
    if (stack.includes(key)) {
      // Report a cycle once, however many of its services we start from.
      const cycle = stack.slice(stack.indexOf(key));
      const sig = [...cycle].sort().join("\u0000");
      if (!this.cyclesReported.has(sig)) {
        this.cyclesReported.add(sig);
        errAt(`\`extends\` cycle: ${[...cycle, key].map(prettyKey).join(" → ")}`);
      }
      return svc;
    }
    let baseServices: YValue | undefined = services;
    if (baseFile !== file) {
      const other = this.loadOther(baseFile, env);
      if (!other) {
        errAt(`service \`${name}\`: \`extends\` file \`${baseFile}\` cannot be read or parsed`);
        return svc;
      }
      baseServices = other.entries.get("services");
    }
    const base = yget(baseServices, baseName);
    if (!base || base.kind !== "map" || baseServices?.kind !== "map") {
      errAt(`service \`${name}\`: \`extends\` refers to service \`${baseName}\`, which ${baseFile === file ? "this file" : `\`${baseFile}\``} does not define`);
      return svc;
    }
    const resolvedBase = this.resolveExtends(baseName, base, baseFile, baseServices, env, [...stack, key]);
    return mergeService(resolvedBase, svc);
  }

  /** Another file of the project (for `extends: {file}`), interpolated with the project's env. */
  private loadOther(path: string, env: Env): YMap | undefined {
    const cacheKey = `${path}\u0000${env.name}`;
    if (this.fileCache.has(cacheKey)) return this.fileCache.get(cacheKey) ?? undefined;
    this.fileCache.set(cacheKey, null);
    const text = safeRead(this.ctx, path);
    if (text === undefined) return undefined;
    const refuse = refuseText(text);
    if (refuse) {
      this.errors.push({ file: path, ...(refuse.line ? { line: refuse.line } : {}), message: refuse.message });
      return undefined;
    }
    let docs;
    try {
      docs = parseYamlDocuments(text);
    } catch (e) {
      this.errors.push({ file: path, message: `YAML could not be parsed: ${msg(e)}` });
      return undefined;
    }
    const d = docs[0];
    if (!d) return undefined;
    if (d.errors.length) {
      this.errors.push(...syntaxErrors(path, d.errors));
      return undefined;
    }
    try {
      const root = toY(d.doc, d.doc.contents, d.lineCounter, { file: path, budget: NODE_BUDGET });
      if (root?.kind !== "map") return undefined;
      const it = interpolateTree(root, env.vars, env.name) as YMap;
      this.fileCache.set(cacheKey, it);
      return it;
    } catch (e) {
      this.errors.push(budgetError(path, e));
      return undefined;
    }
  }

  /** Top-level `include:` (a string, or `{path, env_file, project_directory}`; `path` may be a list
   *  whose later files override the first). See the module comment for double reporting. */
  private followIncludes(file: string, inc: YValue | undefined, stack: string[]): Workload[] {
    const items = inc?.kind === "seq" ? inc.items : inc ? [inc] : [];
    const out: Workload[] = [];
    for (const it of items) {
      const pathV = it.kind === "map" ? yget(it, "path") : it;
      const paths = (pathV?.kind === "seq" ? pathV.items : pathV ? [pathV] : []).map(scalarString).filter((p): p is string => !!p);
      if (paths.length === 0) continue;
      const rels = paths.map((p) => joinRel(dirOf(file), p));
      const main = rels[0]!;
      const line = it.pos?.line;
      if (stack.includes(main) || stack.length > MAX_INCLUDE_DEPTH) {
        this.errors.push({ file, ...(line ? { line } : {}), message: `\`include\` cycle: ${[...stack, main].join(" → ")}` });
        continue;
      }
      const text = safeRead(this.ctx, main);
      if (text === undefined) {
        this.errors.push({ file, ...(line ? { line } : {}), message: `\`include\` file \`${main}\` cannot be read (missing, or outside the scanned tree)` });
        continue;
      }
      if (safeExists(this.ctx, main) && detectCompose({ path: main, text })) continue; // reported by its own extraction
      // The included project's variables: its `env_file`s if given, else the `.env` beside it.
      const envFiles = it.kind === "map" ? yget(it, "env_file") : undefined;
      const envList = (envFiles?.kind === "seq" ? envFiles.items : envFiles ? [envFiles] : []).map(scalarString).filter((p): p is string => !!p);
      let env: Env;
      if (envList.length) {
        const vars = new Map<string, string>();
        for (const e of envList) for (const [k, v] of this.readEnvFile(joinRel(dirOf(file), e)) ?? []) vars.set(k, v);
        env = { vars, name: envList.join(", ") };
      } else env = this.envFor(dirOf(main));
      if (rels.length === 1) {
        out.push(...this.extractFile(main, text, [...stack, main], env));
        continue;
      }
      // Override files: merge their services into the first file's, then extract under the first file.
      out.push(...this.extractMerged(rels, env, [...stack, main]));
    }
    return out;
  }

  private extractMerged(rels: string[], env: Env, stack: string[]): Workload[] {
    let merged: YMap | undefined;
    for (const rel of rels) {
      const root = this.loadOther(rel, env);
      if (!root) {
        this.errors.push({ file: rel, message: `\`include\` file \`${rel}\` cannot be read or parsed` });
        continue;
      }
      merged = merged ? mergeRoots(merged, root) : root;
    }
    return merged ? this.extractProject(rels[0]!, merged, env, stack) : [];
  }
}

function mergeRoots(a: YMap, b: YMap): YMap {
  const out: YMap = { kind: "map", pos: a.pos, entries: new Map(a.entries), keyPos: new Map(a.keyPos) };
  for (const [k, v] of b.entries) {
    const prev = out.entries.get(k);
    if (k === "services" && prev?.kind === "map" && v.kind === "map") {
      const s: YMap = { kind: "map", pos: prev.pos, entries: new Map(prev.entries), keyPos: new Map(prev.keyPos) };
      for (const [name, svc] of v.entries) {
        const p = s.entries.get(name);
        s.entries.set(name, p?.kind === "map" && svc.kind === "map" ? mergeService(p, svc) : svc);
        if (!p) s.keyPos.set(name, v.keyPos.get(name));
      }
      out.entries.set(k, s);
    } else if (prev?.kind === "map" && v.kind === "map") {
      out.entries.set(k, { kind: "map", pos: prev.pos, entries: new Map([...prev.entries, ...v.entries]), keyPos: new Map([...prev.keyPos, ...v.keyPos]) });
    } else {
      out.entries.set(k, v);
      out.keyPos.set(k, b.keyPos.get(k));
    }
  }
  return out;
}

/** `volumes_from: [svc, svc:ro, container:x]`: the source service's mounts, transitively, each
 *  located at this service's `volumes_from` item (the line that brings it in) and marked
 *  `via: "volumes_from <svc>"` (chained for transitive ones). A `container:` reference names a
 *  container outside the file: its mounts are unknown, which the mount says. */
function resolveVolumesFrom(built: Map<string, BuiltService>): void {
  const own = new Map<string, Mount[]>();
  for (const [name, b] of built) own.set(name, [...b.workload.mounts]);
  const fromRef = (ref: VolumesFromRef, seen: Set<string>): Mount[] => {
    const via = `volumes_from ${ref.kind === "container" ? "container:" : ""}${ref.ref}`;
    if (ref.kind === "container" || !built.has(ref.ref)) {
      const m: Mount = { type: "unknown", source: `${ref.kind === "container" ? "container:" : ""}${ref.ref}`, readOnly: ref.mode === "ro", via };
      m.uncertain = ref.kind === "container"
        ? `volumes_from \`container:${ref.ref}\`: a container outside this file; its mounts are unknown`
        : `volumes_from \`${ref.ref}\`: no such service in this file; its mounts are unknown`;
      return [m];
    }
    if (seen.has(ref.ref)) return []; // a cycle (Compose rejects it): stop
    const next = new Set([...seen, ref.ref]);
    const src = [...(own.get(ref.ref) ?? [])];
    for (const r of built.get(ref.ref)!.volumesFrom) src.push(...fromRef(r, next));
    return src.map((m) => {
      const c: Mount = { ...m, via: m.via ? `${via}, ${m.via}` : via, readOnly: ref.mode === "ro" ? true : m.readOnly };
      const u = [ref.uncertain, m.uncertain].filter(Boolean).join("; ");
      if (u) c.uncertain = u;
      return c;
    });
  };
  for (const [name, b] of built) {
    for (const ref of b.volumesFrom) {
      for (const m of fromRef(ref, new Set([name]))) {
        if (ref.at) m.at = ref.at;
        else delete m.at;
        b.workload.mounts.push(m);
      }
    }
  }
}

/** Parse errors of one document: the first few, duplicates collapsed, stack overflows named for what they are. */
function syntaxErrors(file: string, errs: { line: number; message: string }[]): ScanError[] {
  const seen = new Set<string>();
  const out: ScanError[] = [];
  for (const e of errs) {
    const message = /call stack/i.test(e.message) ? "YAML nested too deeply to read" : `YAML syntax error: ${e.message}`;
    const key = message;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file, line: e.line, message });
    if (out.length === 3) break;
  }
  if (errs.length > out.length && out.length === 3) out[2]!.message += ` (and ${errs.length - 3} more errors in this document)`;
  return out;
}

function prettyKey(k: string): string {
  const i = k.lastIndexOf("#");
  return `${k.slice(0, i)} service \`${k.slice(i + 1)}\``;
}

function safeRead(ctx: SourceContext, rel: string): string | undefined {
  if (rel === ".." || rel.startsWith("../") || rel.startsWith("/")) return undefined;
  try {
    return ctx.readFile(rel);
  } catch {
    return undefined;
  }
}

function safeExists(ctx: SourceContext, rel: string): boolean {
  try {
    return ctx.exists(rel);
  } catch {
    return false;
  }
}

function budgetError(file: string, e: unknown, line?: number): ScanError {
  const message = e instanceof YamlBudgetError ? e.message : e instanceof RangeError ? "YAML nested too deeply to read (stack exhausted)" : `YAML could not be read: ${msg(e)}`;
  return { file, ...(line ? { line } : {}), message };
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
