import { isConcern } from "../model/concern.js";
import type { AnnotationSuppression, InlineSuppression } from "./types.js";

export type { AnnotationSuppression, InlineSuppression } from "./types.js";

/**
 * Inline suppressions written in the scanned files themselves:
 *
 *     - /var/run/docker.sock:/var/run/docker.sock   # sockwarden:ignore socket-mount -- traefik reads events
 *     # sockwarden:ignore privileged,devices -- GPU node agent, reviewed by sre
 *     privileged: true
 *     // sockwarden:ignore * -- Jenkinsfile test stage, throwaway VM
 *
 * Grammar (after `#` or `//`, spaces optional): `sockwarden:ignore <concerns> -- <reason>` where
 * `<concerns>` is a comma-separated list (spaces after commas allowed) of concern names, or `*` /
 * `all` for every concern. A `#` must start the line or follow whitespace (YAML and shell only
 * treat it as a comment then); `//` must not follow `:` (so `http://…` is never a comment).
 *
 * This runs over every scanned file (20,000 in the benchmark), so the common case is a single
 * `includes` on the whole text; lines are only split when the marker occurs at all.
 */
const MARKER = "sockwarden:ignore";

export function parseInlineSuppressions(text: string): InlineSuppression[] {
  if (!text.includes(MARKER)) return [];
  const lines = text.split("\n");
  const out: InlineSuppression[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const at = raw.indexOf(MARKER);
    if (at < 0) continue;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const start = commentStart(line, at);
    if (start < 0) continue; // the marker is not in a comment (e.g. prose or a string value)
    const trailing = line.slice(0, start).trim() !== "";
    const s = parseBody(line.slice(at + MARKER.length));
    const entry: InlineSuppression = {
      line: trailing ? i + 1 : nextCodeLine(lines, i) ?? i + 1,
      commentLine: i + 1,
      concerns: s.concerns,
    };
    const unknown = s.concerns.filter((c) => c !== "*" && !isConcern(c));
    if (unknown.length) {
      entry.unknownConcerns = unknown;
      s.problem ??= `unknown concern${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")}`;
    }
    // Only a well-formed comment carries a reason: a malformed one must never suppress, and the
    // engine reports every reasonless comment as a \`policy\` finding (with \`problem\` as the why).
    if (s.problem) entry.problem = s.problem;
    else if (s.reason !== undefined) entry.reason = s.reason;
    out.push(entry);
  }
  return out;
}

/**
 * The suppression for a finding of `concern` on `line`, if any. When several apply, one with a
 * reason is preferred (so a reasonless duplicate never hides a valid one); a returned entry
 * without `reason` must not suppress (the engine reports it as a `policy` finding).
 */
export function findInlineSuppression(list: readonly InlineSuppression[], line: number, concern: string): InlineSuppression | undefined {
  let fallback: InlineSuppression | undefined;
  for (const s of list) {
    if (s.line !== line) continue;
    if (!s.concerns.includes("*") && !s.concerns.includes(concern)) continue;
    if (s.reason !== undefined) return s;
    fallback ??= s;
  }
  return fallback;
}

/** Index where the comment holding the marker at `at` starts, or -1 when it is not in a comment. */
function commentStart(line: string, at: number): number {
  let j = at - 1;
  while (j >= 0 && (line[j] === " " || line[j] === "\t")) j--;
  if (j < 0) return -1;
  if (line[j] === "#") {
    let k = j;
    while (k > 0 && line[k - 1] === "#") k--;
    if (k > 0 && line[k - 1] !== " " && line[k - 1] !== "\t") return -1;
    return k;
  }
  if (line[j] === "/" && j > 0 && line[j - 1] === "/") {
    let k = j - 1;
    while (k > 0 && line[k - 1] === "/") k--;
    if (k > 0 && line[k - 1] === ":") return -1;
    return k;
  }
  return -1;
}

/** 1-based number of the first line after `i` that is neither blank nor a comment. */
function nextCodeLine(lines: string[], i: number): number | undefined {
  for (let j = i + 1; j < lines.length; j++) {
    const t = lines[j]!.trim();
    if (t === "" || t.startsWith("#") || t.startsWith("//")) continue;
    return j + 1;
  }
  return undefined;
}

interface Body {
  concerns: string[];
  reason?: string;
  problem?: string;
}

/** Parse what follows the marker: ` <concerns> -- <reason>`. */
function parseBody(rest: string): Body {
  if (rest !== "" && rest[0] !== " " && rest[0] !== "\t") {
    return { concerns: [], problem: `expected "sockwarden:ignore <concern> -- <reason>", got "${MARKER}${rest.trim()}"` };
  }
  const sep = rest.indexOf("--");
  const head = (sep < 0 ? rest : rest.slice(0, sep)).replace(/\s*,\s*/g, ",").trim();
  const reasonText = sep < 0 ? "" : rest.slice(sep + 2).trim();
  const b: Body = { concerns: [] };
  if (reasonText) b.reason = reasonText;
  const words = head.split(/\s+/).filter(Boolean);
  const names = (words[0] ?? "").split(",").map((c) => c.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) {
    b.problem = `no concern named (write "sockwarden:ignore <concern> -- <reason>", or "*" for every concern)`;
    return b;
  }
  b.concerns = names.some((c) => c === "*" || c === "all") ? ["*"] : [...new Set(names)];
  if (words.length > 1) {
    b.problem = `unexpected text "${words.slice(1).join(" ")}" after the concern list (the reason must follow " -- ")`;
  } else if (!b.reason) {
    b.problem = sep < 0 ? `no reason given (add " -- <reason>")` : `empty reason after " -- "`;
  }
  return b;
}

/**
 * Kubernetes annotation suppressions on an object:
 *   `sockwarden.io/ignore.<concern>: "<reason>"` (`sockwarden.io/ignore.all` for every concern), and
 *   `sockwarden.io/ignore: "<concerns>: <reason>"` where `<concerns>` is comma-separated and `-- `
 *   may be used instead of `:`; several entries may be given on separate lines.
 * An empty reason yields `reason: undefined` (the engine reports it instead of suppressing).
 * Concern names are lower-cased; `all`/`*` become `*`; unknown names are returned as written
 * (they match nothing; the engine may report them).
 */
const ANNOTATION = "sockwarden.io/ignore";

export function annotationSuppressions(annotations: Record<string, string> | undefined): AnnotationSuppression[] {
  const out: AnnotationSuppression[] = [];
  if (!annotations) return out;
  for (const [key, rawValue] of Object.entries(annotations)) {
    if (!key.startsWith(ANNOTATION)) continue;
    const value = typeof rawValue === "string" ? rawValue : "";
    if (key.length > ANNOTATION.length && key[ANNOTATION.length] === ".") {
      const name = normalizeName(key.slice(ANNOTATION.length + 1));
      if (!name) continue;
      push(out, name, value.trim(), key);
    } else if (key === ANNOTATION) {
      for (const entry of value.split("\n")) {
        const t = entry.trim();
        if (!t) continue;
        const m = /^([^:]*?)\s*(?::|\s--)\s*(.*)$/s.exec(t);
        const names = (m ? m[1]! : t).split(",").map(normalizeName).filter(Boolean);
        for (const name of new Set(names)) push(out, name, m ? m[2]!.trim() : "", key);
      }
    }
  }
  return out;
}

function normalizeName(s: string): string {
  const n = s.trim().toLowerCase();
  return n === "all" ? "*" : n;
}

function push(out: AnnotationSuppression[], concern: string, reason: string, key: string): void {
  out.push(reason ? { concern, reason, key } : { concern, key });
}
