import type { ScanError } from "../../model/finding.js";
import type { Workload } from "../../model/workload.js";
import type { DaemonEndpoint, ExtractResult, Source, SourceContext, SourceFile } from "../types.js";
import { parseHcl } from "./hclparse.js";
import { locateHcl, type LEntry, type LNode } from "./hcllocate.js";
import type { Pos } from "../../model/location.js";
import { parseYamlDocuments, toY, type YValue } from "../yamldoc.js";
import { attr, labeled, type H } from "./hnode.js";
import { TfVars } from "./resolve.js";
import { dockerContainerWorkload, dockerProviderEndpoint, dockerServiceWorkload } from "./docker.js";
import { kubernetesManifestWorkloads, kubernetesResourceWorkloads, TF_K8S_KINDS } from "./kubernetes.js";

/**
 * Terraform (`*.tf`, and the JSON syntax `*.tf.json`): `resource "docker_container"` and
 * `"docker_service"`, the kubernetes provider's workload resources (and `kubernetes_manifest`),
 * and `provider "docker"` hosts. HCL is parsed by HashiCorp's HCL parser (hclparse.ts);
 * positions come from a structural scan of the same text (hcllocate.ts). JSON goes through the
 * YAML reader, which keeps lines.
 */

/** Files larger than this are not parsed: the wasm parser takes seconds per MB on big literals,
 *  and no hand-written Terraform file is this large. The file is reported, not skipped silently. */
export const MAX_HCL_BYTES = 2 * 1024 * 1024;

export function extractTerraform(file: SourceFile, ctx?: SourceContext): ExtractResult {
  const out: ExtractResult = { workloads: [], endpoints: [], errors: [] };
  const parsed = /\.tf\.json$/i.test(file.path) ? parseTfJsonFile(file, out.errors) : parseHclFile(file, out.errors);
  if (!parsed) return out;
  const bodies: H[] = [parsed];
  // `var.x` defaults: this file and a sibling variables.tf (the usual layout).
  const dir = file.path.includes("/") ? file.path.slice(0, file.path.lastIndexOf("/") + 1) : "";
  const sib = `${dir}variables.tf`;
  if (ctx && sib !== file.path) {
    const t = safeRead(ctx, sib);
    if (t !== undefined && t.length <= MAX_HCL_BYTES) {
      const p = parseHcl(t);
      if (p.ok) bodies.push({ v: p.body });
    }
  }
  const vars = TfVars.fromBodies(...bodies);

  for (const { labels, h } of labeled(parsed, "resource", 2)) {
    const [type, name] = labels as [string, string];
    try {
      if (type === "docker_container") out.workloads.push(dockerContainerWorkload(name, h, file.path, vars));
      else if (type === "docker_service") out.workloads.push(dockerServiceWorkload(name, h, file.path, vars));
      else if (type in TF_K8S_KINDS || type === "kubernetes_manifest") {
        const r = type === "kubernetes_manifest" ? kubernetesManifestWorkloads(name, h, file.path, vars) : kubernetesResourceWorkloads(type, name, h, file.path, vars);
        out.workloads.push(...r.workloads);
        for (const e of r.errors) out.errors.push({ file: file.path, ...(h.at ? { line: h.at.line } : {}), message: e });
        for (const n of r.notices ?? []) out.errors.push({ file: file.path, ...(h.at ? { line: h.at.line } : {}), kind: "notice", message: n });
      }
    } catch (e) {
      out.errors.push({ file: file.path, ...(h.at ? { line: h.at.line } : {}), message: `resource ${type}.${name} not scanned: ${(e as Error).message}` });
    }
  }
  for (const { labels, h } of labeled(parsed, "provider", 1)) {
    if (labels[0] !== "docker") continue;
    const alias = attr(h, "alias")?.v;
    const ep = dockerProviderEndpoint(typeof alias === "string" ? alias : undefined, h, file.path, vars);
    if (ep) out.endpoints!.push(ep);
  }
  return out;
}

/** Terraform's JSON syntax (`*.tf.json`, e.g. CDKTF's `cdk.tf.json`): read through the YAML
 *  reader so keys keep their lines, then walked like HCL (hnode.ts reads both shapes). */
export function parseTfJsonFile(file: SourceFile, errors: ScanError[]): H | undefined {
  if (file.text.length > MAX_HCL_BYTES * 4) {
    errors.push({ file: file.path, message: `file is ${(file.text.length / 1048576).toFixed(1)} MB, over the ${(MAX_HCL_BYTES * 4) / 1048576} MB limit for Terraform JSON; not scanned` });
    return undefined;
  }
  if (file.text.includes("\u0000")) {
    errors.push({ file: file.path, message: "binary content (NUL bytes) in a Terraform JSON file; not scanned" });
    return undefined;
  }
  const d = parseYamlDocuments(file.text)[0];
  if (!d) return undefined;
  if (d.errors.length > 0) {
    errors.push({ file: file.path, line: d.errors[0]!.line, message: `invalid JSON at line ${d.errors[0]!.line}: ${d.errors[0]!.message}` });
    return undefined;
  }
  let y: YValue | undefined;
  try {
    y = toY(d.doc, d.doc.contents, d.lineCounter);
  } catch (e) {
    errors.push({ file: file.path, message: (e as Error).message });
    return undefined;
  }
  if (y?.kind !== "map") return undefined;
  return { v: yPlain(y), loc: yLoc(y), at: { line: 1, column: 1 } };
}

function yPlain(y: YValue): unknown {
  if (y.kind === "scalar") return y.value;
  if (y.kind === "seq") return y.items.map(yPlain);
  const o: Record<string, unknown> = {};
  for (const [k, v] of y.entries) o[k] = yPlain(v);
  return o;
}

function yLoc(y: YValue): LNode {
  const pos = y.pos ?? { line: 1, column: 1 };
  if (y.kind === "scalar") return { kind: "value", pos };
  if (y.kind === "seq") return { kind: "list", pos, items: y.items.map(yLoc) };
  return { kind: "object", pos, entries: [...y.entries].map(([k, v]) => ({ key: k, keyPos: y.keyPos.get(k) ?? pos, block: false, labels: [], value: yLoc(v) })) };
}

function safeRead(ctx: SourceContext, rel: string): string | undefined {
  try {
    return ctx.readFile(rel);
  } catch {
    return undefined;
  }
}

/** Parse with the real parser and locate with the structural scan; errors go to `errors`. */
export function parseHclFile(file: SourceFile, errors: ScanError[]): H | undefined {
  if (file.text.length > MAX_HCL_BYTES) {
    errors.push({ file: file.path, message: `file is ${(file.text.length / 1048576).toFixed(1)} MB, over the ${MAX_HCL_BYTES / 1048576} MB limit for HCL files; not scanned` });
    return undefined;
  }
  if (file.text.includes("\u0000")) {
    errors.push({ file: file.path, message: "binary content (NUL bytes) in an HCL file; not scanned" });
    return undefined;
  }
  let p;
  try {
    p = parseHcl(file.text);
  } catch (e) {
    errors.push({ file: file.path, message: (e as Error).message });
    return undefined;
  }
  if (!p.ok) {
    // One message per line: the parser's later messages on a line are usually echoes of the first.
    const seen = new Set<number>();
    const ds = p.diagnostics.filter((d) => !seen.has(d.line) && seen.add(d.line)).slice(0, 5);
    for (const d of ds) errors.push({ file: file.path, line: d.line, message: `invalid HCL at line ${d.line}, column ${d.column}: ${d.message}` });
    return undefined;
  }
  let loc = locateHcl(file.text);
  // `volume = "x"` beside `volume { … }` blocks: Terraform rejects it, and the JSON conversion
  // keeps the attribute and drops the blocks. Rename the attribute (same length, so positions
  // hold), parse again, and say so: the blocks are what a reader of the file sees.
  const conflicts = attrBlockConflicts(loc);
  if (conflicts.length > 0) {
    const text = renameAt(file.text, conflicts.map((c) => c.keyPos));
    const p2 = parseHcl(text);
    if (p2.ok) {
      for (const c of conflicts) {
        errors.push({ file: file.path, line: c.keyPos.line, kind: "notice", message: `\`${c.key}\` is written both as an attribute (line ${c.keyPos.line}) and as blocks; Terraform rejects this. The blocks were read, the attribute ignored` });
      }
      loc = locateHcl(text);
      return { v: p2.body, loc, at: { line: 1, column: 1 } };
    }
  }
  return { v: p.body, loc, at: { line: 1, column: 1 } };
}

function attrBlockConflicts(o: LNode): LEntry[] {
  const out: LEntry[] = [];
  const walk = (n: LNode) => {
    if (n.kind === "list") return n.items.forEach(walk);
    if (n.kind !== "object") return;
    const blockKeys = new Set(n.entries.filter((e) => e.block).map((e) => e.key));
    for (const e of n.entries) {
      if (!e.block && blockKeys.has(e.key)) out.push(e);
      walk(e.value);
    }
  };
  walk(o);
  return out;
}

/** Replace the first character of the identifier at each position with `_` (same length). */
function renameAt(text: string, at: Pos[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  const chars = text.split("");
  for (const p of at) {
    const idx = (starts[p.line - 1] ?? 0) + p.column - 1;
    if (idx < chars.length) chars[idx] = "_";
  }
  return chars.join("");
}

export const terraformSource: Source = {
  id: "terraform",
  detect(file: SourceFile): boolean {
    return /\.tf(\.json)?$/i.test(file.path);
  },
  extract(file: SourceFile, ctx: SourceContext): ExtractResult {
    try {
      return extractTerraform(file, ctx);
    } catch (e) {
      return { workloads: [] as Workload[], endpoints: [] as DaemonEndpoint[], errors: [{ file: file.path, message: `Terraform file not scanned: ${(e as Error).message}` }] };
    }
  },
};
