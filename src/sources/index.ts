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
// A superset of the path tests of the path-detected YAML CI sources (each source's own detect
// decides; this only has to never say no where one of them says yes — test/scan/source-entries).
const CI_YAML_PATH = /(\.github\/workflows\/|(^|\/)action\.ya?ml$|gitlab-ci|(^|\/)\.drone\.|(^|\/)\.circleci\/|bitbucket-pipelines|azure-pipelines)/i;
const TEKTON_ID = "tekton-argo";

export const ENTRIES: readonly SourceEntry[] = [
  // Helm chart templates live under <chart>/templates/ (detect also needs `{{` in the text).
  { id: "helm", mayWant: (p) => /(^|\/)templates\//.test(p), load: async () => [(await import("./helm/index.js")).helmSource] },
  {
    id: "ci",
    // The CI systems known by their file's path: GitHub workflows and actions, GitLab CI, Drone,
    // CircleCI, Bitbucket, Azure Pipelines (YAML at fixed names), Jenkinsfiles and shared-library
    // vars/*.groovy, GitLab Runner config.toml. Content-sniffed Tekton/Argo is its own entry just
    // below, so a plain compose.yml or manifest does not load every CI reader.
    mayWant: (p) =>
      (YAML.test(p) && CI_YAML_PATH.test(p)) || /jenkins/i.test(base(p)) || /\.groovy$/i.test(p) || /\.toml$/i.test(p),
    load: async () => (await import("./ci/index.js")).CI_SOURCES.filter((s) => s.id !== TEKTON_ID),
  },
  // Same place in the order as inside CI_SOURCES (last of the CI sources, before daemon config).
  { id: "tekton", mayWant: (p) => YAML_JSON.test(p), load: async () => [(await import("./ci/tekton/index.js")).tektonArgoSource] },
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
