import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { SourceContext, SourceFile } from "../../../src/sources/types.js";

export const FIX = fileURLToPath(new URL("../../fixtures/", import.meta.url));

/** A fixture tree as the scan would hand it: root-relative paths, a context reading the same root. */
export function tree(root: string): { file(rel: string): SourceFile; ctx: SourceContext } {
  const abs = join(FIX, root);
  return {
    file: (rel) => ({ path: rel, text: readFileSync(join(abs, rel), "utf8") }),
    ctx: {
      readFile: (rel) => (existsSync(join(abs, rel)) ? readFileSync(join(abs, rel), "utf8") : undefined),
      exists: (rel) => existsSync(join(abs, rel)),
    },
  };
}
