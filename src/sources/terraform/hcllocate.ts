import type { Pos } from "../../model/location.js";

/**
 * Positions for HCL values. The real parser (hclparse.ts) gives values but no positions, so we
 * run a small structural scan over the same text — tokens (strings with `${…}` templates,
 * heredocs, comments), then bodies, blocks, attributes, object and tuple constructors — and keep
 * only where each thing starts. The mapper walks the parser's JSON and this tree side by side
 * (hnode.ts): blocks of one type appear in the same order in both.
 *
 * It is run only on text the real parser accepted, so it need not report errors; on anything
 * odd it still terminates (every loop consumes a token) and simply knows fewer positions.
 */

export type LNode = LObject | LList | LValue;
export interface LObject {
  kind: "object";
  pos: Pos;
  entries: LEntry[];
}
export interface LList {
  kind: "list";
  pos: Pos;
  items: LNode[];
}
export interface LValue {
  kind: "value";
  pos: Pos;
}
export interface LEntry {
  key: string;
  keyPos: Pos;
  /** Block (`key "label" { … }`) rather than attribute (`key = …`). */
  block: boolean;
  labels: string[];
  value: LNode;
}

type TokKind = "ident" | "string" | "heredoc" | "number" | "punct" | "nl" | "eof" | "other";
interface Tok {
  k: TokKind;
  v: string;
  line: number;
  col: number;
}

export function tokenize(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  const push = (k: TokKind, v: string, at: number, atLine: number, atLineStart: number) => toks.push({ k, v, line: atLine, col: at - atLineStart + 1 });

  // Skips a quoted template starting at text[j] === '"'; returns the index after the closing quote.
  const skipString = (j: number): number => {
    j++;
    while (j < n) {
      const c = text[j]!;
      if (c === "\\") {
        j += 2;
        continue;
      }
      if (c === '"') return j + 1;
      if (c === "\n") {
        line++;
        lineStart = j + 1;
        return j; // unterminated (the parser would have refused): stop at the line end
      }
      if ((c === "$" || c === "%") && text[j + 1] === "{") {
        if (text[j - 1] === c && text[j - 2] !== c) {
          // `$${` / `%%{` is an escaped literal
          j += 2;
          continue;
        }
        j = skipTemplateExpr(j + 2);
        continue;
      }
      j++;
    }
    return j;
  };
  // Inside `${ … }`: balanced braces, nested strings.
  const skipTemplateExpr = (j: number): number => {
    let depth = 1;
    while (j < n && depth > 0) {
      const c = text[j]!;
      if (c === '"') {
        j = skipString(j);
        continue;
      }
      if (c === "{") depth++;
      else if (c === "}") depth--;
      else if (c === "\n") {
        line++;
        lineStart = j + 1;
      }
      j++;
    }
    return j;
  };

  while (i < n) {
    const c = text[i]!;
    if (c === "\n") {
      push("nl", "\n", i, line, lineStart);
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\uFEFF") {
      i++;
      continue;
    }
    if (c === "#" || (c === "/" && text[i + 1] === "/")) {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      i += 2;
      while (i < n && !(text[i] === "*" && text[i + 1] === "/")) {
        if (text[i] === "\n") {
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      i += 2;
      continue;
    }
    if (c === '"') {
      const sl = line;
      const sls = lineStart;
      const end = skipString(i);
      push("string", unquote(text.slice(i, end)), i, sl, sls);
      i = Math.max(end, i + 1);
      continue;
    }
    if (c === "<" && text[i + 1] === "<" && /[-A-Za-z_]/.test(text[i + 2] ?? "")) {
      const m = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(text.slice(i, i + 200));
      if (m) {
        const sl = line;
        const sls = lineStart;
        const marker = m[1]!;
        let j = i + m[0].length;
        line++;
        lineStart = j;
        // Body lines until one that is the marker alone (indentation allowed).
        while (j < n) {
          let e = text.indexOf("\n", j);
          if (e < 0) e = n;
          const l = text.slice(j, e).trim();
          if (l === marker) {
            j = e;
            break;
          }
          j = e + 1;
          if (e < n) {
            line++;
            lineStart = j;
          }
        }
        push("heredoc", "", i, sl, sls);
        i = j;
        continue;
      }
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_\-]/.test(text[j]!)) j++;
      push("ident", text.slice(i, j), i, line, lineStart);
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9.eE+\-]/.test(text[j]!)) j++;
      push("number", text.slice(i, j), i, line, lineStart);
      i = j;
      continue;
    }
    if ("{}[]()=,:?".includes(c)) {
      // `==`, `=>` are operators inside expressions, not attribute assignment.
      if (c === "=" && (text[i + 1] === "=" || text[i + 1] === ">")) {
        push("other", text.slice(i, i + 2), i, line, lineStart);
        i += 2;
        continue;
      }
      push("punct", c, i, line, lineStart);
      i++;
      continue;
    }
    if ((c === "!" || c === "<" || c === ">") && text[i + 1] === "=") {
      push("other", text.slice(i, i + 2), i, line, lineStart);
      i += 2;
      continue;
    }
    push("other", c, i, line, lineStart);
    i++;
  }
  toks.push({ k: "eof", v: "", line, col: i - lineStart + 1 });
  return toks;
}

function unquote(s: string): string {
  const inner = s.startsWith('"') ? s.slice(1, s.endsWith('"') && s.length > 1 ? -1 : undefined) : s;
  return inner.replace(/\\(.)/g, "$1");
}

/** The structure of an HCL file: its top-level body. */
export function locateHcl(text: string): LObject {
  const toks = tokenize(text);
  const p = new P(toks);
  return p.body({ line: 1, column: 1 }, true);
}

class P {
  i = 0;
  constructor(private readonly t: Tok[]) {}
  peek(): Tok {
    return this.t[Math.min(this.i, this.t.length - 1)]!;
  }
  next(): Tok {
    const tok = this.peek();
    if (this.i < this.t.length - 1) this.i++;
    return tok;
  }
  atEof(): boolean {
    return this.peek().k === "eof";
  }
  is(v: string): boolean {
    const tok = this.peek();
    return tok.k === "punct" && tok.v === v;
  }
  skipNl(): void {
    while (this.peek().k === "nl") this.next();
  }
  /** Skip to the end of the current line (recovery). */
  skipLine(): void {
    while (!this.atEof() && this.peek().k !== "nl") this.next();
  }

  body(pos: Pos, top: boolean): LObject {
    const obj: LObject = { kind: "object", pos, entries: [] };
    for (;;) {
      this.skipNl();
      if (this.atEof()) return obj;
      if (this.is("}")) {
        if (top) {
          this.next();
          continue;
        }
        return obj;
      }
      const key = this.next();
      if (key.k !== "ident") {
        this.skipLine();
        continue;
      }
      const keyPos = { line: key.line, column: key.col };
      if (this.is("=")) {
        this.next();
        const value = this.expr(false);
        obj.entries.push({ key: key.v, keyPos, block: false, labels: [], value });
        continue;
      }
      const labels: string[] = [];
      while (this.peek().k === "string" || this.peek().k === "ident") labels.push(this.next().v);
      if (this.is("{")) {
        const open = this.next();
        const inner = this.body({ line: open.line, column: open.col }, false);
        if (this.is("}")) this.next();
        obj.entries.push({ key: key.v, keyPos, block: true, labels, value: inner });
        continue;
      }
      this.skipLine();
    }
  }

  /** One expression. `inBrackets`: newlines do not end it (inside a tuple). */
  expr(inBrackets: boolean): LNode {
    if (inBrackets) this.skipNl();
    const first = this.peek();
    const pos = { line: first.line, column: first.col };
    let node: LNode;
    if (this.is("{")) {
      this.next();
      node = this.object(pos);
    } else if (this.is("[")) {
      this.next();
      node = this.list(pos);
    } else {
      node = { kind: "value", pos };
    }
    // Whatever follows (operators, a ternary, a call's arguments) belongs to the same expression.
    let depth = 0;
    for (;;) {
      const tok = this.peek();
      if (tok.k === "eof") break;
      if (tok.k === "nl" && depth === 0 && !inBrackets) break;
      if (tok.k === "punct") {
        if (depth === 0 && (tok.v === "," || tok.v === "}" || tok.v === "]" || tok.v === ")")) break;
        if (tok.v === "(" || tok.v === "[" || tok.v === "{") depth++;
        else if (tok.v === ")" || tok.v === "]" || tok.v === "}") depth--;
      }
      this.next();
    }
    return node;
  }

  object(pos: Pos): LObject {
    const obj: LObject = { kind: "object", pos, entries: [] };
    for (;;) {
      while (this.peek().k === "nl" || this.is(",")) this.next();
      if (this.atEof()) return obj;
      if (this.is("}")) {
        this.next();
        return obj;
      }
      const key = this.next();
      let keyStr = key.v;
      if (key.k === "punct" && key.v === "(") {
        // `(var.k) = v`: a computed key; skip to the `)`.
        let depth = 1;
        while (!this.atEof() && depth > 0) {
          const t = this.next();
          if (t.k === "punct" && t.v === "(") depth++;
          if (t.k === "punct" && t.v === ")") depth--;
        }
        keyStr = "";
      } else if (key.k !== "ident" && key.k !== "string" && key.k !== "number") {
        continue;
      }
      if (this.is("=") || this.is(":")) {
        this.next();
        const value = this.expr(false);
        obj.entries.push({ key: keyStr, keyPos: { line: key.line, column: key.col }, block: false, labels: [], value });
      }
    }
  }

  list(pos: Pos): LList {
    const l: LList = { kind: "list", pos, items: [] };
    for (;;) {
      while (this.peek().k === "nl" || this.is(",")) this.next();
      if (this.atEof()) return l;
      if (this.is("]")) {
        this.next();
        return l;
      }
      const before = this.i;
      l.items.push(this.expr(true));
      if (this.i === before) this.next(); // never loop on a token the expression did not take
    }
  }
}
