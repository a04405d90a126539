import { join } from "node:path";
import type { Located } from "../../model/location.js";
import type { Workload } from "../../model/workload.js";
import type { ScanError } from "../../model/finding.js";
import type { ExtractResult, Source, SourceContext, SourceFile } from "../types.js";
import { parseYamlDocuments, toY, yget, ystr, YamlBudgetError, type YValue } from "../yamldoc.js";
import { workloadsFromObject } from "../kubernetes/map.js";
import { findHelm, renderChart, type RenderResult } from "./render.js";
import { readTemplate } from "./template.js";

/**
 * Helm chart templates (`<chart>/templates/*.yaml` beside a `Chart.yaml`). Templates are not YAML
 * until rendered:
 * - with a helm binary and the scan root on disk, the chart is rendered once (`helm template`,
 *   the chart's values.yaml) and each template's output goes through the Kubernetes mapping;
 *   rendered values have no line in the template, so they carry none;
 * - otherwise the best-effort reader (template.ts) reads the template with values.yaml, keeps the
 *   template's line numbers, and every value is marked uncertain.
 * A template that cannot be read either way is a notice, never a crash.
 */

export const HELM_UNCERTAIN = "Helm template read without helm; values from values.yaml";

export interface HelmSourceOptions {
  /** Path of a helm binary; `null` = never run helm; undefined = look on PATH (once). */
  helmBin?: string | null;
  /** Absolute scan root, needed to hand helm a chart directory; defaults to `SourceContext.root`.
   *  Without either, no rendering. */
  rootDir?: string;
}

/** The chart directory of a template path (`charts/x/templates/a.yaml` → `charts/x`), or undefined. */
export function chartDirOf(path: string): string | undefined {
  if (!/\.ya?ml$/i.test(path)) return undefined;
  const i = path.lastIndexOf("/templates/");
  if (i >= 0) return path.slice(0, i);
  return path.startsWith("templates/") ? "" : undefined;
}

const join2 = (dir: string, f: string) => (dir ? `${dir}/${f}` : f);

export function createHelmSource(opts: HelmSourceOptions = {}): Source {
  let helmBin: string | undefined | null = opts.helmBin;
  let looked = opts.helmBin !== undefined;
  const rendered = new Map<string, RenderResult>();

  const helm = (): string | undefined => {
    if (!looked) {
      helmBin = findHelm();
      looked = true;
    }
    return helmBin ?? undefined;
  };

  return {
    id: "helm",
    detect(file: SourceFile): boolean {
      return chartDirOf(file.path) !== undefined && /\{\{/.test(file.text);
    },
    extract(file: SourceFile, ctx: SourceContext): ExtractResult {
      const out: ExtractResult = { workloads: [], errors: [] };
      try {
        const dir = chartDirOf(file.path);
        if (dir === undefined) return out;
        const chartYaml = ctx.readFile(join2(dir, "Chart.yaml"));
        if (chartYaml === undefined) return out; // a templates/ folder that is not a chart's
        const rel = file.path.slice(dir ? dir.length + 1 : 0);
        const bin = helm();
        const rootDir = opts.rootDir ?? ctx.root;
        if (bin && rootDir) {
          let r = rendered.get(dir);
          if (!r) {
            r = renderChart(bin, join(rootDir, dir));
            rendered.set(dir, r);
          }
          if (r.ok) {
            const text = r.byTemplate.get(rel) ?? "";
            mapYaml(text, file.path, out, undefined);
            return out;
          }
          out.errors.push({ file: file.path, kind: "notice", message: `${r.error}; read the template without helm instead` });
        }
        const valuesText = ctx.readFile(join2(dir, "values.yaml"));
        const values = valuesText !== undefined ? firstDoc(valuesText) : undefined;
        const chartName = ystr(yget(firstDoc(chartYaml), "name"));
        const text = readTemplate(file.text, { ...(values ? { values } : {}), ...(chartName ? { chartName } : {}) });
        mapYaml(text, file.path, out, HELM_UNCERTAIN);
      } catch (e) {
        out.errors.push({ file: file.path, kind: "notice", message: `Helm template not read: ${(e as Error).message}` });
      }
      return out;
    },
  };
}

function firstDoc(text: string): YValue | undefined {
  try {
    const d = parseYamlDocuments(text)[0];
    if (!d || d.errors.length > 0) return undefined;
    return toY(d.doc, d.doc.contents, d.lineCounter);
  } catch {
    return undefined;
  }
}

function mapYaml(text: string, file: string, out: ExtractResult, uncertain: string | undefined): void {
  for (const d of parseYamlDocuments(text, { version: "1.1" })) {
    if (d.errors.length > 0) {
      const e = d.errors[0]!;
      out.errors.push({ file, line: e.line, kind: "notice", message: `Helm template could not be read without helm (line ${e.line}: ${e.message}); not scanned` });
      continue;
    }
    let root: YValue | undefined;
    try {
      root = toY(d.doc, d.doc.contents, d.lineCounter);
    } catch (e) {
      out.errors.push({ file, kind: "notice", message: e instanceof YamlBudgetError ? e.message : (e as Error).message });
      continue;
    }
    if (!root) continue;
    const r = workloadsFromObject(root, { file });
    for (const w of r.workloads) {
      w.source.door = "kubernetes";
      if (uncertain) markAll(w, uncertain);
      else stripPositions(w);
    }
    out.workloads.push(...r.workloads);
    for (const e of r.errors) out.errors.push({ file, kind: "notice", message: e } as ScanError);
  }
}

function eachLocated(w: Workload, f: (l: Located<unknown>) => void): void {
  for (const l of [w.image, w.user, w.runAsUser, w.runAsGroup, w.runAsNonRoot, w.privileged, w.allowPrivilegeEscalation]) if (l) f(l as Located<unknown>);
  for (const list of [w.groups, w.capAdd, w.capDrop, w.devices, w.securityOpt, w.env, w.deviceCgroupRules]) for (const l of list as Located<unknown>[]) f(l);
  for (const ns of Object.values(w.namespaces)) if (ns) f(ns as Located<unknown>);
}

/** Every value read without helm is a guess: say so on each one. */
export function markAll(w: Workload, reason: string): void {
  eachLocated(w, (l) => {
    if (!l.uncertain) l.uncertain = reason;
  });
  for (const m of w.mounts) if (!m.uncertain) m.uncertain = reason;
}

/** Rendered output's lines are not the template's: drop them rather than point at wrong lines. */
function stripPositions(w: Workload): void {
  eachLocated(w, (l) => {
    delete l.at;
  });
  for (const m of w.mounts) delete m.at;
  delete w.source.at;
}

/** The default Helm source: helm from PATH when present; it renders when the scan's context
 *  gives the absolute root (`SourceContext.root`), and reads best-effort otherwise. */
export const helmSource: Source = createHelmSource();
