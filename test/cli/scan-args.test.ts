/**
 * The scan fast path (src/cli/scan-args.ts) must hand the scan exactly what commander would, or
 * step aside. Each command line is parsed by both: commander's scan action is replaced by one
 * that records (path, options), so the two results can be compared field by field.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { program } from "../../src/cli/program.js";
import { parseScanFast } from "../../src/cli/scan-args.js";

async function viaCommander(argv: string[]): Promise<{ path: string; flags: Record<string, unknown> } | "error"> {
  const p = program();
  p.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const scan = p.commands.find((c) => c.name() === "scan")!;
  scan.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let got: { path: string; flags: Record<string, unknown> } | undefined;
  scan.action((path: string, opts: Record<string, unknown>) => {
    got = { path, flags: { ...opts } };
  });
  try {
    await p.parseAsync(argv, { from: "user" });
  } catch {
    return "error";
  }
  return got!;
}

// Well-formed lines: the fast path takes them, and its result equals commander's.
const ACCEPTED: string[][] = [
  ["scan"],
  ["scan", "compose.yml"],
  ["scan", "-f", "json", "repo"],
  ["scan", "repo", "--format", "sarif", "-o", "out.sarif"],
  ["scan", "--fail-on", "critical", "--exit-zero", "x.yaml"],
  ["scan", "-e", "a/**", "--exclude", "b", "-p", "policy.yaml", "--policy", "other.yaml"],
  ["scan", "--max-file-size", "1MiB", "--include-docs", "--color"],
  ["scan", "--color", "--no-color", "."],
  ["scan", "--no-color", "--color"],
  ["scan", "-f", "markdown", "--output", "r.md", "dir"],
];

for (const argv of ACCEPTED) {
  test(`fast path equals commander: ${argv.join(" ")}`, async () => {
    const fast = parseScanFast(argv);
    assert.ok(fast, "the fast path should take this line");
    const slow = await viaCommander(argv);
    assert.notEqual(slow, "error");
    assert.deepEqual(fast, slow);
  });
}

// Anything else goes to commander (help, errors, unusual forms): the fast path steps aside.
const DECLINED: string[][] = [
  ["scan", "--no-such-flag"],
  ["scan", "--format", "xml"],
  ["scan", "--fail-on", "severe"],
  ["scan", "-f"],
  ["scan", "--help"],
  ["scan", "-h"],
  ["scan", "a", "b"],
  ["scan", "--format=json"],
  ["scan", "-fjson"],
  ["scan", "--", "-weird-name"],
  ["scan", "-o", "-x"],
  ["audit"],
  ["--version"],
  [],
];

for (const argv of DECLINED) {
  test(`fast path declines: ${argv.join(" ") || "(empty)"}`, () => {
    assert.equal(parseScanFast(argv), undefined);
  });
}
