import { parseAllDocuments, LineCounter, isMap, isSeq, isScalar, isAlias, isPair, visit, type Node, type Document, type YAMLMap, type Alias } from "yaml";
import type { Pos } from "../model/location.js";

/**
 * YAML with positions, for every door that reads YAML (compose, Kubernetes, CI configs).
 *
 * Why not `doc.toJS()`: the `yaml` package's alias budget (maxAliasCount 100) rejects real
 * compose files with hundreds of `<<: *defaults`, and without it an alias bomb expands
 * exponentially. Instead we walk the AST ourselves, resolving aliases lazily with a budget on
 * the number of nodes visited (`YamlBudgetError`), and every value keeps its position.
 */
export class YamlBudgetError extends Error {}

export interface YamlDocResult {
  doc: Document.Parsed;
  /** Parse errors (with 1-based line) for this document; a document with errors is skipped by callers. */
  errors: { line: number; message: string }[];
  lineCounter: LineCounter;
}

export interface ParseOptions {
  /** YAML 1.1 (Kubernetes, via go-yaml v2): `yes`/`on` are booleans. Compose uses 1.2 + merge keys. */
  version?: "1.1" | "1.2";
}

export function parseYamlDocuments(text: string, opts: ParseOptions = {}): YamlDocResult[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    version: opts.version ?? "1.2",
    merge: true,
    uniqueKeys: false,
    prettyErrors: false,
    strict: false,
    keepSourceTokens: false,
  });
  const list = Array.isArray(docs) ? docs : [docs as unknown as Document.Parsed];
  return list.map((doc) => ({
    doc,
    lineCounter,
    errors: doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line, message: e.message.split("\n")[0]! })),
  }));
}

/** 1-based position of a node's start. */
export function posOf(node: Node | null | undefined, lc: LineCounter, file?: string): Pos | undefined {
  const start = node?.range?.[0];
  if (start === undefined) return undefined;
  const { line, col } = lc.linePos(start);
  return file ? { line, column: col, file } : { line, column: col };
}

/**
 * A plain-JS view of a YAML node that remembers positions: `YValue` mirrors the tree, with
 * `pos` on every node. Aliases and merge keys are resolved; merged entries keep the anchor's
 * position (so findings point at the line that carries the value).
 */
export type YValue = YMap | YSeq | YScalar;
export interface YMap {
  kind: "map";
  pos?: Pos;
  entries: Map<string, YValue>;
  keyPos: Map<string, Pos | undefined>;
}
export interface YSeq {
  kind: "seq";
  pos?: Pos;
  items: YValue[];
}
export interface YScalar {
  kind: "scalar";
  pos?: Pos;
  value: unknown;
}

export interface ToYOptions {
  /** Max nodes visited (aliases count each time they are expanded). */
  budget?: number;
  /** Max nesting depth. */
  maxDepth?: number;
  file?: string;
}

export function toY(doc: Document.Parsed, node: Node | null | undefined, lc: LineCounter, opts: ToYOptions = {}): YValue | undefined {
  const state: St = { left: opts.budget ?? 2_000_000, maxDepth: opts.maxDepth ?? 200, file: opts.file, doc };
  return conv(node, lc, state, 0);
}

interface St {
  left: number;
  maxDepth: number;
  file?: string;
  doc: Document.Parsed;
  /** Alias → anchored node, built once per document on the first alias. `Alias.resolve(doc)`
   *  walks the whole document on every call (O(aliases × nodes): minutes for a large file). */
  aliasTargets?: Map<Alias, unknown>;
}

/** Same rule as the `yaml` package: an alias refers to the last node anchored with its name
 *  before it, in document order. */
function aliasTargets(doc: Document.Parsed): Map<Alias, unknown> {
  const targets = new Map<Alias, unknown>();
  const current = new Map<string, unknown>();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, current.get(node.source));
      else if ((node as { anchor?: string }).anchor) current.set((node as { anchor: string }).anchor, node);
    },
  });
  return targets;
}

function conv(node: unknown, lc: LineCounter, st: St, depth: number): YValue | undefined {
  if (--st.left < 0) throw new YamlBudgetError("YAML too large to expand (alias/merge expansion budget exceeded: possible alias bomb)");
  if (depth > st.maxDepth) throw new YamlBudgetError(`YAML nested deeper than ${st.maxDepth} levels`);
  if (node === null || node === undefined) return undefined;
  if (isAlias(node)) {
    st.aliasTargets ??= aliasTargets(st.doc);
    const target = st.aliasTargets.get(node);
    return conv(target, lc, st, depth + 1);
  }
  const pos = posOf(node as Node, lc, st.file);
  if (isScalar(node)) return { kind: "scalar", pos, value: node.value };
  if (isSeq(node)) {
    const items: YValue[] = [];
    for (const it of node.items) {
      const v = conv(it, lc, st, depth + 1);
      if (v) items.push(v);
    }
    return { kind: "seq", pos, items };
  }
  if (isMap(node)) {
    const m: YMap = { kind: "map", pos, entries: new Map(), keyPos: new Map() };
    const merges: YValue[] = [];
    for (const pair of (node as YAMLMap).items) {
      if (!isPair(pair)) continue;
      const k = pair.key as unknown;
      // With `merge: true` the parser gives merge keys a Symbol value.
      const isMerge = isScalar(k) && (typeof k.value === "symbol" || (k.value === "<<" && (k as { source?: string }).source === "<<"));
      const keyStr = isMerge ? "<<" : isScalar(k) ? String(k.value) : k === null || k === undefined ? "" : String(k);
      if (isMerge) {
        const v = conv(pair.value, lc, st, depth + 1);
        if (v?.kind === "seq") merges.push(...v.items);
        else if (v) merges.push(v);
        continue;
      }
      const v = conv(pair.value, lc, st, depth + 1) ?? { kind: "scalar", pos: posOf(pair.value as Node, lc, st.file) ?? posOf(k as Node, lc, st.file), value: null };
      m.entries.set(keyStr, v);
      m.keyPos.set(keyStr, posOf(k as Node, lc, st.file));
    }
    // Merge keys: explicit keys win; earlier merge sources win over later ones (YAML merge spec).
    for (const src of merges) {
      if (src.kind !== "map") continue;
      for (const [k, v] of src.entries) {
        if (!m.entries.has(k)) {
          m.entries.set(k, v);
          m.keyPos.set(k, src.keyPos.get(k));
        }
      }
    }
    return m;
  }
  return undefined;
}

/** Helpers for reading YValues. */
export function yget(m: YValue | undefined, key: string): YValue | undefined {
  return m?.kind === "map" ? m.entries.get(key) : undefined;
}
export function ystr(v: YValue | undefined): string | undefined {
  if (v?.kind !== "scalar" || v.value === null || v.value === undefined) return undefined;
  return typeof v.value === "object" ? undefined : String(v.value);
}
export function ybool(v: YValue | undefined): boolean | undefined {
  if (v?.kind !== "scalar") return undefined;
  if (typeof v.value === "boolean") return v.value;
  if (typeof v.value === "string") {
    const s = v.value.toLowerCase();
    if (s === "true") return true;
    if (s === "false") return false;
  }
  return undefined;
}
export function ynum(v: YValue | undefined): number | undefined {
  if (v?.kind !== "scalar") return undefined;
  if (typeof v.value === "number") return v.value;
  if (typeof v.value === "string" && /^-?\d+$/.test(v.value.trim())) return Number(v.value);
  return undefined;
}
export function yitems(v: YValue | undefined): YValue[] {
  return v?.kind === "seq" ? v.items : [];
}
export function yentries(v: YValue | undefined): [string, YValue][] {
  return v?.kind === "map" ? [...v.entries] : [];
}
