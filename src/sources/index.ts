import type { Source } from "./types.js";

/**
 * The registry of file formats, most specific first: a file is read by the first source whose
 * `detect` accepts it. Path-based formats (Helm chart templates, CI configs, daemon config) come
 * before content-sniffed YAML (Ansible, Kubernetes, Compose); shell last. `docs` sources run
 * only with --include-docs.
 *
 * Each format's module is loaded only when the tree has a file it may want (`mayWant`, a
 * conservative test on the name: it only says "no" where the format's own `detect` could never
 * say yes). A pre-commit hook scanning one compose file then never loads the HCL parser glue,
 * the shell parser or the daemon-config readers: start-up is most of such a run.
 */
export interface SourceEntry {
  id: string;
  docs?: boolean;
  mayWant(path: string): boolean;
  load(): Promise<readonly Source[]>;
}

const base = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const YAML = /\.(ya?ml)$/i;
const YAML_JSON = /\.(ya?ml|json)$/i;

export const ENTRIES: readonly SourceEntry[] = [
  // Helm chart templates live under <chart>/templates/ (detect also needs `{{` in the text).
  { id: "helm", mayWant: (p) => /(^|\/)templates\//.test(p), load: async () => [(await import("./helm/index.js")).helmSource] },
  {
    id: "ci",
    // Workflows and pipelines are YAML; Jenkinsfiles and shared-library vars/*.groovy; GitLab Runner config.toml.
    mayWant: (p) => YAML_JSON.test(p) || /jenkins/i.test(base(p)) || /\.groovy$/i.test(p) || /\.toml$/i.test(p),
    load: async () => (await import("./ci/index.js")).CI_SOURCES,
  },
  {
    id: "daemon",
    mayWant: (p) => /\.(json|toml|service|socket|conf)$/i.test(p) || /(^|\/)(default|sysconfig)\/docker$/.test(p),
    load: async () => [(await import("./daemon/index.js")).daemonConfigSource],
  },
  { id: "terraform", mayWant: (p) => /\.tf(\.json)?$/i.test(p), load: async () => [(await import("./terraform/index.js")).terraformSource] },
  { id: "nomad", mayWant: (p) => /\.(nomad|hcl|json)$/i.test(p), load: async () => [(await import("./nomad/index.js")).nomadSource] },
  { id: "ansible", mayWant: (p) => YAML.test(p), load: async () => [(await import("./ansible/index.js")).ansibleSource] },
  { id: "kubernetes", mayWant: (p) => YAML_JSON.test(p), load: async () => [(await import("./kubernetes/index.js")).kubernetesSource] },
  { id: "compose", mayWant: (p) => YAML_JSON.test(p), load: async () => [(await import("./compose/index.js")).composeSource] },
  {
    id: "shell",
    // Scripts by extension, Makefiles, Dockerfiles, and extension-less files (a shebang decides).
    mayWant: (p) => {
      const b = base(p).toLowerCase();
      return !b.includes(".") || /\.(sh|bash|zsh|ksh|mk|in|cgi|dockerfile|containerfile)$/.test(b) || /^(gnu)?makefile/.test(b) || /^(docker|container)file/.test(b);
    },
    load: async () => [(await import("./shell/index.js")).shellSource],
  },
  { id: "docs", docs: true, mayWant: (p) => /\.(md|mdx|markdown)$/i.test(p), load: async () => [(await import("./docs/index.js")).docsSource] },
];

export function entriesFor(opts: { includeDocs: boolean }): SourceEntry[] {
  return ENTRIES.filter((e) => !e.docs || opts.includeDocs);
}

/** Every source, loaded (for tests and the library). */
export async function allSources(opts: { includeDocs?: boolean } = {}): Promise<Source[]> {
  const out: Source[] = [];
  for (const e of entriesFor({ includeDocs: opts.includeDocs ?? true })) out.push(...(await e.load()));
  return out;
}
