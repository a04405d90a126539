/**
 * Compose variable interpolation, deterministic: values come only from the `.env` beside the
 * compose file (never from the scanning machine's environment, which would make a CI gate's
 * answer depend on where it runs).
 *
 * Supported forms (Compose spec "Interpolation"): `$$` (a literal `$`), `$VAR`, `${VAR}`,
 * `${VAR:-default}` / `${VAR-default}`, `${VAR:?err}` / `${VAR?err}`, `${VAR:+alt}` / `${VAR+alt}`,
 * nested in defaults (`${A:-${B:-x}}`).
 *
 * A variable that `.env` does not define is treated as unset, so defaults and alternatives resolve
 * as Compose would resolve them with that variable unset. Only when the result would be the bare
 * variable itself (`${VAR}`, `$VAR`, `${VAR:?err}`) do we keep the text as written and say why the
 * value is uncertain: whoever deploys may set it to anything.
 */
import type { YValue, YMap, YSeq } from "../yamldoc.js";

export interface Interpolated {
  value: string;
  /** Why the value is not known for sure (one note per unresolved variable). */
  notes: string[];
}

export function interpolateString(input: string, env: ReadonlyMap<string, string>, envName = ".env"): Interpolated {
  if (!input.includes("$")) return { value: input, notes: [] };
  const notes: string[] = [];
  const value = interp(input, env, envName, notes, 0);
  return { value, notes };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

function interp(s: string, env: ReadonlyMap<string, string>, envName: string, notes: string[], depth: number): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const close = matchingBrace(s, i + 2);
      if (close < 0 || depth > 20) {
        // Compose rejects this ("invalid interpolation format"); keep it as written.
        notes.push(`\`${s.slice(i)}\` is not a valid interpolation; kept as written`);
        out += s.slice(i);
        break;
      }
      const body = s.slice(i + 2, close);
      const whole = s.slice(i, close + 1);
      out += braced(body, whole, env, envName, notes, depth);
      i = close + 1;
      continue;
    }
    const m = NAME.exec(s.slice(i + 1));
    if (m) {
      const name = m[0];
      const v = env.get(name);
      if (v !== undefined) out += v;
      else {
        out += "$" + name;
        notes.push(`\`$${name}\` is not set in ${envName}; assumed it stays as written (whoever deploys may set it to anything)`);
      }
      i += 1 + name.length;
      continue;
    }
    out += "$";
    i++;
  }
  return out;
}

function matchingBrace(s: string, from: number): number {
  let level = 1;
  for (let k = from; k < s.length; k++) {
    if (s[k] === "$" && s[k + 1] === "{") {
      level++;
      k++;
    } else if (s[k] === "}") {
      level--;
      if (level === 0) return k;
    }
  }
  return -1;
}

function braced(body: string, whole: string, env: ReadonlyMap<string, string>, envName: string, notes: string[], depth: number): string {
  const m = NAME.exec(body);
  if (!m) {
    notes.push(`\`${whole}\` is not a valid interpolation; kept as written`);
    return whole;
  }
  const name = m[0];
  const rest = body.slice(name.length);
  const val = env.get(name);
  const set = val !== undefined;
  const nonEmpty = set && val !== "";
  const op = /^(:-|-|:\?|\?|:\+|\+)?/.exec(rest)![0];
  const arg = rest.slice(op.length);
  if (op === "" && rest !== "") {
    notes.push(`\`${whole}\` is not a valid interpolation; kept as written`);
    return whole;
  }
  const sub = () => interp(arg, env, envName, notes, depth + 1);
  switch (op) {
    case "":
      if (set) return val;
      notes.push(`\`\${${name}}\` is not set in ${envName}; assumed it stays as written (whoever deploys may set it to anything)`);
      return whole;
    case ":-":
      return nonEmpty ? val! : sub();
    case "-":
      return set ? val! : sub();
    case ":?":
    case "?":
      if (op === ":?" ? nonEmpty : set) return val!;
      notes.push(`\`\${${name}}\` is required but not set in ${envName}; assumed it stays as written (whoever deploys must set it)`);
      return whole;
    case ":+":
      return nonEmpty ? sub() : "";
    case "+":
      return set ? sub() : "";
  }
  return whole;
}

/** A scalar after interpolation may carry why it is uncertain. */
export type IScalar = Extract<YValue, { kind: "scalar" }> & { uncertain?: string };

export function uncertainOf(v: YValue | undefined): string | undefined {
  return v?.kind === "scalar" ? (v as IScalar).uncertain : undefined;
}

/** Copy of a YValue tree with every string scalar interpolated (keys are not interpolated, as in Compose). */
export function interpolateTree(v: YValue, env: ReadonlyMap<string, string>, envName = ".env"): YValue {
  if (v.kind === "scalar") {
    if (typeof v.value !== "string" || !v.value.includes("$")) return v;
    const r = interpolateString(v.value, env, envName);
    const s: IScalar = { kind: "scalar", pos: v.pos, value: r.value };
    const prior = (v as IScalar).uncertain;
    const all = [...(prior ? [prior] : []), ...r.notes];
    if (all.length) s.uncertain = all.join("; ");
    return s;
  }
  if (v.kind === "seq") {
    const s: YSeq = { kind: "seq", pos: v.pos, items: v.items.map((it) => interpolateTree(it, env, envName)) };
    return s;
  }
  const m: YMap = { kind: "map", pos: v.pos, entries: new Map(), keyPos: new Map(v.keyPos) };
  for (const [k, x] of v.entries) m.entries.set(k, interpolateTree(x, env, envName));
  return m;
}
