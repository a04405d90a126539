import type { ScanError } from "../../model/finding.js";
import type { Workload } from "../../model/workload.js";
import type { ExtractResult, Source, SourceFile } from "../types.js";
import { parseYamlDocuments, toY, YamlBudgetError } from "../yamldoc.js";
import { workloadsFromObject } from "./map.js";

/**
 * The Kubernetes manifest door: YAML (multi-document) and JSON files holding Pods, workload
 * controllers, CronJobs, PodTemplates and Lists. Translation only: src/sources/kubernetes/map.ts
 * turns each object into Workloads; the shared rules judge them.
 */

// Top-level keys of a block-style YAML document start at column 0 (optionally quoted).
const YAML_API_VERSION = /^["']?apiVersion["']?[ \t]*:/m;
const YAML_KIND = /^["']?kind["']?[ \t]*:/m;
// JSON (or YAML flow) objects: the keys are indented or inline, so look for quoted keys.
const JSON_API_VERSION = /"apiVersion"\s*:/;
const JSON_KIND = /"kind"\s*:/;

function looksLikeJson(text: string): boolean {
  const t = text.trimStart();
  return t.startsWith("{") || t.startsWith("[");
}

export function detectKubernetes(file: SourceFile): boolean {
  const { text } = file;
  if (looksLikeJson(text)) return JSON_API_VERSION.test(text) && JSON_KIND.test(text);
  if (YAML_KIND.test(text) && YAML_API_VERSION.test(text)) return true;
  // `kind: List` without apiVersion (hand-written lists) still holds objects.
  return /^kind[ \t]*:[ \t]*["']?List["']?[ \t]*(#.*)?\r?$/m.test(text);
}

export function extractKubernetes(file: SourceFile): ExtractResult {
  const workloads: Workload[] = [];
  const errors: ScanError[] = [];
  try {
    // Kubernetes reads YAML 1.1 (go-yaml v2 through sigs.k8s.io/yaml): `privileged: yes` is true.
    // JSON is read as YAML 1.2, of which it is a subset, so that positions are kept.
    const version = file.path.toLowerCase().endsWith(".json") ? "1.2" : "1.1";
    const docs = parseYamlDocuments(file.text, { version });
    docs.forEach((d, i) => {
      const label = docs.length > 1 ? `document ${i + 1}: ` : "";
      const first = d.errors[0];
      if (first) {
        // This document is skipped; the other documents of the file are still scanned.
        errors.push({ file: file.path, line: first.line, message: `${label}YAML parse error: ${first.message}` });
        return;
      }
      const startLine = d.doc.contents?.range ? d.lineCounter.linePos(d.doc.contents.range[0]).line : undefined;
      let y;
      try {
        y = toY(d.doc, d.doc.contents, d.lineCounter);
      } catch (e) {
        if (e instanceof YamlBudgetError) {
          errors.push({ file: file.path, ...(startLine ? { line: startLine } : {}), message: `${label}${e.message}` });
          return;
        }
        throw e;
      }
      if (!y) return;
      const r = workloadsFromObject(y, { file: file.path, door: "kubernetes" });
      workloads.push(...r.workloads);
      const add = (m: string, kind: "error" | "notice") => {
        const line = /\(line (\d+)\)/.exec(m)?.[1];
        errors.push({ file: file.path, ...(line ? { line: Number(line) } : startLine ? { line: startLine } : {}), message: `${label}${m.replace(/ \(line \d+\)/, "")}`, kind });
      };
      for (const m of r.errors) add(m, "error");
      for (const m of r.notices) add(m, "notice");
    });
  } catch (e) {
    // Never throw out of a source: one bad file must not stop the scan.
    errors.push({ file: file.path, message: `internal error reading Kubernetes manifest: ${e instanceof Error ? e.message : String(e)}` });
  }
  return { workloads, errors };
}

export const kubernetesSource: Source = {
  id: "kubernetes",
  detect: detectKubernetes,
  extract: (file) => extractKubernetes(file),
};
