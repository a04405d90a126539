/**
 * The `.env` beside a compose file (and `env_file:` files), parsed the way Compose's dotenv
 * reader does: `KEY=value`, optional `export `, `#` comments, single quotes (literal), double
 * quotes (escapes, may span lines), unquoted values (trailing ` # comment` dropped). Unquoted and
 * double-quoted values may refer to variables defined earlier in the same file (`${A}/x`).
 *
 * Pure: the caller reads the file. The scanning machine's environment is never consulted, so a
 * scan gives the same answer everywhere.
 */
import { interpolateString } from "./interpolate.js";

export function parseDotenv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  let i = 0;
  const n = src.length;
  while (i < n) {
    // One logical line at a time; quoted values may consume more lines.
    let lineEnd = src.indexOf("\n", i);
    if (lineEnd < 0) lineEnd = n;
    const line = src.slice(i, lineEnd);
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s?/.exec(line);
    if (!m || /^\s*#/.test(line)) {
      i = lineEnd + 1;
      continue;
    }
    const key = m[1]!;
    let j = i + m[0].length;
    while (j < n && (src[j] === " " || src[j] === "\t")) j++;
    const q = src[j];
    if (q === "'" || q === '"') {
      const close = findClosingQuote(src, j + 1, q);
      if (close < 0) {
        // Unterminated quote: take the rest of the line as written.
        vars.set(key, line.slice(j - i).trim());
        i = lineEnd + 1;
        continue;
      }
      const raw = src.slice(j + 1, close);
      vars.set(key, q === "'" ? raw : interpolateString(unescapeDouble(raw), vars).value);
      const after = src.indexOf("\n", close);
      i = after < 0 ? n : after + 1;
      continue;
    }
    let raw = line.slice(j - i);
    const hash = raw.search(/\s#/);
    if (hash >= 0) raw = raw.slice(0, hash);
    vars.set(key, interpolateString(raw.trim(), vars).value);
    i = lineEnd + 1;
  }
  return vars;
}

function findClosingQuote(s: string, from: number, q: string): number {
  for (let k = from; k < s.length; k++) {
    if (q === '"' && s[k] === "\\") {
      k++;
      continue;
    }
    if (s[k] === q) return k;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c));
}
