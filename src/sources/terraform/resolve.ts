import { isObj, labeled, attr, type H } from "./hnode.js";

/**
 * Terraform values are often expressions. The HCL parser renders every non-literal as a
 * `${…}` template string. We resolve one simple, common case — `var.x` whose `variable "x"`
 * block (in this file or a sibling `variables.tf`) has a literal `default` — and mark it uncertain
 * (a tfvars file or `-var` can override it). Anything else stays as written and uncertain.
 */
export interface RValue<T> {
  value: T;
  uncertain?: string;
}

export class TfVars {
  constructor(private readonly defaults: Map<string, unknown> = new Map()) {}

  static fromBodies(...bodies: H[]): TfVars {
    const d = new Map<string, unknown>();
    for (const b of bodies) {
      for (const { labels, h } of labeled(b, "variable", 1)) {
        const def = attr(h, "default");
        if (def && (typeof def.v === "string" || typeof def.v === "number" || typeof def.v === "boolean") && !d.has(labels[0]!)) d.set(labels[0]!, def.v);
      }
    }
    return new TfVars(d);
  }

  str(v: unknown): RValue<string> | undefined {
    if (typeof v === "number" || typeof v === "boolean") return { value: String(v) };
    if (typeof v !== "string") return undefined;
    if (!v.includes("${")) return { value: v };
    const used: string[] = [];
    const out = v.replace(/\$\{\s*var\.([A-Za-z_][\w-]*)\s*\}/g, (m, name: string) => {
      const d = this.defaults.get(name);
      if (d === undefined) return m;
      used.push(name);
      return String(d);
    });
    if (out.includes("${")) {
      const expr = /\$\{[^}]*\}?/.exec(out)?.[0] ?? "${…}";
      return { value: out, uncertain: `unresolved Terraform expression \`${expr.length > 60 ? expr.slice(0, 57) + "…" : expr}\`` };
    }
    return { value: out, uncertain: `from the default of ${used.map((u) => `var.${u}`).join(", ")} (a tfvars file or -var may override it)` };
  }

  /** A boolean. An unresolved expression gives `ifUnknown` (what a reviewer must assume), uncertain. */
  bool(v: unknown, ifUnknown: boolean): RValue<boolean> | undefined {
    if (typeof v === "boolean") return { value: v };
    const s = this.str(v);
    if (!s) return undefined;
    const low = s.value.trim().toLowerCase();
    if (low === "true" || low === "false") return s.uncertain ? { value: low === "true", uncertain: s.uncertain } : { value: low === "true" };
    if (s.value.includes("${")) return { value: ifUnknown, uncertain: s.uncertain ?? "unresolved Terraform expression" };
    return undefined;
  }

  num(v: unknown): RValue<number> | undefined {
    if (typeof v === "number") return { value: v };
    const s = this.str(v);
    if (s && /^-?\d+$/.test(s.value.trim())) return { value: Number(s.value), ...(s.uncertain ? { uncertain: s.uncertain } : {}) };
    return undefined;
  }
}

export { isObj };
