/** Test helpers for the Compose door: a SourceContext over the fixture tree (the scan root). */
import { readFileSync, existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import assert from "node:assert/strict";
import type { SourceContext, ExtractResult } from "../../../src/sources/types.js";
import type { Workload } from "../../../src/model/workload.js";
import { composeSource } from "../../../src/sources/compose/index.js";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/compose/", import.meta.url));

/** Reads root-relative files below `root`; `detected` are the files the scan reports on its own. */
export function fixtureContext(root = FIXTURES, detected: readonly string[] = []): SourceContext {
  return {
    readFile(rel: string) {
      if (rel.startsWith("/") || rel.split("/").includes("..")) return undefined;
      const abs = join(root, rel);
      return existsSync(abs) && statSync(abs).isFile() ? readFileSync(abs, "utf8") : undefined;
    },
    exists: (rel: string) => detected.includes(rel),
  };
}

export function extractFixture(rel: string, detected: readonly string[] = []): ExtractResult {
  const text = readFileSync(join(FIXTURES, rel), "utf8");
  return composeSource.extract({ path: rel, text }, fixtureContext(FIXTURES, detected));
}

/** Extract text written in the test (path is where it pretends to live). */
export function extractText(text: string, path = "docker-compose.yml", files: Record<string, string> = {}): ExtractResult {
  const ctx: SourceContext = { readFile: (p) => files[p], exists: () => false };
  return composeSource.extract({ path, text }, ctx);
}

export function service(ws: Workload[], name: string): Workload {
  const w = ws.find((x) => x.source.object === `service ${name}`);
  assert.ok(w, `no workload for service ${name}; have ${ws.map((x) => x.source.object).join(", ")}`);
  return w;
}

/** Compact view of a position for assertions. */
export function at(p: { line: number; column: number; file?: string } | undefined): string | undefined {
  return p ? `${p.file ? p.file + ":" : ""}${p.line}:${p.column}` : undefined;
}
