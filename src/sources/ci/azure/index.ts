/**
 * Azure Pipelines (`azure-pipelines*.yml`, `.azure-pipelines/**.yml`): container resources and
 * job `container:`/`services:` (image, `options:` through the shared docker parser, `volumes`),
 * and `script:`/`bash:` steps through the shell scanner.
 */
import { emptyWorkload, type Workload } from "../../../model/workload.js";
import { located } from "../../../model/location.js";
import type { Source, SourceFile } from "../../types.js";
import { yget, ystr, type YValue } from "../../yamldoc.js";
import { applyOptions, applyVolumeList, envHostEndpoints, guarded, isStr, shellInScalar, varsOf, yamlDocs, type Collector, type Vars } from "../common.js";

export function isAzurePath(path: string): boolean {
  const b = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  return (/^azure-pipelines.*\.ya?ml$/.test(b) || /(^|\/)\.azure-pipelines\/.*\.ya?ml$/i.test(path));
}

const MAX_DEPTH = 40;

function containerWorkload(c: Collector, node: YValue, object: string, vars: Vars): Workload | undefined {
  const w = emptyWorkload({ door: "ci", file: c.file.path, ...(node.pos ? { at: node.pos } : {}), object }, "job");
  if (isStr(node)) return undefined; // a reference to a resource alias or a bare image: nothing more known
  const img = yget(node, "image");
  if (!isStr(img)) return undefined;
  w.image = located(img.value, img.pos);
  applyOptions(c, yget(node, "options"), w, vars);
  applyVolumeList(yget(node, "volumes"), w, vars);
  return w;
}

function walk(c: Collector, v: YValue, path: string, vars: Vars, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (v.kind === "seq") {
    v.items.forEach((it, i) => walk(c, it, `${path}[${i}]`, vars, depth + 1));
    return;
  }
  if (v.kind !== "map") return;
  const localVars = varsOf(yget(v, "variables"), `${path} variables`, vars);
  envHostEndpoints(c, yget(v, "variables"), localVars, `${path || "pipeline"} variables`);
  for (const key of ["script", "bash"]) {
    const s = yget(v, key);
    if (s) {
      const name = ystr(yget(v, "displayName")) ?? ystr(yget(v, "name")) ?? path;
      shellInScalar(c, s, { objectPrefix: `step ${name}: `, vars: varsOf(yget(v, "env"), "step env", localVars) });
    }
  }
  const cont = yget(v, "container");
  if (cont?.kind === "map" && path !== "resources.containers") {
    const w = containerWorkload(c, cont, `${ystr(yget(v, "job")) ? `job ${ystr(yget(v, "job"))} ` : ""}container`, localVars);
    if (w) c.workloads.push(w);
  }
  const services = yget(v, "services");
  if (services?.kind === "map") {
    for (const [name, s] of services.entries) {
      const w = containerWorkload(c, s, `service ${name}`, localVars);
      if (w) c.workloads.push(w);
    }
  }
  for (const [k, child] of v.entries) {
    if (k === "script" || k === "bash" || k === "container" || k === "services") continue;
    if (k === "containers" && path === "resources") {
      if (child.kind === "seq") {
        for (const it of child.items) {
          const w = containerWorkload(c, it, `container resource ${ystr(yget(it, "container")) ?? "?"}`, localVars);
          if (w) c.workloads.push(w);
        }
      }
      continue;
    }
    walk(c, child, path ? `${path}.${k}` : k, localVars, depth + 1);
  }
}

function extract(c: Collector): void {
  for (const doc of yamlDocs(c)) walk(c, doc, "", new Map(), 0);
}

export const azurePipelinesSource: Source = {
  id: "azure-pipelines",
  detect: (f: SourceFile) => isAzurePath(f.path),
  extract: (f) => guarded(f, extract),
};
