/** Test helpers for the IaC doors: read fixtures, a SourceContext over a directory. */
import { readFileSync, existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { SourceContext, ExtractResult, Source } from "../../../src/sources/types.js";
import type { Workload } from "../../../src/model/workload.js";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
export const PEER = fileURLToPath(new URL("../../../../shared/peer-suites/", import.meta.url));

export function dirContext(root: string): SourceContext {
  return {
    readFile(rel: string) {
      if (rel.startsWith("/") || rel.split("/").includes("..")) return undefined;
      const abs = join(root, rel);
      return existsSync(abs) && statSync(abs).isFile() ? readFileSync(abs, "utf8") : undefined;
    },
    exists: (rel: string) => existsSync(join(root, rel)),
  };
}

export const noFiles: SourceContext = { readFile: () => undefined, exists: () => false };

/** Extract a fixture `test/fixtures/<rel>` with the fixtures folder as the scan root. */
export function extractFixture(source: Source, rel: string): ExtractResult {
  const text = readFileSync(join(FIXTURES, rel), "utf8");
  return source.extract({ path: rel, text }, dirContext(FIXTURES));
}

export function byObject(ws: Workload[], object: string): Workload {
  const w = ws.find((x) => x.source.object === object);
  if (!w) throw new Error(`no workload ${object}; have: ${ws.map((x) => x.source.object).join(", ")}`);
  return w;
}
