/**
 * Jenkinsfiles: declarative `agent { docker { image '…' args '…' } }`, scripted
 * `docker.image('x').inside('-v …')` / `.run('…')` / `.withRun('…')`, `sh '…'` / `sh """…"""`
 * (through the shell scanner), pod templates given as YAML (`yaml '''…'''`, through the shared
 * Kubernetes mapping) and `containerTemplate(… privileged: true)` / `hostPathVolume(…)`.
 */
import { emptyWorkload, type Workload } from "../../../model/workload.js";
import { located, type Pos } from "../../../model/location.js";
import type { Source, SourceFile } from "../../types.js";
import { scanShell } from "../../dockerargs/scan.js";
import { tokenizeShell, type Word } from "../../dockerargs/words.js";
import { parseRunArgs } from "../../dockerargs/parse.js";
import { parseYamlDocuments, toY } from "../../yamldoc.js";
import { workloadsFromObject } from "../../kubernetes/map.js";
import { guarded, type Collector } from "../common.js";
import { groovyStrings, type GString } from "./groovy.js";

export function isJenkinsfile(path: string): boolean {
  const b = path.slice(path.lastIndexOf("/") + 1);
  return /^Jenkinsfile([._-].*)?$/.test(b) || /\.(jenkinsfile|jenkins)$/i.test(b) || (/(^|\/)vars\/[^/]+\.groovy$/.test(path));
}

const SH = /(?:^|[^\w.])(?:sh|bash)\s*\(?\s*(?:script\s*:\s*)?$/;
const ARGS = /(?:^|[^\w.])args\s*\(?\s*(?:\s*:\s*)?$/;
const DOCKER_CALL = /\.(inside|withRun|run)\s*\(\s*$/;
const IMAGE = /(?:^|[^\w.])image\s*\(?\s*$/;
const DOCKER_IMAGE = /docker\.(?:image|build)\s*\(\s*$/;
const YAML = /(?:^|[^\w.])yaml\s*(?:\(|:)?\s*$/;
const ASSIGN_IMAGE = /(?:def\s+)?(\w+)\s*=\s*docker\.(?:image|build)\s*\(\s*$/;

function posMap(s: GString): (l: number, c: number) => Pos {
  return (l, c) => (l === 1 ? { line: s.line, column: s.column + c - 1 } : { line: s.line + l - 1, column: c });
}

function words(s: GString): Word[] {
  const ws: Word[] = [];
  for (const cmd of tokenizeShell(s.value).commands) ws.push(...cmd.words);
  return ws;
}

function extract(c: Collector): void {
  const strs = groovyStrings(c.file.text);
  let agentImage: { value: string; at: Pos } | undefined;
  let chainImage: { value: string; at: Pos } | undefined;
  const varImages = new Map<string, { value: string; at: Pos }>();
  for (const s of strs) {
    const before = s.before;
    const at = { line: s.line, column: s.column };
    if (DOCKER_IMAGE.test(before)) {
      chainImage = { value: s.value, at };
      const m = ASSIGN_IMAGE.exec(before);
      if (m) varImages.set(m[1]!, chainImage);
      continue;
    }
    if (IMAGE.test(before)) {
      agentImage = { value: s.value, at };
      continue;
    }
    if (SH.test(before)) {
      c.add(scanShell(s.value, { door: "ci", file: c.file.path, objectPrefix: `sh (line ${s.line}): `, mapPos: posMap(s) }));
      continue;
    }
    if (ARGS.test(before) || DOCKER_CALL.test(before)) {
      const call = DOCKER_CALL.exec(before);
      let image = agentImage;
      let object = `agent docker (line ${s.line})`;
      if (call) {
        const recv = /(\w+)\s*\)?\s*\.(?:inside|withRun|run)\s*\(\s*$/.exec(before);
        const chained = /docker\.(?:image|build)\s*\(/.test(before);
        const viaVar = recv && varImages.has(recv[1]!) ? varImages.get(recv[1]!) : undefined;
        // `.run(…)` on something that is not a docker image (a Groovy closure, a job) is not ours.
        if (!chained && !viaVar && (call[1] !== "inside" || !chainImage)) continue;
        image = chained ? chainImage : viaVar ?? chainImage;
        object = `docker.image(…).${call[1]}() (line ${s.line})`;
      }
      const w: Workload = emptyWorkload({ door: "ci", file: c.file.path, at, object }, "job");
      if (image) w.image = located(image.value, image.at);
      parseRunArgs(words(s), { door: "ci", file: c.file.path, mapPos: posMap(s) }, w);
      c.workloads.push(w);
      continue;
    }
    if (YAML.test(before)) {
      podYaml(c, s);
      continue;
    }
  }
  templates(c);
}

/** A pod template given as YAML inside a Groovy string: mapped by the Kubernetes mapping. */
function podYaml(c: Collector, s: GString): void {
  // Pad with newlines so that YAML line numbers are the Jenkinsfile's (the usual `'''` + newline
  // layout keeps columns too).
  const text = "\n".repeat(s.line - 1) + s.value;
  for (const d of parseYamlDocuments(text, { version: "1.1" })) {
    if (d.errors.length) {
      c.error(`pod template YAML: ${d.errors[0]!.message}`, d.errors[0]!.line);
      continue;
    }
    let y;
    try {
      y = toY(d.doc, d.doc.contents, d.lineCounter, { file: c.file.path });
    } catch (e) {
      c.error(`pod template YAML: ${(e as Error).message}`, s.line);
      continue;
    }
    if (!y) continue;
    if (y.kind === "map" && !y.entries.has("kind")) y.entries.set("kind", { kind: "scalar", value: "Pod" });
    const r = workloadsFromObject(y, { file: c.file.path });
    for (const w of r.workloads) {
      w.source.door = "ci";
      w.source.object = `podTemplate (line ${s.line}) ${w.source.object}`;
      stripFile(w, c.file.path);
    }
    c.workloads.push(...r.workloads);
    for (const e of r.errors) c.error(`pod template: ${e}`, s.line);
  }
}

/** The YAML was read with `file` set so positions carry it; the Jenkinsfile is the workload's own file. */
function stripFile(w: Workload, file: string): void {
  const fix = (p: Pos | undefined) => {
    if (p && p.file === file) delete p.file;
  };
  fix(w.source.at);
  for (const m of w.mounts) fix(m.at);
}

/** Scripted pod templates: `containerTemplate(name: 'x', image: 'y', privileged: true)` and
 *  `hostPathVolume(hostPath: '/var/run/docker.sock', mountPath: '…')`. Volumes of a pod template
 *  are mounted into its containers: each privileged or plain container template gets them. */
function templates(c: Collector): void {
  const text = c.file.text;
  if (!text.includes("containerTemplate") && !text.includes("hostPathVolume")) return;
  const lineOf = (idx: number) => {
    let l = 1;
    for (let k = text.indexOf("\n"); k >= 0 && k < idx; k = text.indexOf("\n", k + 1)) l++;
    return l;
  };
  const arg = (body: string, key: string) => new RegExp(`\\b${key}\\s*:\\s*(?:'([^']*)'|"([^"]*)"|(true|false))`).exec(body);
  const vols: { host: string; target: string; at: Pos }[] = [];
  for (const m of text.matchAll(/hostPathVolume\s*\(([^)]*)\)/g)) {
    const h = arg(m[1]!, "hostPath");
    const t = arg(m[1]!, "mountPath");
    if (h) vols.push({ host: h[1] ?? h[2] ?? "", target: t ? t[1] ?? t[2] ?? "" : "", at: { line: lineOf(m.index!), column: 1 } });
  }
  const conts: Workload[] = [];
  for (const m of text.matchAll(/containerTemplate\s*\(([^)]*)\)/g)) {
    const body = m[1]!;
    const at = { line: lineOf(m.index!), column: 1 };
    const name = arg(body, "name");
    const image = arg(body, "image");
    const priv = arg(body, "privileged");
    const w = emptyWorkload({ door: "ci", file: c.file.path, at, object: `containerTemplate ${name?.[1] ?? name?.[2] ?? "?"} (line ${at.line})` }, "job");
    if (image) w.image = located(image[1] ?? image[2] ?? "", at);
    if (priv?.[3]) w.privileged = located(priv[3] === "true", at);
    conts.push(w);
  }
  if (!conts.length && vols.length) conts.push(emptyWorkload({ door: "ci", file: c.file.path, at: vols[0]!.at, object: `podTemplate volumes (line ${vols[0]!.at.line})` }, "job"));
  for (const w of conts) {
    for (const v of vols) w.mounts.push({ type: "hostPath", source: v.host, hostPath: v.host, target: v.target, readOnly: false, at: v.at, via: "hostPathVolume" });
  }
  c.workloads.push(...conts);
}

export const jenkinsSource: Source = {
  id: "jenkins",
  detect: (f: SourceFile) => isJenkinsfile(f.path),
  extract: (f) => guarded(f, extract),
};
