import { yget, type YValue } from "../yamldoc.js";

/**
 * A best-effort reader for Helm templates when no helm binary is available. It keeps every line
 * where it was (so positions are the template's own), and:
 * - resolves `{{ .Values.a.b }}` (with `default`, `quote`, `squote`, `lower`, `upper`) from
 *   values.yaml, `.Release.Name`/`.Release.Namespace`/`.Chart.Name`;
 * - blanks lines that hold only control actions (`if`, `else`, `end`, `range`, `with`,
 *   `define`), `include`/`template` calls and `toYaml … | nindent` blocks — their content is not
 *   known without rendering, so it is left out;
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

export function readTemplate(text: string, ctx: TemplateContext): string {
  const lines = text.split("\n");
  const out: string[] = [];
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
    const rest = line.replace(ACTION, "").trim();
    if (actions.length > 0 && rest === "" && actions.some((a) => CONTROL.test(a) || BLOCKISH.test(a))) {
      out.push("");
      continue;
    }
    out.push(line.replace(ACTION, (_m, expr: string) => evalAction(expr.trim(), ctx)));
  }
  return out.join("\n");
}

function lookup(path: string, ctx: TemplateContext): string | undefined {
  const p = path.replace(/^\$/, "");
  if (p === ".Release.Name") return "release-name";
  if (p === ".Release.Namespace") return "default";
  if (p === ".Chart.Name") return ctx.chartName ?? "chart";
  const m = /^\.Values((?:\.[A-Za-z_][\w-]*)+)$/.exec(p);
  if (!m) return undefined;
  let v: YValue | undefined = ctx.values;
  for (const seg of m[1]!.slice(1).split(".")) v = yget(v, seg);
  if (v?.kind !== "scalar" || v.value === null || v.value === undefined) return undefined;
  return String(v.value);
}

function literal(tok: string): string | undefined {
  const s = /^"((?:[^"\\]|\\.)*)"$/.exec(tok) ?? /^`([^`]*)`$/.exec(tok);
  if (s) return s[1]!;
  if (/^-?\d+(\.\d+)?$/.test(tok) || tok === "true" || tok === "false") return tok;
  return undefined;
}

function term(tok: string, ctx: TemplateContext): string | undefined {
  return literal(tok) ?? lookup(tok, ctx);
}

export function evalAction(expr: string, ctx: TemplateContext): string {
  const stages = expr.split("|").map((s) => s.trim());
  let val: string | undefined;
  const first = stages[0]!.split(/\s+/);
  if (first[0] === "default" && first.length === 3) val = term(first[2]!, ctx) ?? term(first[1]!, ctx);
  else if (first.length === 1) val = term(first[0]!, ctx);
  else return UNRESOLVED;
  for (const st of stages.slice(1)) {
    const [fn, ...args] = st.split(/\s+/);
    if (fn === "default") {
      if (val === undefined || val === "") val = args[0] !== undefined ? term(args[0], ctx) : undefined;
    } else if (fn === "quote") val = val === undefined ? undefined : JSON.stringify(val);
    else if (fn === "squote") val = val === undefined ? undefined : `'${val}'`;
    else if (fn === "lower") val = val?.toLowerCase();
    else if (fn === "upper") val = val?.toUpperCase();
    else if (fn === "toString" || fn === "trim") val = val?.trim();
    else return UNRESOLVED;
  }
  return val ?? UNRESOLVED;
}
