/**
 * Documentation (opt-in with `--include-docs`): fenced code blocks in Markdown whose commands or
 * YAML would expose the socket — readers copy them. Shell/console blocks go through the shell
 * scanner; YAML blocks through the Compose, Kubernetes or GitHub Actions source; Dockerfile blocks
 * through the shell source. Every block is handed over padded with blank lines, so positions are
 * the Markdown file's own. Prose is never read; a snippet that does not parse is a notice, not an
 * error (docs are full of fragments with `...`).
 */
import type { ScanError } from "../../model/finding.js";
import type { Workload } from "../../model/workload.js";
import type { DaemonEndpoint, ExtractResult, Source, SourceContext, SourceFile } from "../types.js";
import { scanShell } from "../dockerargs/scan.js";
import { makefileRecipes } from "../shell/makefile.js";
import { dockerfileRuns } from "../shell/dockerfile.js";
import { composeSource } from "../compose/index.js";
import { kubernetesSource } from "../kubernetes/index.js";
import { githubActionsSource } from "../ci/github/index.js";
import { consoleToShell, fencedBlocks, type Fence } from "./fences.js";

const SHELL_LANGS = new Set(["sh", "bash", "shell", "zsh", "ksh", "ash", "dash", "shellscript", "shell-script"]);
const CONSOLE_LANGS = new Set(["console", "shell-session", "shellsession", "terminal", "sh-session", "bash-session", "session"]);
const YAML_LANGS = new Set(["yaml", "yml"]);

export function isMarkdownPath(path: string): boolean {
  return /\.(md|markdown|mdx|mdown|mkd)$/i.test(path);
}

export interface DocsSourceOptions {
  /** YAML readers by kind; defaults to the Compose, Kubernetes and GitHub Actions sources. */
  compose?: Source;
  kubernetes?: Source;
  githubActions?: Source;
}

export function createDocsSource(opts: DocsSourceOptions = {}): Source {
  const yaml = {
    compose: opts.compose ?? composeSource,
    kubernetes: opts.kubernetes ?? kubernetesSource,
    github: opts.githubActions ?? githubActionsSource,
  };
  return {
    id: "docs",
    detect: (f: SourceFile) => isMarkdownPath(f.path),
    extract: (f, ctx) => extractDocs(f, ctx, yaml),
  };
}

function pad(f: Fence, lines: string[]): string {
  return "\n".repeat(f.startLine - 1) + lines.join("\n");
}

function extractDocs(file: SourceFile, ctx: SourceContext, yaml: { compose: Source; kubernetes: Source; github: Source }): ExtractResult {
  const workloads: Workload[] = [];
  const endpoints: DaemonEndpoint[] = [];
  const errors: ScanError[] = [];
  let fences: Fence[];
  try {
    fences = fencedBlocks(file.text);
  } catch (e) {
    return { workloads, errors: [{ file: file.path, message: `Markdown could not be read: ${(e as Error).message}` }] };
  }
  for (const f of fences) {
    const prefix = `code block (line ${f.startLine - 1}): `;
    try {
      let lang = f.lang;
      if (lang === "") lang = f.lines.some((l) => /^\s*\$\s/.test(l)) ? "console" : "sh";
      if (SHELL_LANGS.has(lang) || CONSOLE_LANGS.has(lang) || lang === "makefile" || lang === "make" || lang === "dockerfile" || lang === "docker" || lang === "containerfile") {
        let text = pad(f, CONSOLE_LANGS.has(lang) ? consoleToShell(f.lines) : f.lines);
        let outerVars;
        const make = lang === "makefile" || lang === "make";
        if (make) {
          const mk = makefileRecipes(text);
          text = mk.text;
          outerVars = mk.vars;
        } else if (lang === "dockerfile" || lang === "docker" || lang === "containerfile") {
          const df = dockerfileRuns(text);
          text = df.text;
          outerVars = df.vars;
        }
        if (!/docker|podman|nerdctl|DOCKER_HOST/.test(text)) continue;
        const r = scanShell(text, { door: "shell", file: file.path, objectPrefix: prefix, make, ...(outerVars ? { outerVars } : {}) });
        workloads.push(...r.workloads);
        endpoints.push(...r.endpoints);
        for (const d of r.diagnostics) errors.push({ file: file.path, line: d.line, message: `${prefix}${d.message}`, kind: "notice" });
        continue;
      }
      if (YAML_LANGS.has(lang)) {
        const body = f.lines.join("\n");
        let src: Source | undefined;
        if (/^\s*apiVersion\s*:/m.test(body) && /^\s*kind\s*:/m.test(body)) src = yaml.kubernetes;
        else if (/^\s*jobs\s*:/m.test(body) && /^\s*(runs-on|steps)\s*:/m.test(body)) src = yaml.github;
        else if (/^\s*services\s*:/m.test(body)) src = yaml.compose;
        if (!src) continue;
        const r = src.extract({ path: file.path, text: pad(f, f.lines) }, ctx);
        for (const w of r.workloads) w.source.object = prefix + w.source.object;
        workloads.push(...r.workloads);
        endpoints.push(...(r.endpoints ?? []));
        // A fragment that does not parse is expected in docs: say so, quietly.
        for (const e of r.errors) errors.push({ ...e, message: `${prefix}${e.message}`, kind: "notice" });
      }
    } catch (e) {
      errors.push({ file: file.path, line: f.startLine, message: `${prefix}could not be read: ${(e as Error).message}`, kind: "notice" });
    }
  }
  return { workloads, endpoints, errors };
}

/** The docs source with the default YAML readers. Register with `docs: true` (opt-in). */
export const docsSource: Source = createDocsSource();
