/** Cheap checks before handing text to the YAML parser. */

/** Flow nesting or indentation this deep is no Compose file: refuse before the YAML parser
 *  recurses itself into a stack overflow (it does around a thousand levels, slowly). Anything
 *  deeper than toY's 200 levels would be refused afterwards anyway. */
const MAX_FLOW_DEPTH = 400;
const MAX_INDENT = 800;

export function refuseText(text: string): { line?: number; message: string } | undefined {
  const nul = text.indexOf("\u0000");
  if (nul >= 0) return { line: lineAt(text, nul), message: "binary content (NUL byte): not a YAML file" };
  let depth = 0;
  let line = 1;
  let col = 0;
  let quote = "";
  let comment = false;
  let indenting = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      col = 0;
      comment = false;
      indenting = true;
      if (quote === "'") quote = ""; // a single-quoted scalar rarely spans lines; do not let one quote hide the rest
      continue;
    }
    col++;
    if (indenting) {
      if (c === 32) {
        if (col > MAX_INDENT) return { line, message: `YAML indented deeper than ${MAX_INDENT} columns: refused (absurd nesting)` };
        continue;
      }
      indenting = false;
    }
    if (comment) continue;
    if (quote) {
      if (quote === '"' && c === 92) i++;
      else if (String.fromCharCode(c) === quote) quote = "";
      continue;
    }
    if (c === 35 /* # */ && (i === 0 || /\s/.test(text[i - 1]!))) comment = true;
    else if (c === 34 || c === 39) quote = String.fromCharCode(c);
    else if (c === 91 || c === 123) {
      if (++depth > MAX_FLOW_DEPTH) return { line, message: `YAML flow collections nested deeper than ${MAX_FLOW_DEPTH} levels: refused (absurd nesting)` };
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

function lineAt(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

