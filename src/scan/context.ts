import { realpathSync, statSync } from "node:fs";
import { readTextFileSync } from "./readfile.js";
import { resolve, sep, posix } from "node:path";
import type { SourceContext } from "../sources/types.js";

/** Root-bounded file access for sources (compose `extends`/`include`/`.env`, Helm values):
 *  never outside the root, never through a symlink that leaves it, never a huge file. */
export function makeSourceContext(root: string, maxBytes: number, cache: Map<string, string | undefined>): SourceContext {
  const realRoot = realpathSync(root);
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  const locate = (rel: string): string | undefined => {
    const clean = posix.normalize(rel.replace(/\\/g, "/"));
    if (clean.startsWith("../") || clean === ".." || posix.isAbsolute(clean)) return undefined;
    try {
      const real = realpathSync(resolve(realRoot, clean));
      return inside(real) ? real : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    root: realRoot,
    readFile(rel) {
      if (cache.has(rel)) return cache.get(rel);
      let text: string | undefined;
      const abs = locate(rel);
      if (abs) {
        const r = readTextFileSync(abs, { maxFileBytes: maxBytes, expectText: true });
        if ("text" in r) text = r.text;
      }
      cache.set(rel, text);
      return text;
    },
    exists(rel) {
      const abs = locate(rel);
      if (!abs) return false;
      try {
        return statSync(abs).isFile();
      } catch {
        return false;
      }
    },
  };
}
