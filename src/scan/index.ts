import { statSync } from "node:fs";
import type { Finding, ScanError } from "../model/finding.js";
import type { Workload } from "../model/workload.js";
import type { Report } from "../model/report.js";
import type { Severity } from "../model/severity.js";
import type { Policy } from "../policy/types.js";
import type { DaemonEndpoint, Source, SourceFile } from "../sources/types.js";
import { evaluate, reasonlessSuppressionFinding, suppress, sortFindings } from "../rules/evaluate.js";
import { parseInlineSuppressions, findInlineSuppression, type InlineSuppression } from "../policy/inline.js";
import { loadPolicy } from "../policy/load.js";
import { walkTree, WalkRootError } from "./walk.js";
import { readTextFile, readTextFileSync, DEFAULT_MAX_FILE_BYTES } from "./readfile.js";
import { makeSourceContext } from "./context.js";
import { singleFileTarget } from "./target.js";
import { entriesFor } from "../sources/index.js";
import { summarize } from "../report/summary.js";
import { TOOL } from "../version.js";

export interface ScanOptions {
  /** An already loaded policy (the library use); otherwise `policyFile` or discovery from the root. */
  policy?: Policy;
  policyFile?: string;
  exclude?: string[];
  /** Per-file size limit in bytes (default 5 MiB). */
  maxFileBytes?: number;
  includeDocs?: boolean;
  failOn?: Severity;
  now?: Date;
  /** Read files this many at a time (default 32). */
  concurrency?: number;
}

export { WalkRootError, DEFAULT_MAX_FILE_BYTES };

/** Scan a repository (or one file) for runtime-socket exposure. Never throws for a bad file:
 *  per-file problems are `errors` in the report. Throws `WalkRootError` when the root itself
 *  cannot be read and `PolicyError` for an invalid policy (both usage errors: exit 2). */
export async function scan(root: string, opts: ScanOptions = {}): Promise<Report> {
  const policy = opts.policy ?? loadPolicy({ file: opts.policyFile, root });
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const entries = entriesFor({ includeDocs: opts.includeDocs === true });

  // A single file is a tree of one.
  let walkRoot = root;
  let only: string | undefined;
  // Synchronous stat and, for one file, a synchronous read: a one-file scan (a pre-commit hook)
  // then never loads node:fs/promises, which costs more than the scan of a small file.
  let st;
  try {
    st = statSync(root);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new WalkRootError(`cannot read ${root}: ${err.code === "ENOENT" ? "no such file or directory" : err.message}`);
  }
  if (st.isFile()) ({ walkRoot, only } = singleFileTarget(root));
  const walked = only
    ? { files: [{ path: only, abs: root }], errors: [] as ScanError[] }
    : await walkTree(walkRoot, { exclude: opts.exclude });

  const errors: ScanError[] = [...walked.errors];
  const workloads: Workload[] = [];
  const endpoints: DaemonEndpoint[] = [];
  const texts = new Map<string, string | undefined>();
  const ctx = makeSourceContext(walkRoot, maxBytes, texts);
  const withSuppressions = new Map<string, InlineSuppression[]>();
  let filesScanned = 0;

  const handle = (path: string, text: string, candidates: Source[]) => {
    const file: SourceFile = { path, text };
    for (const src of candidates) {
      if (!src.detect(file)) continue;
      filesScanned++;
      let res;
      try {
        res = src.extract(file, ctx);
      } catch (e) {
        // Sources must not throw; if one does, the file is an error and the scan goes on.
        errors.push({ file: path, message: `internal error while reading this file as ${src.id}: ${(e as Error).message}` });
        break;
      }
      workloads.push(...res.workloads);
      if (res.endpoints) endpoints.push(...res.endpoints);
      errors.push(...res.errors);
      if (text.includes("sockwarden:ignore")) withSuppressions.set(path, parseInlineSuppressions(text));
      break; // one format per file: sources are ordered from the most specific
    }
  };

  // Which formats may want which files (by name only), then load just those formats' modules.
  const plan: { entry: (typeof walked.files)[number]; wanted: number[] }[] = [];
  const needed = new Set<number>();
  for (const entry of walked.files) {
    const wanted: number[] = [];
    entries.forEach((e, i) => {
      if (e.mayWant(entry.path)) wanted.push(i);
    });
    if (wanted.length === 0) continue;
    wanted.forEach((i) => needed.add(i));
    plan.push({ entry, wanted });
  }
  const loaded = new Map<number, readonly Source[]>();
  await Promise.all([...needed].map(async (i) => loaded.set(i, await entries[i]!.load())));

  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const { entry, wanted } = plan[next++]!;
      const candidates = wanted.flatMap((i) => loaded.get(i) ?? []);
      // The name says it is ours (a compose.yml, a .tf): a binary or broken file is reported.
      const interesting = wanted.some((i) => entries[i]!.id !== "shell" && entries[i]!.id !== "daemon");
      const readOpts = { maxFileBytes: maxBytes, expectText: interesting };
      const r = only ? readTextFileSync(entry.abs, readOpts) : await readTextFile(entry.abs, readOpts);
      if ("skipped" in r) continue;
      if ("error" in r) {
        errors.push(r.line !== undefined ? { file: entry.path, line: r.line, message: r.error } : { file: entry.path, message: r.error });
        continue;
      }
      handle(entry.path, r.text, candidates);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 32 }, worker));

  let findings = evaluate({ workloads, endpoints }, policy, { now: opts.now });
  findings = applyInlineSuppressions(findings, withSuppressions, policy);
  const report: Report = {
    version: 1,
    tool: { ...TOOL },
    kind: "scan",
    target: root,
    findings,
    errors: errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0))),
    summary: summarize(findings, errors, opts.failOn ?? "high"),
  };
  report.summary.filesScanned = filesScanned;
  return report;
}

/** `# sockwarden:ignore <concern> -- <reason>` on the finding's line or the line above.
 *  A comment without a reason suppresses nothing and is a `policy` finding itself. */
export function applyInlineSuppressions(findings: Finding[], byFile: Map<string, InlineSuppression[]>, policy: Policy): Finding[] {
  if (byFile.size === 0) return findings;
  const reasonless = new Map<string, Finding>();
  for (const f of findings) {
    if (f.suppressed || !f.location.file || f.location.line === undefined) continue;
    const list = byFile.get(f.location.file);
    if (!list) continue;
    const s = findInlineSuppression(list, f.location.line, f.concern);
    if (!s) continue;
    if (s.reason) suppress(f, { kind: "inline", reason: s.reason, source: `${f.location.file}:${s.commentLine}` });
  }
  if ((policy.rules.policy ?? "deny") !== "off") {
    for (const [file, list] of byFile) {
      for (const s of list) {
        if (s.reason) continue;
        const key = `${file}:${s.commentLine}`;
        if (!reasonless.has(key)) reasonless.set(key, reasonlessSuppressionFinding(file, s.commentLine, s.concerns, policy));
      }
    }
  }
  return reasonless.size ? sortFindings([...findings, ...reasonless.values()]) : findings;
}
