/** Fenced code blocks of a Markdown file (CommonMark: ``` or ~~~, possibly indented in lists). */
export interface Fence {
  lang: string;
  /** 1-based line of the first content line. */
  startLine: number;
  /** Content lines, as written (indentation kept, so columns stay true). */
  lines: string[];
}

const OPEN = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^`\s{]*)?/;

export function fencedBlocks(text: string): Fence[] {
  const out: Fence[] = [];
  const lines = text.split("\n");
  let i = 0;
  while (i < lines.length) {
    const m = OPEN.exec(lines[i]!.replace(/\r$/, ""));
    if (!m) {
      i++;
      continue;
    }
    const fence = m[2]!;
    const lang = (m[3] ?? "").replace(/^\{?\.?/, "").replace(/[,}].*$/, "").toLowerCase();
    const close = new RegExp(`^[ \\t]*${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j]!.replace(/\r$/, ""))) body.push(lines[j++]!.replace(/\r$/, ""));
    out.push({ lang, startLine: i + 2, lines: body });
    i = j + 1;
  }
  return out;
}

/** A `console` block as shell text: prompts become spaces (columns stay true), output lines blank. */
export function consoleToShell(lines: string[]): string[] {
  const out: string[] = [];
  let continued = false;
  for (const l of lines) {
    if (continued) {
      out.push(l);
      continued = /\\$/.test(l);
      continue;
    }
    const m = /^(\s*)((?:[\w.-]+@[\w.-]+(?::[^\s$#]*)?)?[$#%]|PS [^>]*>|>)\s/.exec(l);
    if (m && !(m[2] === ">" && !out.length)) {
      out.push(" ".repeat(m[0].length) + l.slice(m[0].length));
      continued = /\\$/.test(l);
    } else out.push("");
  }
  return out;
}
