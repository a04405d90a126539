import type { ExtractResult, Source, SourceContext, SourceFile } from "../types.js";
import { parseYamlDocuments, toY, YamlBudgetError, type YValue } from "../yamldoc.js";
import { parseHclFile } from "../terraform/index.js";
import { labeled } from "../terraform/hnode.js";
import { TfVars } from "../terraform/resolve.js";
import { hclCfg, yCfg, type Cfg } from "./cfg.js";
import { dockerTaskWorkload, taskDriver } from "./map.js";

/**
 * Nomad job files: HCL (`job "x" { group "g" { task "t" { driver = "docker" config { … } } } }`)
 * and the JSON API form (`{"Job": {"TaskGroups": [{"Tasks": [{"Driver": "docker", "Config": …}]}]}}`).
 * HCL goes through the same real HCL parser as Terraform; JSON through the YAML reader for positions.
 */

const JOB_HCL = /^\s*job\s+"[^"]*"\s*\{/m;
const MAX_JSON_BYTES = 10 * 1024 * 1024;

export function isNomadHcl(file: SourceFile): boolean {
  if (/\.nomad(\.hcl)?$/i.test(file.path)) return true;
  return /\.hcl$/i.test(file.path) && JOB_HCL.test(file.text.slice(0, 65536));
}

export function isNomadJson(file: SourceFile): boolean {
  return /\.json$/i.test(file.path) && /"TaskGroups"\s*:/.test(file.text.slice(0, 65536)) && /"Tasks"\s*:/.test(file.text);
}

export function extractNomadHcl(file: SourceFile): ExtractResult {
  const out: ExtractResult = { workloads: [], errors: [] };
  const body = parseHclFile(file, out.errors);
  if (!body) return out;
  const vars = TfVars.fromBodies(body);
  for (const job of labeled(body, "job", 1)) {
    for (const group of labeled(job.h, "group", 1)) {
      for (const task of labeled(group.h, "task", 1)) {
        const tc = hclCfg(task.h, vars);
        if (taskDriver(tc) !== "docker") continue;
        out.workloads.push(dockerTaskWorkload({ job: job.labels[0]!, group: group.labels[0]!, task: task.labels[0]!, file: file.path }, hclCfg(group.h, vars), tc));
      }
    }
  }
  return out;
}

export function extractNomadJson(file: SourceFile): ExtractResult {
  const out: ExtractResult = { workloads: [], errors: [] };
  if (file.text.length > MAX_JSON_BYTES) {
    out.errors.push({ file: file.path, message: `file is over ${MAX_JSON_BYTES / 1048576} MB; not scanned` });
    return out;
  }
  const docs = parseYamlDocuments(file.text);
  const d = docs[0];
  if (!d) return out;
  if (d.errors.length > 0) {
    for (const e of d.errors.slice(0, 3)) out.errors.push({ file: file.path, line: e.line, message: `invalid JSON at line ${e.line}: ${e.message}` });
    return out;
  }
  let root: YValue | undefined;
  try {
    root = toY(d.doc, d.doc.contents, d.lineCounter, { file: undefined });
  } catch (e) {
    out.errors.push({ file: file.path, message: e instanceof YamlBudgetError ? e.message : `not scanned: ${(e as Error).message}` });
    return out;
  }
  const top = yCfg(root);
  const job = top.objects("Job")[0] ?? top;
  const jobName = (job.get("ID") ?? job.get("Name"))?.str()?.value ?? "(unnamed)";
  for (const group of job.objects("TaskGroups")) {
    const gName = group.get("Name")?.str()?.value ?? "(unnamed)";
    for (const task of group.objects("Tasks")) {
      if (taskDriver(task) !== "docker") continue;
      const tName = task.get("Name")?.str()?.value ?? "(unnamed)";
      out.workloads.push(dockerTaskWorkload({ job: jobName, group: gName, task: tName, file: file.path }, group, task));
    }
  }
  return out;
}


export const nomadSource: Source = {
  id: "nomad",
  detect(file: SourceFile): boolean {
    return isNomadHcl(file) || isNomadJson(file);
  },
  extract(file: SourceFile, _ctx: SourceContext): ExtractResult {
    try {
      if (isNomadJson(file)) return extractNomadJson(file);
      return extractNomadHcl(file);
    } catch (e) {
      return { workloads: [], errors: [{ file: file.path, message: `Nomad job not scanned: ${(e as Error).message}` }] };
    }
  },
};
