import type { Source } from "./types.js";
import { helmSource } from "./helm/index.js";
import { CI_SOURCES } from "./ci/index.js";
import { daemonConfigSource } from "./daemon/index.js";
import { terraformSource } from "./terraform/index.js";
import { nomadSource } from "./nomad/index.js";
import { ansibleSource } from "./ansible/index.js";
import { kubernetesSource } from "./kubernetes/index.js";
import { composeSource } from "./compose/index.js";
import { shellSource } from "./shell/index.js";
import { docsSource } from "./docs/index.js";

/**
 * The registry of file formats, most specific first: a file is read by the first source whose
 * `detect` accepts it. Path-based formats (Helm chart templates, CI configs, daemon config) come
 * before content-sniffed YAML (Ansible, Kubernetes, Compose); shell last. `docs` sources run
 * only with --include-docs.
 */
const ALL: { source: Source; docs?: boolean }[] = [
  { source: helmSource },
  ...CI_SOURCES.map((source) => ({ source })),
  { source: daemonConfigSource },
  { source: terraformSource },
  { source: nomadSource },
  { source: ansibleSource },
  { source: kubernetesSource },
  { source: composeSource },
  { source: shellSource },
  { source: docsSource, docs: true },
];

export function sourcesFor(opts: { includeDocs: boolean }): Source[] {
  return ALL.filter((r) => !r.docs || opts.includeDocs).map((r) => r.source);
}

export function allSources(): Source[] {
  return ALL.map((r) => r.source);
}
