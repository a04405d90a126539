import type { Source } from "./types.js";
import { kubernetesSource } from "./kubernetes/index.js";

/**
 * The registry of file formats, most specific first: a file is read by the first source whose
 * `detect` accepts it (path-based CI formats and Helm templates before content-sniffed
 * Kubernetes/Compose YAML). `docs` sources run only with --include-docs.
 */
const ALL: { source: Source; docs?: boolean }[] = [
  { source: kubernetesSource },
];

export function sourcesFor(opts: { includeDocs: boolean }): Source[] {
  return ALL.filter((r) => !r.docs || opts.includeDocs).map((r) => r.source);
}

export function allSources(): Source[] {
  return ALL.map((r) => r.source);
}
