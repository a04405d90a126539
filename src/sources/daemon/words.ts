import type { Pos } from "../../model/location.js";

/**
 * Word splitting for daemon command lines as systemd (`ExecStart=`) and `/etc/default/docker`
 * (`DOCKER_OPTS="…"`) write them: whitespace-separated, '…' and "…" quoting, backslash escapes,
 * and backslash-newline continuation. Each word keeps the position of its first character, so a
 * finding points at the `-H` that opens the port even on a continued line.
 */
export interface PWord {
  w: string;
  at: Pos;
}

export function lineStarts(text: string): number[] {
  const s = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) s.push(i + 1);
  return s;
}

export function posAt(starts: number[], off: number): Pos {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= off) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: off - starts[lo]! + 1 };
}

/** Split `text[from, to)` into words; stops at an unescaped newline (end of the logical line). */
export function splitWords(text: string, from: number, starts: number[], to = text.length): { words: PWord[]; end: number } {
  const words: PWord[] = [];
  let i = from;
  let cur: string | undefined;
  let curAt = 0;
  const flush = () => {
    if (cur !== undefined) words.push({ w: cur, at: posAt(starts, curAt) });
    cur = undefined;
  };
  while (i < to) {
    const c = text[i]!;
    if (c === "\\" && (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n"))) {
      i += text[i + 1] === "\r" ? 3 : 2;
      flush();
      continue;
    }
    if (c === "\n") break;
    if (c === " " || c === "\t" || c === "\r") {
      flush();
      i++;
      continue;
    }
    if (cur === undefined) {
      cur = "";
      curAt = i;
    }
    if (c === "'" || c === '"') {
      const q = c;
      i++;
      while (i < to && text[i] !== q && text[i] !== "\n") {
        if (q === '"' && text[i] === "\\" && i + 1 < to) {
          cur += text[i + 1];
          i += 2;
          continue;
        }
        cur += text[i];
        i++;
      }
      i++;
      continue;
    }
    if (c === "\\" && i + 1 < to) {
      cur += text[i + 1];
      i += 2;
      continue;
    }
    cur += c;
    i++;
  }
  flush();
  return { words, end: i };
}
