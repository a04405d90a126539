/**
 * Bitbucket Pipelines (`bitbucket-pipelines.yml`): every step's `script` and `after-script`
 * lines through the shell scanner, wherever the step sits (default, branches, pull-requests,
 * tags, custom, parallel, stage). `services: [docker]` is Bitbucket's own managed daemon.
 */
import type { Source, SourceFile } from "../../types.js";
import { yget, ystr, type YValue } from "../../yamldoc.js";
import { guarded, yamlDocs, shellInScalar, type Collector } from "../common.js";

export function isBitbucketPath(path: string): boolean {
  return /(^|\/)bitbucket-pipelines\.ya?ml$/i.test(path);
}

const MAX_DEPTH = 40;

function walk(c: Collector, v: YValue, depth: number, counter: { n: number }): void {
  if (depth > MAX_DEPTH) return;
  if (v.kind === "seq") {
    for (const it of v.items) walk(c, it, depth + 1, counter);
    return;
  }
  if (v.kind !== "map") return;
  const step = yget(v, "step");
  if (step?.kind === "map") {
    counter.n++;
    const name = ystr(yget(step, "name")) ?? `#${counter.n}`;
    for (const key of ["script", "after-script"]) {
      const s = yget(step, key);
      if (s?.kind === "seq") for (const it of s.items) shellInScalar(c, it, { objectPrefix: `step ${name}: ` });
    }
    return;
  }
  for (const [, child] of v.entries) walk(c, child, depth + 1, counter);
}

function extract(c: Collector): void {
  for (const doc of yamlDocs(c)) {
    const counter = { n: 0 };
    const pipes = yget(doc, "pipelines");
    if (pipes) walk(c, pipes, 0, counter);
  }
}

export const bitbucketSource: Source = {
  id: "bitbucket-pipelines",
  detect: (f: SourceFile) => isBitbucketPath(f.path),
  extract: (f) => guarded(f, extract),
};
