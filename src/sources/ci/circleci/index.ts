/**
 * CircleCI (`.circleci/config.yml`): `run:` commands of jobs and reusable `commands` through the
 * shell scanner. Workloads found in a job record its executor (`docker` or `machine`) and whether
 * it uses `setup_remote_docker` (then `docker run` talks to a remote engine, and a socket bind
 * there exposes that engine, not the job's host).
 */
import type { Source, SourceFile } from "../../types.js";
import { yget, ystr, type YValue } from "../../yamldoc.js";
import { envHostEndpoints, guarded, shellInScalar, varsOf, yamlDocs, type Collector, type Vars } from "../common.js";

export function isCircleciPath(path: string): boolean {
  return /(^|\/)\.circleci\/config\.ya?ml$/i.test(path);
}

function extract(c: Collector): void {
  for (const doc of yamlDocs(c)) {
    if (doc.kind !== "map") continue;
    for (const [section, label] of [["jobs", "job"], ["commands", "command"]] as const) {
      const m = yget(doc, section);
      if (m?.kind !== "map") continue;
      for (const [name, job] of m.entries) {
        const executor = yget(job, "machine") ? "machine" : yget(job, "docker") ? "docker" : ystr(yget(job, "executor")) ?? (section === "jobs" ? "unknown" : "caller's");
        const vars = varsOf(yget(job, "environment"), `${label} ${name} environment`);
        envHostEndpoints(c, yget(job, "environment"), vars, `${label} ${name} environment`);
        steps(c, yget(job, "steps"), `${label} ${name}`, vars, executor);
      }
    }
  }
}

function steps(c: Collector, list: YValue | undefined, prefix: string, vars: Vars, executor: string): void {
  if (list?.kind !== "seq") return;
  const remote = list.items.some((s) => (s.kind === "scalar" && s.value === "setup_remote_docker") || yget(s, "setup_remote_docker") !== undefined);
  for (const s of list.items) {
    const run = yget(s, "run");
    const cmd = run?.kind === "map" ? yget(run, "command") : run;
    const stepVars = run?.kind === "map" ? varsOf(yget(run, "environment"), `${prefix} step environment`, vars) : vars;
    const before = c.workloads.length;
    shellInScalar(c, cmd, { objectPrefix: `${prefix}: `, vars: stepVars });
    for (const w of c.workloads.slice(before)) w.facts = { ...w.facts, circleciExecutor: executor, remoteDocker: remote };
  }
}

export const circleciSource: Source = {
  id: "circleci",
  detect: (f: SourceFile) => isCircleciPath(f.path),
  extract: (f) => guarded(f, extract),
};
