/**
 * GitHub Actions workflows (`.github/workflows/*.yml`) and composite actions (`action.yml`):
 * job `container:` and `services:` (image, `options:` through the shared docker parser,
 * `volumes:`, `env:`), `run:` steps through the shell scanner with positions in the YAML, and
 * `uses: docker://image` steps.
 *
 * Note: for Docker container actions (`uses: docker://…`, `runs.using: docker`) the Actions runner
 * itself adds `-v /var/run/docker.sock:/var/run/docker.sock` on Linux runners. That is the
 * runner's doing, not this file's, so it is recorded as a fact (`runnerMountsDockerSocket`)
 * rather than as a mount; rules may use it.
 */
import { emptyWorkload, envVar, type Workload } from "../../../model/workload.js";
import { located } from "../../../model/location.js";
import type { DaemonEndpoint, Source, SourceFile } from "../../types.js";
import { yget, ystr, type YValue } from "../../yamldoc.js";
import { applyOptions, applyVolumeList, envHostEndpoints, guarded, isStr, shellInScalar, substitute, varsOf, yamlDocs, type Collector, type Vars } from "../common.js";

export function isGithubWorkflowPath(path: string): boolean {
  return /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/i.test(path) || /(^|\/)action\.ya?ml$/i.test(path) && !/(^|\/)\.github\/workflows\//.test(path);
}

const NON_POSIX_SHELLS = /^(pwsh|powershell|cmd|python)\b/i;

function containerWorkload(c: Collector, node: YValue, object: string, vars: Vars, role: Workload["role"]): Workload {
  const w = emptyWorkload({ door: "ci", file: c.file.path, ...(node.pos ? { at: node.pos } : {}), object }, role);
  if (isStr(node)) {
    const s = substitute(node.value, vars);
    w.image = located(s.value, node.pos, s.uncertain);
    return w;
  }
  const img = yget(node, "image");
  if (isStr(img)) {
    const s = substitute(img.value, vars);
    w.image = located(s.value, img.pos, s.uncertain);
  }
  applyOptions(c, yget(node, "options"), w, vars);
  applyVolumeList(yget(node, "volumes"), w, vars);
  const env = yget(node, "env");
  if (env?.kind === "map") {
    for (const [k, v] of env.entries) {
      const val = v.kind === "scalar" && v.value !== null ? String(v.value) : undefined;
      w.env.push(located(envVar(k, val), v.pos ?? env.keyPos.get(k)));
    }
  }
  if (w.image && /(^|\/)docker:[^/]*dind/.test(w.image.value)) {
    w.role = "dind";
    // The dind image serves TLS on 2376 unless DOCKER_TLS_CERTDIR is set empty: then plain 2375.
    const certdir = yget(yget(node, "env"), "DOCKER_TLS_CERTDIR");
    const tlsOff = certdir?.kind === "scalar" && (certdir.value === null || String(certdir.value).trim() === "");
    const ports = yget(node, "ports");
    const published = ports?.kind === "seq" && ports.items.some((p) => /\b237[56]\b/.test(String(p.kind === "scalar" ? p.value : "")));
    w.facts = { ...w.facts, dind: true, tlsDisabled: tlsOff, published };
    const name = / service (\S+)$/.exec(object)?.[1] ?? "docker";
    const ep: DaemonEndpoint = { file: c.file.path, object, address: `tcp://${name}:${tlsOff ? 2375 : 2376}`, tls: tlsOff ? "off" : "verify", role: "listener" };
    const at = tlsOff ? certdir?.pos : w.image.at;
    if (at) ep.at = at;
    c.endpoints.push(ep);
  }
  return w;
}

function extract(c: Collector): void {
  for (const doc of yamlDocs(c)) {
    if (doc.kind !== "map") continue;
    const globalVars = varsOf(yget(doc, "env"), "workflow env");
    envHostEndpoints(c, yget(doc, "env"), globalVars, "workflow env");
    const jobs = yget(doc, "jobs");
    if (jobs?.kind === "map") {
      for (const [jobId, job] of jobs.entries) {
        const vars = varsOf(yget(job, "env"), `job ${jobId} env`, globalVars);
        envHostEndpoints(c, yget(job, "env"), vars, `job ${jobId} env`);
        const cont = yget(job, "container");
        if (cont) c.workloads.push(containerWorkload(c, cont, `job ${jobId} container`, vars, "job"));
        const services = yget(job, "services");
        if (services?.kind === "map") {
          for (const [name, svc] of services.entries) c.workloads.push(containerWorkload(c, svc, `job ${jobId} service ${name}`, vars, "sidecar"));
        }
        steps(c, yget(job, "steps"), `job ${jobId}`, vars, ystr(yget(yget(yget(job, "defaults"), "run"), "shell")) ?? ystr(yget(yget(yget(doc, "defaults"), "run"), "shell")));
      }
    }
    // Composite action.
    const runs = yget(doc, "runs");
    if (runs?.kind === "map") {
      steps(c, yget(runs, "steps"), "action", globalVars, undefined);
      const using = ystr(yget(runs, "using"));
      const image = yget(runs, "image");
      if (using === "docker" && isStr(image) && image.value.startsWith("docker://")) {
        const w = emptyWorkload({ door: "ci", file: c.file.path, ...(image.pos ? { at: image.pos } : {}), object: "docker action" }, "job");
        w.image = located(image.value.slice(9), image.pos);
        w.facts = { runnerMountsDockerSocket: true };
        c.workloads.push(w);
      }
    }
  }
}

function steps(c: Collector, list: YValue | undefined, prefix: string, vars: Vars, defaultShell: string | undefined): void {
  if (list?.kind !== "seq") return;
  list.items.forEach((step, idx) => {
    const name = ystr(yget(step, "name")) ?? ystr(yget(step, "id")) ?? `#${idx + 1}`;
    const stepVars = varsOf(yget(step, "env"), `step ${name} env`, vars);
    envHostEndpoints(c, yget(step, "env"), stepVars, `${prefix} step ${name} env`);
    const run = yget(step, "run");
    const shell = ystr(yget(step, "shell")) ?? defaultShell;
    if (run && !(shell && NON_POSIX_SHELLS.test(shell))) {
      shellInScalar(c, run, { objectPrefix: `${prefix} step ${name}: `, vars: stepVars });
    }
    const uses = yget(step, "uses");
    if (isStr(uses) && uses.value.startsWith("docker://")) {
      const w = emptyWorkload({ door: "ci", file: c.file.path, ...(uses.pos ? { at: uses.pos } : {}), object: `${prefix} step ${name}: ${uses.value}` }, "job");
      w.image = located(uses.value.slice(9), uses.pos);
      // `with.args` is the container's command, not docker flags: kept as a fact only.
      const args = ystr(yget(yget(step, "with"), "args"));
      w.facts = { runnerMountsDockerSocket: true, ...(args !== undefined ? { args } : {}) };
      c.workloads.push(w);
    }
  });
}

export const githubActionsSource: Source = {
  id: "github-actions",
  detect: (f: SourceFile) => isGithubWorkflowPath(f.path),
  extract: (f) => guarded(f, extract),
};

