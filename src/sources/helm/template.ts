import type { YValue } from "../yamldoc.js";

/**
 * A best-effort reader for Helm templates when no helm binary is available. It keeps every line
 * where it was (so positions are the template's own), and:
 * - resolves `{{ .Values.a.b }}` (with `default`, `quote`, `squote`, `lower`, `upper`) from
 *   values.yaml, `.Release.Name`/`.Release.Namespace`/`.Chart.Name`;
 * - renders `toYaml X | nindent N` (X a values path, or `.` inside `with .Values.x`) as one line
 *   of flow YAML (JSON), so `securityContext: {{- toYaml .Values.securityContext | nindent 12 }}`
 *   still carries values.yaml's `privileged: true` — on the template's line;
 * - blanks lines that hold only control actions (`if`, `else`, `end`, `range`, `with`,
 *   `define`) and `include`/`template` calls — their content is not known without rendering;
 * - leaves any other action as the marker `SOCKWARDEN-UNRESOLVED`.
 * Both branches of an `if` are read. The result is a guess, and the caller says so.
 */

export const UNRESOLVED = "SOCKWARDEN-UNRESOLVED";

export interface TemplateContext {
  values?: YValue;
  chartName?: string;
}

const ACTION = /\{\{-?([\s\S]*?)-?\}\}/g;
const CONTROL = /^\s*(if|else|end|range|with|define|block)\b/;
const BLOCKISH = /^\s*(include|template|tpl)\b|\b(toYaml|toJson|nindent|indent)\b/;

interface Frame {
  kind: string;
  /** `with` target (`.` inside the block), undefined when unknown. */
  dot?: unknown;
}

export function readTemplate(text: string, ctx: TemplateContext): string {
  const lines = text.split("\n");
  const out: string[] = [];
  const stack: Frame[] = [];
  let inComment = false;
  let inAction = false;
  for (const raw of lines) {
    let line = raw;
    if (inComment) {
      const end = line.indexOf("*/}}") >= 0 ? line.indexOf("*/}}") + 4 : line.indexOf("*/ -}}") >= 0 ? line.indexOf("*/ -}}") + 6 : -1;
      if (end < 0) {
        out.push("");
        continue;
      }
      inComment = false;
      line = line.slice(end);
    }
    if (inAction) {
      const end = line.indexOf("}}");
      if (end < 0) {
        out.push("");
        continue;
      }
      inAction = false;
      line = line.slice(end + 2);
    }
    line = line.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, "");
    const openComment = line.search(/\{\{-?\s*\/\*/);
    if (openComment >= 0) {
      inComment = true;
      line = line.slice(0, openComment);
    }
    // An action that opens here and closes on a later line.
    const lastOpen = line.lastIndexOf("{{");
    if (lastOpen >= 0 && line.indexOf("}}", lastOpen) < 0) {
      inAction = true;
      line = line.slice(0, lastOpen);
    }
    const actions = [...line.matchAll(ACTION)].map((m) => m[1]!.trim());
    for (const a of actions) track(a, stack, ctx);
    const rest = line.replace(ACTION, "").trim();
    const dot = currentDot(stack);
    if (actions.length > 0 && rest === "" && actions.some((a) => CONTROL.test(a) || BLOCKISH.test(a))) {
      // A lone `toYaml X | nindent N`: its value as one line of flow YAML at that indentation.
      const only = actions.length === 1 ? actions[0]! : undefined;
      const y = only !== undefined && /\btoYaml\b/.test(only) ? evalValue(only, ctx, dot) : undefined;
      if (y !== undefined && typeof y === "object" && y !== null) {
        const n = /\b(?:n?indent)\s+(\d+)/.exec(only!)?.[1];
        const indent = n !== undefined ? Number(n) : (/^\s*/.exec(raw)?.[0].length ?? 0);
        out.push(" ".repeat(Math.min(indent, 200)) + JSON.stringify(y));
      } else out.push("");
      continue;
    }
    out.push(line.replace(ACTION, (_m, expr: string) => evalAction(expr.trim(), ctx, dot)));
  }
  return out.join("\n");
}

/** Keep the block stack: `with .Values.x` sets `.` for its body; `end` closes the innermost block. */
function track(action: string, stack: Frame[], ctx: TemplateContext): void {
  const m = /^(if|range|with|define|block|end|else)\b\s*(.*)$/.exec(action);
  if (!m) return;
  const [, kw, arg] = m as unknown as [string, string, string];
  if (kw === "end") stack.pop();
  else if (kw === "with") stack.push({ kind: kw, dot: term(arg.trim(), ctx, currentDot(stack)) });
  else if (kw !== "else") stack.push({ kind: kw });
}

function currentDot(stack: Frame[]): unknown {
  for (let i = stack.length - 1; i >= 0; i--) {
    const f = stack[i]!;
    if (f.kind === "with") return f.dot;
    if (f.kind === "range" || f.kind === "define" || f.kind === "block") return undefined;
  }
  return undefined;
}

function plain(y: YValue | undefined): unknown {
  if (!y) return undefined;
  if (y.kind === "scalar") return y.value;
  if (y.kind === "seq") return y.items.map(plain);
  const o: Record<string, unknown> = {};
  for (const [k, v] of y.entries) o[k] = plain(v);
  return o;
}

function lookup(path: string, ctx: TemplateContext, dot: unknown): unknown {
  const p = path.replace(/^\$/, "");
  if (p === ".Release.Name") return "release-name";
  if (p === ".Release.Namespace") return "default";
  if (p === ".Chart.Name") return ctx.chartName ?? "chart";
  if (p === ".") return dot;
  let base: unknown;
  let rest: string;
  const m = /^\.Values((?:\.[A-Za-z_][\w-]*)*)$/.exec(p);
  if (m) {
    base = plain(ctx.values);
    rest = m[1]!;
  } else if (path.startsWith(".") && !path.startsWith("$") && /^(\.[A-Za-z_][\w-]*)+$/.test(p) && dot !== undefined) {
    base = dot; // `.field` inside `with`
    rest = p;
  } else return undefined;
  for (const seg of rest.split(".").filter(Boolean)) {
    if (base === null || typeof base !== "object" || Array.isArray(base)) return undefined;
    base = (base as Record<string, unknown>)[seg];
  }
  return base === null ? undefined : base;
}

function literal(tok: string): string | undefined {
  const s = /^"((?:[^"\\]|\\.)*)"$/.exec(tok) ?? /^`([^`]*)`$/.exec(tok);
  if (s) return s[1]!;
  if (/^-?\d+(\.\d+)?$/.test(tok) || tok === "true" || tok === "false") return tok;
  return undefined;
}

function term(tok: string, ctx: TemplateContext, dot: unknown): unknown {
  return literal(tok) ?? lookup(tok, ctx, dot);
}

/** An action's value: a scalar, a map/list (from values.yaml), or undefined when unknown. */
export function evalValue(expr: string, ctx: TemplateContext, dot?: unknown): unknown {
  const stages = expr.split("|").map((s) => s.trim());
  let val: unknown;
  const first = stages[0]!.split(/\s+/);
  if (first[0] === "default" && first.length === 3) val = term(first[2]!, ctx, dot) ?? term(first[1]!, ctx, dot);
  else if (first[0] === "toYaml" && first.length === 2) val = term(first[1]!, ctx, dot);
  else if (first.length === 1) val = term(first[0]!, ctx, dot);
  else return undefined;
  for (const st of stages.slice(1)) {
    const [fn, ...args] = st.split(/\s+/);
    const s = typeof val === "object" || val === undefined ? undefined : String(val);
    if (fn === "default") {
      if (val === undefined || val === "") val = args[0] !== undefined ? term(args[0], ctx, dot) : undefined;
    } else if (fn === "quote") val = s === undefined ? undefined : JSON.stringify(s);
    else if (fn === "squote") val = s === undefined ? undefined : `'${s}'`;
    else if (fn === "lower") val = s?.toLowerCase();
    else if (fn === "upper") val = s?.toUpperCase();
    else if (fn === "toString" || fn === "trim") val = s?.trim();
    else if (fn === "toYaml" || fn === "nindent" || fn === "indent") continue; // one line of flow YAML instead
    else return undefined;
  }
  return val;
}

/** An action as inline text: scalars as written, maps/lists as flow YAML, unknown as the marker. */
export function evalAction(expr: string, ctx: TemplateContext, dot?: unknown): string {
  const v = evalValue(expr, ctx, dot);
  if (v === undefined) return UNRESOLVED;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}
