import type { Pos } from "../../model/location.js";
import type { LEntry, LNode, LObject } from "./hcllocate.js";

/**
 * A value from the HCL parser's JSON together with its place in the located tree. Blocks of one
 * type come in the same order in both; an attribute holds one value whose object/tuple
 * constructors mirror the JSON. Attribute syntax (`security_context = { … }`, `volume = [{ … }]`)
 * and block syntax are read the same way, because Terraform's providers and the peers' fixtures
 * use both.
 */
export interface H {
  v: unknown;
  loc?: LNode;
  /** Position of the key that carries this value (attribute name, block type), or of the tuple item. */
  at?: Pos;
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function entriesOf(loc: LNode | undefined, key: string): LEntry[] {
  return loc?.kind === "object" ? loc.entries.filter((e) => e.key === key) : [];
}

/** Every object under `key`: the blocks `key { … }`, or the objects of `key = { … }` / `key = [{ … }, …]`. */
export function children(h: H, key: string): H[] {
  if (!isObj(h.v)) return [];
  const jv = h.v[key];
  if (jv === undefined || jv === null) return [];
  const ents = entriesOf(h.loc, key);
  const blocks = ents.filter((e) => e.block && e.labels.length === 0);
  const attr = ents.find((e) => !e.block);
  const list = Array.isArray(jv) ? jv : [jv];
  return list.map((v, i) => {
    if (blocks.length > 0) {
      const b = blocks[i];
      return { v, loc: b?.value, at: b?.keyPos };
    }
    if (attr) {
      if (attr.value.kind === "list") {
        const it = attr.value.items[i];
        return { v, loc: it, at: it?.pos ?? attr.keyPos };
      }
      return { v, loc: attr.value, at: attr.keyPos };
    }
    return { v, at: h.at };
  });
}

/** The first object under `key`, for blocks that occur once (`spec`, `security_context`). */
export function child(h: H, key: string): H | undefined {
  return children(h, key)[0];
}

/** An attribute's value and the position of its key. */
export function attr(h: H, key: string): H | undefined {
  if (!isObj(h.v) || !(key in h.v)) return undefined;
  const ent = entriesOf(h.loc, key).find((e) => !e.block);
  return { v: h.v[key], loc: ent?.value, at: ent?.keyPos ?? h.at };
}

/** The items of a tuple attribute (`add = ["SYS_ADMIN", …]`), each with its own position. */
export function items(h: H | undefined): H[] {
  if (!h || !Array.isArray(h.v)) return [];
  const loc = h.loc?.kind === "list" ? h.loc : undefined;
  return h.v.map((v, i) => ({ v, loc: loc?.items[i], at: loc?.items[i]?.pos ?? h.at }));
}

/** The entries of an object/map attribute (`labels = { a = "b" }`), each with its key position. */
export function mapEntries(h: H | undefined): [string, H][] {
  if (!h || !isObj(h.v)) return [];
  const loc = h.loc?.kind === "object" ? (h.loc as LObject) : undefined;
  return Object.entries(h.v).map(([k, v]) => {
    const e = loc?.entries.find((x) => x.key === k);
    return [k, { v, loc: e?.value, at: e?.keyPos ?? h.at }];
  });
}

/** Labeled blocks (`resource "type" "name" { … }`): the JSON nests one object level per label. */
export function labeled(h: H, key: string, nLabels: number): { labels: string[]; h: H }[] {
  if (!isObj(h.v)) return [];
  const out: { labels: string[]; h: H }[] = [];
  const ents = entriesOf(h.loc, key).filter((e) => e.block && e.labels.length === nLabels);
  const used = new Set<LEntry>();
  const walk = (v: unknown, labels: string[]) => {
    if (labels.length === nLabels) {
      const list = Array.isArray(v) ? v : [v];
      list.forEach((bv) => {
        const e = ents.find((x) => !used.has(x) && x.labels.every((l, i) => l === labels[i]));
        if (e) used.add(e);
        out.push({ labels, h: { v: bv, loc: e?.value, at: e?.keyPos ?? h.at } });
      });
      return;
    }
    if (!isObj(v)) return;
    for (const [k, sub] of Object.entries(v)) walk(sub, [...labels, k]);
  };
  const attrEnt = entriesOf(h.loc, key).find((e) => !e.block);
  if (ents.length === 0 && attrEnt) {
    // JSON syntax (`.tf.json`): labels are object keys, and the body an object or a list of them.
    const walkJson = (v: unknown, labels: string[], loc: LNode | undefined, at: Pos | undefined) => {
      if (labels.length === nLabels) {
        if (Array.isArray(v)) v.forEach((bv, i) => out.push({ labels, h: { v: bv, loc: loc?.kind === "list" ? loc.items[i] : undefined, at: (loc?.kind === "list" ? loc.items[i]?.pos : undefined) ?? at } }));
        else out.push({ labels, h: { v, loc, at } });
        return;
      }
      if (!isObj(v)) return;
      for (const [k, sub] of Object.entries(v)) {
        const e = loc?.kind === "object" ? loc.entries.find((x) => x.key === k) : undefined;
        walkJson(sub, [...labels, k], e?.value, e?.keyPos ?? at);
      }
    };
    walkJson(h.v[key], [], attrEnt.value, attrEnt.keyPos);
    return out;
  }
  walk(h.v[key], []);
  return out;
}
