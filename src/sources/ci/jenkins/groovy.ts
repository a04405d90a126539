/**
 * Groovy string literals with positions — not a Groovy parser. Jenkinsfiles keep everything we
 * need in strings (`sh '…'`, `args '…'`, `.inside('…')`, `yaml '''…'''`); this scanner finds
 * them, skipping comments, and records the code right before each (to tell what it is for).
 */
export interface GString {
  /** The string's value, with Groovy's escapes for quotes, `$` and backslashes undone. */
  value: string;
  /** 1-based position of the first character of the value (after the opening quote). */
  line: number;
  column: number;
  /** Offset of the opening quote in the text. */
  start: number;
  end: number;
  /** Code before the literal on its statement (up to 200 chars, same line or the one before). */
  before: string;
  triple: boolean;
}

export function groovyStrings(text: string): GString[] {
  const out: GString[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === "\n") {
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    if (ch === "/" && text[i + 1] === "/") {
      const k = text.indexOf("\n", i);
      i = k < 0 ? n : k;
      continue;
    }
    if (ch === "/" && text[i + 1] === "*") {
      const k = text.indexOf("*/", i + 2);
      const stop = k < 0 ? n : k + 2;
      for (let j = i; j < stop; j++) if (text.charCodeAt(j) === 10) {
        line++;
        lineStart = j + 1;
      }
      i = stop;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const triple = text.startsWith(ch.repeat(3), i);
      const q = triple ? ch.repeat(3) : ch;
      const startLine = line;
      const startCol = i - lineStart + 1 + q.length;
      let j = i + q.length;
      let value = "";
      let braces = 0;
      while (j < n) {
        const c = text[j]!;
        if (c === "\\") {
          const e = text[j + 1] ?? "";
          if (e === "\n") {
            // Line continuation inside a Groovy string: both characters vanish... but in a
            // shell script the backslash-newline matters, so keep it.
            value += "\\\n";
            line++;
            lineStart = j + 2;
          } else if (e === "'" || e === '"' || e === "$" || e === "\\") value += e;
          else value += c + e;
          j += 2;
          continue;
        }
        if (ch === '"' && c === "$" && text[j + 1] === "{") braces++;
        else if (braces > 0 && c === "}") braces--;
        if (braces === 0 && text.startsWith(q, j)) break;
        if (!triple && c === "\n") break; // an unterminated one-line string: stop at the line end
        if (c === "\n") {
          line++;
          lineStart = j + 1;
        }
        value += c;
        j++;
      }
      const end = Math.min(j + q.length, n);
      const from = Math.max(0, text.lastIndexOf("\n", Math.max(0, text.lastIndexOf("\n", i - 1) - 1)) + 1, i - 200);
      out.push({ value, line: startLine, column: startCol, start: i, end, before: text.slice(from, i), triple });
      i = end;
      continue;
    }
    i++;
  }
  return out;
}
