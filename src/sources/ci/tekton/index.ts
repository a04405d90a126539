/**
 * Tekton (Task, ClusterTask, TaskRun, Pipeline, PipelineRun) and Argo Workflows (Workflow,
 * WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow): their pod-spec parts — steps,
 * sidecars, container/script templates, volumes with hostPath, pod templates — are assembled into
 * a pod spec and mapped by the shared Kubernetes mapping (`podSpecToWorkloads`); step scripts
 * (`script:`, Argo `script.source`) go through the shell scanner. Other Kubernetes objects in the
 * same file are mapped as the Kubernetes door would.
 */
import type { Workload } from "../../../model/workload.js";
import type { Source, SourceFile } from "../../types.js";
import { yget, ystr, type YMap, type YSeq, type YValue } from "../../yamldoc.js";
import { podSpecToWorkloads, workloadsFromObject } from "../../kubernetes/map.js";
import { guarded, shellInScalar, yamlDocs, type Collector } from "../common.js";

const TEKTON_KINDS = new Set(["Task", "ClusterTask", "TaskRun", "Pipeline", "PipelineRun"]);
const ARGO_KINDS = new Set(["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"]);

export function isTektonOrArgo(f: SourceFile): boolean {
  if (!/\.(ya?ml|json)$/i.test(f.path)) return false;
  const head = f.text.length > 1_000_000 ? f.text.slice(0, 1_000_000) : f.text;
  return (/apiVersion["']?\s*:\s*["']?tekton\.dev\//.test(head) && /kind["']?\s*:\s*["']?(Task|ClusterTask|TaskRun|Pipeline|PipelineRun)\b/.test(head)) ||
    (/apiVersion["']?\s*:\s*["']?argoproj\.io\//.test(head) && /kind["']?\s*:\s*["']?(Workflow|WorkflowTemplate|ClusterWorkflowTemplate|CronWorkflow)\b/.test(head));
}

function seq(items: YValue[]): YSeq {
  return { kind: "seq", items };
}
function map(entries: [string, YValue | undefined][], pos?: YMap["pos"]): YMap {
  const m: YMap = { kind: "map", entries: new Map(), keyPos: new Map(), ...(pos ? { pos } : {}) };
  for (const [k, v] of entries) if (v) m.entries.set(k, v);
  return m;
}
function items(v: YValue | undefined): YValue[] {
  return v?.kind === "seq" ? v.items : [];
}

interface Meta {
  kind: string;
  namespace: string;
  name: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

function metaOf(doc: YValue, kind: string): Meta {
  const md = yget(doc, "metadata");
  const strMap = (v: YValue | undefined) => {
    const o: Record<string, string> = {};
    if (v?.kind === "map") for (const [k, x] of v.entries) if (x.kind === "scalar" && x.value !== null) o[k] = String(x.value);
    return o;
  };
  return {
    kind,
    namespace: ystr(yget(md, "namespace")) ?? "default",
    name: ystr(yget(md, "name")) ?? ystr(yget(md, "generateName")) ?? "(unnamed)",
    annotations: strMap(yget(md, "annotations")),
    labels: strMap(yget(md, "labels")),
  };
}

function mapPod(c: Collector, pod: YMap, meta: Meta, part: string): void {
  const r = podSpecToWorkloads(pod, { ...meta, kind: meta.kind, name: part ? `${meta.name} ${part}` : meta.name, file: c.file.path, door: "kubernetes" });
  for (const w of r.workloads) retag(w);
  c.workloads.push(...r.workloads);
  for (const e of r.errors) c.error(e);
}

function retag(w: Workload): void {
  w.source.door = "ci";
}

/** A Tekton task spec (`spec` of Task, `taskSpec` of a TaskRun or a Pipeline task). */
function tektonTask(c: Collector, spec: YValue | undefined, meta: Meta, part: string, podTemplate: YValue | undefined): void {
  if (spec?.kind !== "map") return;
  const steps = items(yget(spec, "steps"));
  const sidecars = items(yget(spec, "sidecars"));
  const volumes = [...items(yget(spec, "volumes")), ...items(yget(podTemplate, "volumes"))];
  const pod = map([
    ["containers", seq([...steps, ...sidecars])],
    ["volumes", seq(volumes)],
    ["hostNetwork", yget(podTemplate, "hostNetwork")],
    ["securityContext", yget(podTemplate, "securityContext")],
  ], spec.pos);
  mapPod(c, pod, meta, part);
  for (const s of steps) {
    const script = yget(s, "script");
    shellInScalar(c, script, { objectPrefix: `${meta.kind} ${meta.namespace}/${meta.name}${part ? ` ${part}` : ""} step ${ystr(yget(s, "name")) ?? "?"} script: ` });
  }
}

function tekton(c: Collector, doc: YValue, kind: string): void {
  const meta = metaOf(doc, kind);
  const spec = yget(doc, "spec");
  const podTemplate = yget(spec, "podTemplate") ?? yget(yget(spec, "taskRunTemplate"), "podTemplate");
  if (kind === "Task" || kind === "ClusterTask") tektonTask(c, spec, meta, "", undefined);
  else if (kind === "TaskRun") tektonTask(c, yget(spec, "taskSpec"), meta, "", podTemplate);
  else {
    const pspec = kind === "PipelineRun" ? yget(spec, "pipelineSpec") : spec;
    for (const list of ["tasks", "finally"]) {
      for (const t of items(yget(pspec, list))) tektonTask(c, yget(t, "taskSpec"), meta, `task ${ystr(yget(t, "name")) ?? "?"}`, podTemplate);
    }
  }
}

function argo(c: Collector, doc: YValue, kind: string): void {
  const meta = metaOf(doc, kind);
  let spec = yget(doc, "spec");
  if (kind === "CronWorkflow") spec = yget(spec, "workflowSpec");
  if (spec?.kind !== "map") return;
  const wfVolumes = items(yget(spec, "volumes"));
  for (const t of items(yget(spec, "templates"))) {
    const main = yget(t, "container") ?? yget(t, "script");
    const conts: YValue[] = [];
    if (main?.kind === "map") {
      if (!main.entries.has("name")) main.entries.set("name", { kind: "scalar", value: "main", ...(main.pos ? { pos: main.pos } : {}) });
      conts.push(main);
    }
    conts.push(...items(yget(t, "sidecars")));
    const inits = items(yget(t, "initContainers"));
    if (!conts.length && !inits.length) continue;
    const tname = ystr(yget(t, "name")) ?? "?";
    const pod = map([
      ["containers", seq(conts)],
      ["initContainers", inits.length ? seq(inits) : undefined],
      // Workflow-level volumes are offered to every template; only those this template mounts
      // are in its pod.
      ["volumes", seq([...wfVolumes.filter((v) => mountedNames([...conts, ...inits]).has(ystr(yget(v, "name")) ?? "")), ...items(yget(t, "volumes"))])],
      ["hostNetwork", yget(spec, "hostNetwork")],
      ["securityContext", yget(t, "securityContext") ?? yget(spec, "securityContext")],
    ], t.pos);
    mapPod(c, pod, meta, `template ${tname}`);
    const script = yget(t, "script");
    shellInScalar(c, yget(script, "source"), { objectPrefix: `${kind} ${meta.namespace}/${meta.name} template ${tname} script: ` });
  }
}

function mountedNames(conts: YValue[]): Set<string> {
  const out = new Set<string>();
  for (const c of conts) for (const m of items(yget(c, "volumeMounts"))) {
    const n = ystr(yget(m, "name"));
    if (n) out.add(n);
  }
  return out;
}

function extract(c: Collector): void {
  for (const doc of yamlDocs(c, "1.1")) {
    const kind = ystr(yget(doc, "kind")) ?? "";
    const api = ystr(yget(doc, "apiVersion")) ?? "";
    if (api.startsWith("tekton.dev/") && TEKTON_KINDS.has(kind)) tekton(c, doc, kind);
    else if (api.startsWith("argoproj.io/") && ARGO_KINDS.has(kind)) argo(c, doc, kind);
    else {
      // Any other object in the same file: as the Kubernetes door reads it.
      const r = workloadsFromObject(doc, { file: c.file.path });
      c.workloads.push(...r.workloads);
      for (const e of r.errors) c.error(e);
    }
  }
}

export const tektonArgoSource: Source = {
  id: "tekton-argo",
  detect: isTektonOrArgo,
  extract: (f) => guarded(f, extract),
};
