import type { ExtractResult, Source, SourceContext, SourceFile } from "../types.js";
import { parseYamlDocuments, toY, YamlBudgetError, type YValue } from "../yamldoc.js";
import { dockerContainerTask, MODULES } from "./map.js";

/**
 * Ansible playbooks, role task files and handlers: any YAML whose documents are lists of plays or
 * tasks that use the docker_container module. Detected by content, since playbooks have no
 * fixed name. Tasks nest through `block:`/`rescue:`/`always:`; plays hold `tasks`, `pre_tasks`,
 * `post_tasks` and `handlers`.
 */

const SNIFF = /^[ \t-]*(community\.(docker|general)\.)?docker_(container|swarm_service)[ \t]*:/m;
const TASK_LISTS = ["tasks", "pre_tasks", "post_tasks", "handlers", "block", "rescue", "always"];
const MAX_DEPTH = 50;

export function isAnsibleDockerFile(file: SourceFile): boolean {
  return /\.ya?ml$/i.test(file.path) && SNIFF.test(file.text);
}

export function extractAnsible(file: SourceFile): ExtractResult {
  const out: ExtractResult = { workloads: [], errors: [] };
  for (const d of parseYamlDocuments(file.text, { version: "1.1" })) {
    if (d.errors.length > 0) {
      const e = d.errors[0]!;
      out.errors.push({ file: file.path, line: e.line, message: `invalid YAML at line ${e.line}: ${e.message}` });
      continue;
    }
    let root: YValue | undefined;
    try {
      root = toY(d.doc, d.doc.contents, d.lineCounter);
    } catch (e) {
      out.errors.push({ file: file.path, message: e instanceof YamlBudgetError ? e.message : `not scanned: ${(e as Error).message}` });
      continue;
    }
    if (root?.kind !== "seq") continue; // a vars file or an inventory: not tasks
    walkTasks(root.items, file.path, out, 0);
  }
  return out;
}

function walkTasks(items: YValue[], file: string, out: ExtractResult, depth: number): void {
  if (depth > MAX_DEPTH) {
    out.errors.push({ file, message: `tasks nested deeper than ${MAX_DEPTH} levels; the rest not scanned` });
    return;
  }
  for (const it of items) {
    if (it.kind !== "map") continue;
    for (const [k, v] of it.entries) {
      if (MODULES.has(k)) {
        if (v.kind === "map") out.workloads.push(dockerContainerTask(it, k, file));
        else if (v.kind === "scalar" && typeof v.value === "string" && v.value.trim() !== "") {
          // `docker_container: name=x image=y …` (free-form k=v): rare and unsafe to guess; say so.
          out.errors.push({ file, line: v.pos?.line, kind: "notice", message: `\`${k}\` with free-form arguments is not read; write its options as a map` });
        }
      } else if (TASK_LISTS.includes(k) && v.kind === "seq") {
        walkTasks(v.items, file, out, depth + 1);
      }
    }
  }
}

export const ansibleSource: Source = {
  id: "ansible",
  detect: isAnsibleDockerFile,
  extract(file: SourceFile, _ctx: SourceContext): ExtractResult {
    try {
      return extractAnsible(file);
    } catch (e) {
      return { workloads: [], errors: [{ file: file.path, message: `Ansible file not scanned: ${(e as Error).message}` }] };
    }
  },
};
