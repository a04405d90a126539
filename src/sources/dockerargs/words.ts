/**
 * Shell words with positions.
 *
 * Why our own: `shell-quote` and friends give no positions, and a finding must point at the line
 * that holds the flag (inside a backslash-continued `docker run`, inside a YAML `run: |` block).
 * This is not a shell: it splits text into simple commands the way POSIX sh would, keeps 1-based
 * line/column for every word, and keeps expansions (`$VAR`, `${VAR:-x}`, `$(…)`, backticks) as
 * parts that callers resolve or mark uncertain. Command substitutions are tokenized too, so
 * `CID=$(docker run …)` is seen. Heredoc bodies are skipped: they are data, not commands.
 *
 * Never throws and never recurses on input nesting: substitutions are queued, with a depth cap.
 */

export type WordPart =
  | { kind: "lit"; text: string }
  /** `$X`, `${X}`, `${X:-def}`; in make mode also `$(X)`. `op`/`arg` only for `${X<op><arg>}`. */
  | { kind: "var"; name: string; raw: string; op?: string; arg?: string; make?: boolean }
  /** `$(…)`, backticks, `$((…))`: the output of a command is never known statically. */
  | { kind: "cmd"; raw: string };

export interface Word {
  parts: WordPart[];
  /** Literal text with expansions kept verbatim (`$PWD/x`). */
  value: string;
  /** 1-based line/column of the word's first character (relative to the tokenized text). */
  line: number;
  column: number;
  /** Any quoting in the word (a quoted word is never an operator or a keyword). */
  quoted: boolean;
  /** The word was exactly one unquoted source run with no escapes: columns inside map 1:1. */
  plain: boolean;
}

export interface ShellCommand {
  words: Word[];
  /** Nesting depth: 0 top level, 1 inside `$(…)`, … */
  depth: number;
}

export interface Diagnostic {
  line: number;
  message: string;
}

export interface TokenizeOptions {
  /** Makefile recipe: `$(X)`/`${X}`/`$X` are make variables, `$$` is a literal `$` for the shell. */
  make?: boolean;
  /** Max depth of command substitutions that are themselves tokenized (default 16). */
  maxDepth?: number;
  /** Receive each command as it ends instead of collecting them (no sorting: top-level commands
   *  come in order, then those of substitutions). Keeps memory flat on huge scripts. */
  onCommand?: (cmd: ShellCommand) => void;
}

export interface TokenizeResult {
  commands: ShellCommand[];
  diagnostics: Diagnostic[];
}

interface Segment {
  start: number;
  end: number;
  line: number;
  column: number;
  depth: number;
}

/** Characters that end a plain run: blanks, quotes, `\`, `$`, backtick, operators, redirections. */
const SPECIAL = new Uint8Array(128);
for (const ch of " \t\r\n\\'\"$`;&|()<>") SPECIAL[ch.charCodeAt(0)] = 1;
const NAME_RUN = /[A-Za-z_][A-Za-z0-9_]*/y;

export function tokenizeShell(text: string, opts: TokenizeOptions = {}): TokenizeResult {
  const out: TokenizeResult = { commands: [], diagnostics: [] };
  const maxDepth = opts.maxDepth ?? 16;
  const queue: Segment[] = [{ start: 0, end: text.length, line: 1, column: 1, depth: 0 }];
  // A queue, not recursion: `$($($(…)))` nested a million deep must not blow the stack.
  for (let q = 0; q < queue.length; q++) {
    const seg = queue[q]!;
    new Scanner(text, seg, opts.make === true, maxDepth, queue, out, opts.onCommand).run();
  }
  if (queue.length > 1 && !opts.onCommand) {
    out.commands.sort((a, b) => {
      const wa = a.words[0]!, wb = b.words[0]!;
      return wa.line - wb.line || wa.column - wb.column || a.depth - b.depth;
    });
  }
  return out;
}

class Scanner {
  private i: number;
  private line: number;
  private col: number;
  private words: Word[] = [];
  /** The word being built (its `value` is filled in when it ends). */
  private cur: Word | null = null;
  private skipNext = false;
  private heredocs: { delim: string; strip: boolean }[] = [];

  constructor(
    private readonly t: string,
    private readonly seg: Segment,
    private readonly make: boolean,
    private readonly maxDepth: number,
    private readonly queue: Segment[],
    private readonly out: TokenizeResult,
    private readonly onCommand?: (cmd: ShellCommand) => void,
  ) {
    this.i = seg.start;
    this.line = seg.line;
    this.col = seg.column;
  }

  /** Move to index j, keeping line/column right. */
  private to(j: number): void {
    const t = this.t;
    for (let k = this.i; k < j; k++) {
      if (t.charCodeAt(k) === 10) {
        this.line++;
        this.col = 1;
      } else this.col++;
    }
    this.i = j;
  }

  private begin(): Word {
    if (!this.cur) this.cur = { parts: [], value: "", line: this.line, column: this.col, quoted: false, plain: true };
    return this.cur;
  }

  private lit(s: string): void {
    const c = this.begin();
    const last = c.parts[c.parts.length - 1];
    if (last && last.kind === "lit") last.text += s;
    else c.parts.push({ kind: "lit", text: s });
  }

  private finishWord(): void {
    const c = this.cur;
    if (!c) return;
    this.cur = null;
    if (this.skipNext) {
      this.skipNext = false;
      return;
    }
    const p0 = c.parts[0];
    if (c.parts.length === 1) c.value = p0!.kind === "lit" ? p0!.text : p0!.raw;
    else for (const p of c.parts) c.value += p.kind === "lit" ? p.text : p.raw;
    this.words.push(c);
  }

  private endCommand(): void {
    this.finishWord();
    this.skipNext = false;
    if (this.words.length) {
      const cmd = { words: this.words, depth: this.seg.depth };
      if (this.onCommand) this.onCommand(cmd);
      else this.out.commands.push(cmd);
    }
    this.words = [];
  }

  run(): void {
    const t = this.t;
    const end = this.seg.end;
    while (this.i < end) {
      const code = t.charCodeAt(this.i);
      // Fast path: an ordinary character starts or continues a plain run.
      if (code > 0x3e && code !== 0x5c && code !== 0x60 && code !== 0x7c) {
        this.wordChar();
        continue;
      }
      const c = t[this.i]!;
      if (c === "\\" && t[this.i + 1] === "\n") {
        this.to(this.i + 2); // line continuation: the word goes on
        continue;
      }
      if (c === "\\" && t[this.i + 1] === "\r" && t[this.i + 2] === "\n") {
        this.to(this.i + 3);
        continue;
      }
      if (c === " " || c === "\t" || c === "\r") {
        this.finishWord();
        this.i++;
        this.col++;
        continue;
      }
      if (c === "\n") {
        this.endCommand();
        this.to(this.i + 1);
        if (this.heredocs.length) this.skipHeredocs();
        continue;
      }
      if (c === "#" && !this.cur) {
        let j = t.indexOf("\n", this.i);
        if (j < 0 || j > end) j = end;
        this.to(j);
        continue;
      }
      if (c === ";" || c === "&" || c === "|" || c === "(" || c === ")") {
        if (c === "&" && t[this.i + 1] === ">") {
          // `&>file` / `&>>file`: redirection of both streams.
          this.finishWord();
          this.to(this.i + (t[this.i + 2] === ">" ? 3 : 2));
          this.skipNext = true;
          continue;
        }
        this.endCommand();
        const two = t.slice(this.i, this.i + 2);
        this.to(this.i + (two === "&&" || two === "||" || two === ";;" || two === "|&" ? 2 : 1));
        continue;
      }
      if (c === "<" || c === ">") {
        this.redirection();
        continue;
      }
      this.wordChar();
    }
    this.endCommand();
  }

  private redirection(): void {
    const t = this.t;
    // `2>` / `10<`: an all-digit unquoted word right before is the fd, not an argument.
    const cur = this.cur;
    if (cur && !cur.quoted && cur.parts.length === 1 && cur.parts[0]!.kind === "lit" && /^\d+$/.test(cur.parts[0]!.text)) this.cur = null;
    else this.finishWord();
    const s3 = t.slice(this.i, this.i + 3);
    if (s3 === "<<<") {
      this.to(this.i + 3);
      this.skipNext = true;
      return;
    }
    if (s3.startsWith("<<")) {
      const strip = s3 === "<<-";
      this.to(this.i + (strip ? 3 : 2));
      this.readHeredocDelimiter(strip);
      return;
    }
    const two = s3.slice(0, 2);
    const ops = [">>", ">&", ">|", "<&", "<>"];
    this.to(this.i + (ops.includes(two) ? 2 : 1));
    this.skipNext = true;
  }

  private readHeredocDelimiter(strip: boolean): void {
    const t = this.t;
    while (this.i < this.seg.end && (t[this.i] === " " || t[this.i] === "\t")) this.to(this.i + 1);
    let delim = "";
    let j = this.i;
    while (j < this.seg.end) {
      const ch = t[j]!;
      if (" \t\r\n;&|()<>".includes(ch)) break;
      if (ch === "'" || ch === '"') {
        const k = t.indexOf(ch, j + 1);
        const stop = k < 0 || k >= this.seg.end ? this.seg.end : k;
        delim += t.slice(j + 1, stop);
        j = stop + 1;
        continue;
      }
      if (ch === "\\") {
        delim += t[j + 1] ?? "";
        j += 2;
        continue;
      }
      delim += ch;
      j++;
    }
    this.to(Math.min(j, this.seg.end));
    if (delim) this.heredocs.push({ delim, strip });
  }

  /** Called right after a newline: skip every pending heredoc body, in order. */
  private skipHeredocs(): void {
    const t = this.t;
    const end = this.seg.end;
    for (const h of this.heredocs) {
      let p = this.i;
      let found = false;
      while (p < end) {
        let nl = t.indexOf("\n", p);
        if (nl < 0 || nl > end) nl = end;
        let lineText = t.slice(p, nl);
        if (lineText.endsWith("\r")) lineText = lineText.slice(0, -1);
        if (h.strip) lineText = lineText.replace(/^\t+/, "");
        p = Math.min(nl + 1, end);
        if (lineText === h.delim) {
          found = true;
          break;
        }
      }
      this.to(p);
      if (!found) break;
    }
    this.heredocs = [];
  }

  private wordChar(): void {
    const t = this.t;
    const c = t[this.i]!;
    if (c === "'") {
      const w = this.begin();
      w.quoted = true;
      w.plain = false;
      let k = t.indexOf("'", this.i + 1);
      if (k < 0 || k >= this.seg.end) {
        this.out.diagnostics.push({ line: this.line, message: `unterminated single quote (line ${this.line}): the rest of the text was read as one word` });
        k = this.seg.end;
      }
      this.lit(t.slice(this.i + 1, k));
      this.to(Math.min(k + 1, this.seg.end));
      return;
    }
    if (c === '"') {
      const w = this.begin();
      w.quoted = true;
      w.plain = false;
      this.doubleQuoted();
      return;
    }
    if (c === "\\") {
      const w = this.begin();
      w.plain = false;
      w.quoted = true;
      const n = t[this.i + 1];
      if (n !== undefined && this.i + 1 < this.seg.end) {
        this.lit(n);
        this.to(this.i + 2);
      } else this.to(this.i + 1);
      return;
    }
    if (c === "$") {
      this.begin();
      this.dollar(false);
      return;
    }
    if (c === "`") {
      const w = this.begin();
      w.plain = false;
      this.backtick();
      return;
    }
    // A run of ordinary characters (a table lookup per character: no regex match objects).
    let j = this.i + 1;
    const end = this.seg.end;
    while (j < end) {
      const code = t.charCodeAt(j);
      if (code < 128 && SPECIAL[code] === 1) break;
      j++;
    }
    this.begin();
    this.lit(t.slice(this.i, j));
    // A plain run holds no newline: move the column without looking at each character.
    this.col += j - this.i;
    this.i = j;
  }

  private doubleQuoted(): void {
    const t = this.t;
    const end = this.seg.end;
    const startLine = this.line;
    this.to(this.i + 1);
    let buf = "";
    while (this.i < end) {
      const ch = t[this.i]!;
      if (ch === '"') {
        if (buf) this.lit(buf);
        this.to(this.i + 1);
        return;
      }
      if (ch === "\\") {
        const n = t[this.i + 1];
        if (n === "\n") {
          this.to(this.i + 2);
          continue;
        }
        if (n === "$" || n === "`" || n === '"' || n === "\\") {
          buf += n;
          this.to(this.i + 2);
          continue;
        }
        buf += ch;
        this.to(this.i + 1);
        continue;
      }
      if (ch === "$" || ch === "`") {
        if (buf) this.lit(buf);
        buf = "";
        if (ch === "$") this.dollar(true);
        else this.backtick();
        continue;
      }
      // Fast path: a run of ordinary characters.
      let j = this.i + 1;
      while (j < end) {
        const cj = t[j]!;
        if (cj === '"' || cj === "\\" || cj === "$" || cj === "`") break;
        j++;
      }
      buf += t.slice(this.i, j);
      this.to(j);
    }
    if (buf) this.lit(buf);
    this.out.diagnostics.push({ line: startLine, message: `unterminated double quote (line ${startLine}): the rest of the text was read as one word` });
  }

  /** At a `$`. Adds a var/cmd/lit part. */
  private dollar(inDq: boolean): void {
    const t = this.t;
    const w = this.cur!;
    w.plain = false;
    const n = t[this.i + 1];
    if (this.make) {
      if (n === "$") {
        // `$$` in a recipe reaches the shell as `$`: handle the shell expansion that follows.
        this.to(this.i + 1);
        this.shellDollar(inDq);
        return;
      }
      if (n === "(" || n === "{") {
        const close = n === "(" ? ")" : "}";
        const k = this.matchSimple(this.i + 2, n, close);
        const raw = t.slice(this.i, k < 0 ? this.seg.end : k + 1);
        const name = raw.slice(2, k < 0 ? undefined : -1);
        w.parts.push({ kind: "var", name, raw, make: true });
        this.to(k < 0 ? this.seg.end : k + 1);
        return;
      }
      if (n !== undefined && /[A-Za-z0-9_@<^+*?%]/.test(n)) {
        w.parts.push({ kind: "var", name: n, raw: "$" + n, make: true });
        this.to(this.i + 2);
        return;
      }
      this.lit("$");
      this.to(this.i + 1);
      return;
    }
    this.shellDollar(inDq);
  }

  private shellDollar(inDq: boolean): void {
    const t = this.t;
    const w = this.cur!;
    w.plain = false;
    const n = t[this.i + 1];
    const end = this.seg.end;
    if (n === "(") {
      if (t[this.i + 2] === "(") {
        const k = this.matchParen(this.i + 3);
        const stop = k < 0 ? end : Math.min(k + 1, end);
        const stop2 = t[stop] === ")" ? stop + 1 : stop;
        w.parts.push({ kind: "cmd", raw: t.slice(this.i, stop2) });
        this.to(stop2);
        return;
      }
      const innerStart = this.i + 2;
      const k = this.matchParen(innerStart);
      const stop = k < 0 ? end : k;
      const startLine = this.line, startCol = this.col + 2;
      if (this.seg.depth < this.maxDepth && stop > innerStart) {
        this.queue.push({ start: innerStart, end: stop, line: startLine, column: startCol, depth: this.seg.depth + 1 });
      }
      w.parts.push({ kind: "cmd", raw: t.slice(this.i, Math.min(stop + 1, end)) });
      if (k < 0) this.out.diagnostics.push({ line: startLine, message: `unterminated $( (line ${startLine})` });
      this.to(Math.min(stop + 1, end));
      return;
    }
    if (n === "{") {
      const k = this.matchSimple(this.i + 2, "{", "}");
      const stop = k < 0 ? end : k;
      const inner = t.slice(this.i + 2, stop);
      const raw = t.slice(this.i, Math.min(stop + 1, end));
      const m = /^([#!]?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(?:(:?[-=?+])([\s\S]*))?$/.exec(inner);
      if (m && !m[1]) {
        const part: WordPart = { kind: "var", name: m[2]!, raw };
        if (m[3]) {
          part.op = m[3];
          part.arg = m[4] ?? "";
        }
        w.parts.push(part);
      } else w.parts.push({ kind: "var", name: inner, raw });
      this.to(Math.min(stop + 1, end));
      return;
    }
    if (n === "'" && !inDq) {
      // ANSI-C quoting: a literal with backslash escapes.
      w.quoted = true;
      let j = this.i + 2;
      let s = "";
      while (j < end && t[j] !== "'") {
        if (t[j] === "\\" && j + 1 < end) {
          const e = t[j + 1]!;
          s += e === "n" ? "\n" : e === "t" ? "\t" : e;
          j += 2;
        } else s += t[j++];
      }
      this.lit(s);
      this.to(Math.min(j + 1, end));
      return;
    }
    if (n === '"' && !inDq) {
      this.to(this.i + 1);
      w.quoted = true;
      this.doubleQuoted();
      return;
    }
    if (n !== undefined && /[@*#?$!0-9-]/.test(n)) {
      w.parts.push({ kind: "var", name: n, raw: "$" + n });
      this.to(this.i + 2);
      return;
    }
    NAME_RUN.lastIndex = this.i + 1;
    const m = NAME_RUN.exec(t);
    if (m && this.i + 1 + m[0].length <= end) {
      w.parts.push({ kind: "var", name: m[0], raw: "$" + m[0] });
      this.to(this.i + 1 + m[0].length);
      return;
    }
    this.lit("$");
    this.to(this.i + 1);
  }

  private backtick(): void {
    const t = this.t;
    const end = this.seg.end;
    let j = this.i + 1;
    while (j < end && t[j] !== "`") j += t[j] === "\\" ? 2 : 1;
    const stop = Math.min(j, end);
    if (this.seg.depth < this.maxDepth && stop > this.i + 1) {
      this.queue.push({ start: this.i + 1, end: stop, line: this.line, column: this.col + 1, depth: this.seg.depth + 1 });
    }
    this.cur!.parts.push({ kind: "cmd", raw: t.slice(this.i, Math.min(stop + 1, end)) });
    this.to(Math.min(stop + 1, end));
  }

  /** Index of the `)` closing a `$(` whose content starts at `from`, or -1. Quote-aware. */
  private matchParen(from: number): number {
    const t = this.t;
    const end = this.seg.end;
    let depth = 1;
    let j = from;
    while (j < end) {
      const ch = t[j]!;
      if (ch === "\\") {
        j += 2;
        continue;
      }
      if (ch === "'") {
        const k = t.indexOf("'", j + 1);
        if (k < 0 || k >= end) return -1;
        j = k + 1;
        continue;
      }
      if (ch === '"') {
        j++;
        while (j < end && t[j] !== '"') j += t[j] === "\\" ? 2 : 1;
        j++;
        continue;
      }
      if (ch === "(") depth++;
      else if (ch === ")") {
        depth--;
        if (depth === 0) return j;
      }
      j++;
    }
    return -1;
  }

  /** Matching close bracket with simple nesting (for `${…}` and make `$(…)`). */
  private matchSimple(from: number, open: string, close: string): number {
    const t = this.t;
    let depth = 1;
    for (let j = from; j < this.seg.end; j++) {
      const ch = t[j]!;
      if (ch === "\n" && open === "(" && this.make) return -1;
      if (ch === open) depth++;
      else if (ch === close && --depth === 0) return j;
    }
    return -1;
  }
}

/** A word whose expansions were replaced where known. */
export interface ResolvedWord {
  value: string;
  /** Why the value is not certain (an unknown variable, a command substitution). */
  uncertain?: string;
}

/** Values known for variables (from assignments in the same file, CI `variables:`). */
export type VarLookup = (name: string) => { value: string; where?: string } | undefined;

/**
 * Resolve a word's expansions: known variables are substituted, `${X:-d}` of an unknown X takes
 * the default, everything else stays verbatim and makes the value uncertain.
 */
export function resolveWord(w: Word, vars?: VarLookup): ResolvedWord {
  let value = "";
  const why: string[] = [];
  for (const p of w.parts) {
    if (p.kind === "lit") {
      value += p.text;
      continue;
    }
    if (p.kind === "cmd") {
      value += p.raw;
      why.push(`command substitution ${short(p.raw)}`);
      continue;
    }
    const known = vars?.(p.name);
    if (known !== undefined && (p.op === undefined || p.op === ":-" || p.op === "-" || p.op === ":=" || p.op === "=")) {
      value += known.value;
      why.push(`assumes ${p.raw} = ${short(known.value)}${known.where ? ` (${known.where})` : ""}`);
      continue;
    }
    if (known === undefined && p.op !== undefined && (p.op === ":-" || p.op === "-" || p.op === ":=" || p.op === "=")) {
      value += p.arg ?? "";
      why.push(`assumes ${p.raw} takes its default`);
      continue;
    }
    value += p.raw;
    why.push(`${p.make ? "make variable" : "variable"} ${short(p.raw)} is not known here`);
  }
  return why.length ? { value, uncertain: why.join("; ") } : { value };
}

function short(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + "…" : s;
}

/** True when the word is nothing but one expansion, unquoted (`$OPTS`): the shell splits it into
 *  an unknown number of arguments. */
export function isBareExpansion(w: Word): boolean {
  return !w.quoted && w.parts.length === 1 && w.parts[0]!.kind !== "lit";
}
