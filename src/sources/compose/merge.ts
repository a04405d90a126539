/**
 * Merging service definitions, for `extends` and for `include` override files, following the
 * Compose spec's merge rules as far as exposure matters: mappings merge (the extending service
 * wins per key), `volumes` and `devices` merge by container path, `command`/`entrypoint`
 * are replaced, other sequences are concatenated, scalars are replaced.
 *
 * `environment` and `labels` may be written as a list (`K=V`) or a map (`K: V`) on either side;
 * both sides are turned into list form and concatenated, so the reader's "last one wins" gives
 * the extending service's value. Every value keeps its own position (and file).
 */
import { ystr, type YMap, type YSeq, type YValue } from "../yamldoc.js";
import type { IScalar } from "./interpolate.js";
import { volumeTarget } from "./volumes.js";
import { scalarString } from "./values.js";

export function mergeService(base: YMap, local: YMap): YMap {
  const out: YMap = { kind: "map", pos: local.pos, entries: new Map(), keyPos: new Map() };
  for (const [k, v] of base.entries) {
    if (k === "extends") continue;
    out.entries.set(k, v);
    out.keyPos.set(k, base.keyPos.get(k));
  }
  for (const [k, v] of local.entries) {
    if (k === "extends") continue;
    const b = out.entries.get(k);
    out.entries.set(k, b ? mergeKey(k, b, v) : v);
    out.keyPos.set(k, local.keyPos.get(k));
  }
  return out;
}

function mergeKey(key: string, b: YValue, l: YValue): YValue {
  switch (key) {
    case "environment":
    case "labels":
    case "annotations":
      return seq([...listForm(b), ...listForm(l)], l.pos);
    case "volumes":
    case "devices":
      return mergeByTarget(b, l, key);
    case "command":
    case "entrypoint":
      return l;
    case "tmpfs":
    case "dns":
    case "dns_search":
    case "env_file":
      return seq([...asList(b), ...asList(l)], l.pos);
  }
  if (b.kind === "seq" && l.kind === "seq") return seq([...b.items, ...l.items], l.pos);
  if (b.kind === "map" && l.kind === "map") return mergeMap(b, l);
  return l;
}

function mergeMap(b: YMap, l: YMap): YMap {
  const out: YMap = { kind: "map", pos: l.pos, entries: new Map(b.entries), keyPos: new Map(b.keyPos) };
  for (const [k, v] of l.entries) {
    const prev = out.entries.get(k);
    out.entries.set(k, prev && prev.kind === "map" && v.kind === "map" ? mergeMap(prev, v) : v);
    out.keyPos.set(k, l.keyPos.get(k));
  }
  return out;
}

function seq(items: YValue[], pos: YValue["pos"]): YSeq {
  return { kind: "seq", pos, items };
}

function asList(v: YValue): YValue[] {
  return v.kind === "seq" ? v.items : [v];
}

/** `K: V` → scalar `K=V` (at V's position, keeping its uncertainty); `K:` with no value → `K`. */
export function listForm(v: YValue): YValue[] {
  if (v.kind === "seq") return v.items;
  if (v.kind !== "map") return [];
  const out: YValue[] = [];
  for (const [k, x] of v.entries) {
    const s = scalarString(x);
    const item: IScalar = { kind: "scalar", pos: s === undefined ? v.keyPos.get(k) ?? x.pos : x.pos, value: s === undefined ? k : `${k}=${s}` };
    const u = (x as IScalar).uncertain;
    if (u) item.uncertain = u;
    out.push(item);
  }
  return out;
}

function deviceTarget(item: YValue): string | undefined {
  if (item.kind === "map") return ystr(item.entries.get("target")) ?? ystr(item.entries.get("source"));
  const s = ystr(item);
  if (s === undefined) return undefined;
  const parts = s.split(":");
  return parts[1] ?? parts[0];
}

function mergeByTarget(b: YValue, l: YValue, key: string): YValue {
  const target = key === "devices" ? deviceTarget : volumeTarget;
  const local = asList(l);
  const taken = new Set(local.map(target).filter((t): t is string => t !== undefined));
  const kept = asList(b).filter((it) => {
    const t = target(it);
    return t === undefined || !taken.has(t);
  });
  return seq([...kept, ...local], l.pos);
}
