/**
 * Drone (`.drone.yml`): pipeline `steps`/`services` with `privileged`, `volumes` ({name, path})
 * resolved through the pipeline's `volumes` ({name, host: {path}}), `environment`, and
 * `commands` through the shell scanner.
 */
import { emptyWorkload, envVar, type Mount } from "../../../model/workload.js";
import { located } from "../../../model/location.js";
import type { Source, SourceFile } from "../../types.js";
import { ybool, yget, ystr, type YValue } from "../../yamldoc.js";
import { envHostEndpoints, guarded, isStr, shellInScalar, varsOf, yamlDocs, type Collector } from "../common.js";

export function isDronePath(path: string): boolean {
  return /(^|\/)\.drone\.ya?ml$/i.test(path);
}

function extract(c: Collector): void {
  for (const doc of yamlDocs(c)) {
    if (doc.kind !== "map") continue;
    const kind = ystr(yget(doc, "kind")) ?? "pipeline";
    if (kind !== "pipeline") continue;
    const pname = ystr(yget(doc, "name")) ?? "default";
    const hostVols = new Map<string, string>();
    const vols = yget(doc, "volumes");
    if (vols?.kind === "seq") {
      for (const v of vols.items) {
        const n = ystr(yget(v, "name"));
        const p = ystr(yget(yget(v, "host"), "path"));
        if (n && p) hostVols.set(n, p);
      }
    }
    for (const [list, role] of [["steps", "job"], ["services", "sidecar"]] as const) {
      const items = yget(doc, list);
      if (items?.kind !== "seq") continue;
      items.items.forEach((step, i) => stepWorkload(c, step, `pipeline ${pname} ${list === "steps" ? "step" : "service"} ${ystr(yget(step, "name")) ?? `#${i + 1}`}`, role, hostVols));
    }
  }
}

function stepWorkload(c: Collector, step: YValue, object: string, role: "job" | "sidecar", hostVols: Map<string, string>): void {
  if (step.kind !== "map") return;
  const w = emptyWorkload({ door: "ci", file: c.file.path, ...(step.pos ? { at: step.pos } : {}), object }, role);
  const image = yget(step, "image");
  if (isStr(image)) w.image = located(image.value, image.pos);
  const priv = yget(step, "privileged");
  const pv = ybool(priv);
  if (pv !== undefined) w.privileged = located(pv, priv!.pos);
  const vols = yget(step, "volumes");
  if (vols?.kind === "seq") {
    for (const v of vols.items) {
      const name = ystr(yget(v, "name"));
      const path = ystr(yget(v, "path"));
      if (!name) continue;
      const host = hostVols.get(name);
      const at = yget(v, "name")?.pos;
      const m: Mount = host
        ? { type: "bind", source: host, hostPath: host, readOnly: false, via: `volume \`${name}\` (host.path ${host})` }
        : { type: "volume", source: name, readOnly: false };
      if (path) m.target = path;
      if (at) m.at = at;
      w.mounts.push(m);
    }
  }
  const env = yget(step, "environment");
  for (const [k, v] of env?.kind === "map" ? env.entries : []) {
    w.env.push(located(envVar(k, v.kind === "scalar" && v.value !== null && typeof v.value !== "object" ? String(v.value) : undefined), v.pos));
  }
  c.workloads.push(w);
  const vars = varsOf(env, `${object} environment`);
  envHostEndpoints(c, env, vars, `${object} environment`);
  const cmds = yget(step, "commands");
  if (cmds?.kind === "seq") for (const it of cmds.items) shellInScalar(c, it, { objectPrefix: `${object}: `, vars });
}

export const droneSource: Source = {
  id: "drone",
  detect: (f: SourceFile) => isDronePath(f.path),
  extract: (f) => guarded(f, extract),
};
