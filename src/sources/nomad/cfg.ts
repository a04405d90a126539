import type { Pos } from "../../model/location.js";
import type { YValue } from "../yamldoc.js";
import { attr, children, isObj, items, mapEntries, type H } from "../terraform/hnode.js";
import type { TfVars } from "../terraform/resolve.js";

/**
 * One read-only view over a Nomad job, whether it was written in HCL (parser JSON + located
 * tree) or JSON (YAML AST with positions), so the docker-driver mapping is written once.
 */
export interface Cfg {
  at?: Pos;
  get(key: string): Cfg | undefined;
  /** Objects under `key`: repeated blocks, a list of objects, or one object. */
  objects(key: string): Cfg[];
  items(): Cfg[];
  entries(): [string, Cfg][];
  str(): { value: string; uncertain?: string } | undefined;
  bool(ifUnknown: boolean): { value: boolean; uncertain?: string } | undefined;
}

/** Nomad interpolates `${NOMAD_…}`, `${attr.…}`, `${meta.…}` at run time: such values are uncertain. */
function interp(s: string): { value: string; uncertain?: string } {
  return s.includes("${") ? { value: s, uncertain: `Nomad interpolation \`${/\$\{[^}]*\}?/.exec(s)?.[0] ?? "${…}"}\` resolved only at run time` } : { value: s };
}

export function hclCfg(h: H, vars: TfVars): Cfg {
  return {
    ...(h.at ? { at: h.at } : {}),
    get: (k) => {
      const a = attr(h, k);
      return a ? hclCfg(a, vars) : undefined;
    },
    objects: (k) => children(h, k).map((c) => hclCfg(c, vars)),
    items: () => items(h).map((c) => hclCfg(c, vars)),
    entries: () => mapEntries(h).map(([k, c]) => [k, hclCfg(c, vars)] as [string, Cfg]),
    str: () => {
      const r = vars.str(h.v);
      if (!r) return undefined;
      // `var.x` defaults are resolved by TfVars; what stays `${…}` is Nomad's runtime interpolation.
      return r.uncertain && r.value.includes("${") ? interp(r.value) : r;
    },
    bool: (d) => vars.bool(h.v, d),
  };
}

export function yCfg(y: YValue | undefined, at?: Pos): Cfg {
  const pos = at ?? y?.pos;
  return {
    ...(pos ? { at: pos } : {}),
    get: (k) => {
      if (y?.kind !== "map") return undefined;
      const v = y.entries.get(k) ?? findCi(y, k);
      return v ? yCfg(v, y.keyPos.get(realKey(y, k) ?? k) ?? v.pos) : undefined;
    },
    objects: (k) => {
      if (y?.kind !== "map") return [];
      const v = y.entries.get(k) ?? findCi(y, k);
      if (!v) return [];
      if (v.kind === "seq") return v.items.filter((i) => i.kind === "map").map((i) => yCfg(i));
      return v.kind === "map" ? [yCfg(v, y.keyPos.get(realKey(y, k) ?? k) ?? v.pos)] : [];
    },
    items: () => (y?.kind === "seq" ? y.items.map((i) => yCfg(i)) : []),
    entries: () => (y?.kind === "map" ? [...y.entries].map(([k, v]) => [k, yCfg(v, y.keyPos.get(k) ?? v.pos)] as [string, Cfg]) : []),
    str: () => {
      if (y?.kind !== "scalar" || y.value === null || y.value === undefined || typeof y.value === "object") return undefined;
      return interp(String(y.value));
    },
    bool: (d) => {
      if (y?.kind !== "scalar") return undefined;
      if (typeof y.value === "boolean") return { value: y.value };
      if (typeof y.value === "string") {
        const s = y.value.trim().toLowerCase();
        if (s === "true" || s === "false") return { value: s === "true" };
        if (s.includes("${")) return { value: d, uncertain: interp(y.value).uncertain ?? "interpolated" };
      }
      return undefined;
    },
  };
}

/** Nomad's JSON API spells keys `TaskGroups`; job files converted by hand use `taskgroups`. */
function findCi(y: YValue & { kind: "map" }, k: string): YValue | undefined {
  const kk = realKey(y, k);
  return kk === undefined ? undefined : y.entries.get(kk);
}
function realKey(y: YValue & { kind: "map" }, k: string): string | undefined {
  if (y.entries.has(k)) return k;
  const low = k.toLowerCase();
  for (const kk of y.entries.keys()) if (kk.toLowerCase() === low) return kk;
  return undefined;
}

export { isObj };
