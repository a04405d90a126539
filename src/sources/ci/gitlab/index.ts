/**
 * GitLab CI (`.gitlab-ci.yml` and the local files it includes): `services:` (Docker-in-Docker
 * with `command`/`alias`/`variables`), `variables` (DOCKER_HOST, DOCKER_TLS_CERTDIR,
 * DOCKER_TLS_VERIFY), and `script`/`before_script`/`after_script` lines through the shell scanner.
 *
 * A dind service with `DOCKER_TLS_CERTDIR: ""` (or `--tls=false`) serves the daemon on
 * tcp://<alias>:2375 without TLS: that becomes a listener endpoint with tls "off".
 */
import { emptyWorkload } from "../../../model/workload.js";
import { located, type Pos } from "../../../model/location.js";
import type { DaemonEndpoint, Source, SourceContext, SourceFile } from "../../types.js";
import { yget, ystr, type YValue } from "../../yamldoc.js";
import { Collector, guarded, isStr, shellInScalar, substitute, varsOf, yamlDocs, type Vars } from "../common.js";
import { GITLAB_RESERVED, isDindImage } from "./names.js";

export function isGitlabCiPath(path: string): boolean {
  const b = path.slice(path.lastIndexOf("/") + 1);
  return b === ".gitlab-ci.yml" || b === ".gitlab-ci.yaml" || b.endsWith(".gitlab-ci.yml") || b.endsWith(".gitlab-ci.yaml");
}

const MAX_INCLUDES = 50;

function extract(c: Collector, ctx: SourceContext): void {
  const seen = new Set<string>([c.file.path]);
  doFile(c, c.file, ctx, seen, undefined);
}

/** Read one GitLab file (the main one or a local include) into the collector. */
function doFile(main: Collector, file: SourceFile, ctx: SourceContext, seen: Set<string>, inherited: Vars | undefined): void {
  const c = file === main.file ? main : new Collector(file);
  const docs = yamlDocs(c);
  for (const doc of docs) {
    if (doc.kind !== "map") continue;
    const globalVars = varsOf(yget(doc, "variables"), "variables", inherited);
    const dflt = yget(doc, "default");
    const defaultServices = yget(dflt, "services") ?? yget(doc, "services");
    const defaultBefore = yget(dflt, "before_script") ?? yget(doc, "before_script");
    const defaultAfter = yget(dflt, "after_script") ?? yget(doc, "after_script");
    // Includes: only `local` files can be read from the tree.
    for (const inc of includes(yget(doc, "include"))) {
      // `local` paths are from the project root; when the scan root is above the project, the
      // directory of the including file stands in for it.
      const fromRoot = inc.replace(/^\/+/, "");
      const dir = main.file.path.includes("/") ? main.file.path.slice(0, main.file.path.lastIndexOf("/") + 1) : "";
      const rel = ctx.readFile(fromRoot) !== undefined || !dir ? fromRoot : dir + fromRoot;
      if (seen.has(rel) || seen.size > MAX_INCLUDES) continue;
      seen.add(rel);
      const text = ctx.readFile(rel);
      if (text === undefined) {
        main.error(`include local '${inc}' could not be read`, undefined, "notice");
        continue;
      }
      doFile(main, { path: rel, text }, ctx, seen, globalVars);
    }
    const allDind: DindInfo[] = [];
    for (const [name, job] of doc.entries) {
      if (GITLAB_RESERVED.has(name) || job.kind !== "map") continue;
      const vars = varsOf(yget(job, "variables"), `job ${name} variables`, globalVars);
      const services = yget(job, "services") ?? defaultServices;
      const dind = services ? servicesOf(c, services, `job ${name}`, vars) : [];
      allDind.push(...dind);
      const tlsVerify = (vars.get("DOCKER_TLS_VERIFY")?.value ?? "") !== "";
      // A job's own DOCKER_HOST; the global one is reported once, below.
      if (yget(yget(job, "variables"), "DOCKER_HOST")) clientEndpoint(c, vars, yget(yget(job, "variables"), "DOCKER_HOST"), `job ${name}`, dind);
      const sections: [string, YValue | undefined][] = [
        ["before_script", yget(job, "before_script") ?? defaultBefore],
        ["script", yget(job, "script")],
        ["after_script", yget(job, "after_script") ?? defaultAfter],
      ];
      let chained = new Map(vars);
      for (const [sec, node] of sections) {
        for (const item of scriptItems(node)) {
          const r = shellInScalar(c, item, { objectPrefix: `job ${name} ${sec}: `, vars: chained, ...(tlsVerify ? { tlsVerifyEnv: true } : {}) });
          if (r) for (const [k, v] of r.assignments) chained.set(k, v);
        }
        if (sec === "script") chained = new Map(chained); // after_script runs in a new shell, but keeps job variables
      }
    }
    const globalHost = yget(yget(doc, "variables"), "DOCKER_HOST");
    if (globalHost) clientEndpoint(c, globalVars, globalHost, "variables", allDind);
  }
  if (c !== main) {
    main.workloads.push(...c.workloads);
    main.endpoints.push(...c.endpoints);
    main.errors.push(...c.errors);
  }
}

function includes(node: YValue | undefined): string[] {
  const out: string[] = [];
  const one = (v: YValue) => {
    if (isStr(v) && !/^https?:/.test(v.value)) out.push(v.value);
    const local = yget(v, "local");
    if (isStr(local)) out.push(local.value);
  };
  if (node?.kind === "seq") node.items.forEach(one);
  else if (node) one(node);
  return out.filter((p) => !p.includes("*") && !p.includes("$"));
}

/** Script items: strings, possibly nested one level (GitLab flattens nested arrays). */
function scriptItems(node: YValue | undefined): YValue[] {
  if (!node) return [];
  if (node.kind === "scalar") return [node];
  if (node.kind !== "seq") return [];
  const out: YValue[] = [];
  for (const it of node.items) {
    if (it.kind === "seq") out.push(...it.items.filter((x) => x.kind === "scalar"));
    else if (it.kind === "scalar") out.push(it);
  }
  return out;
}

interface DindInfo {
  alias: string[];
  tlsOff: boolean;
  at?: Pos;
}

/** `services:` items: every service is a container; dind ones are daemon listeners too. */
function servicesOf(c: Collector, node: YValue, prefix: string, vars: Vars): DindInfo[] {
  const out: DindInfo[] = [];
  const items = node.kind === "seq" ? node.items : [];
  for (const it of items) {
    const nameNode = isStr(it) ? it : yget(it, "name");
    if (!isStr(nameNode)) continue;
    const image = substitute(nameNode.value, vars);
    const svcVars = varsOf(yget(it, "variables"), `${prefix} service variables`, vars);
    const w = emptyWorkload({ door: "ci", file: c.file.path, ...(nameNode.pos ? { at: nameNode.pos } : {}), object: `${prefix} service ${image.value}` }, "sidecar");
    w.image = located(image.value, nameNode.pos, image.uncertain);
    const command = yget(it, "command");
    const cmdArgs = command?.kind === "seq" ? command.items.map((x) => ystr(x) ?? "") : [];
    if (isDindImage(image.value)) {
      w.role = "dind";
      const certdir = svcVars.get("DOCKER_TLS_CERTDIR");
      const tlsOff = (certdir !== undefined && certdir.value.trim() === "") || cmdArgs.some((a) => /^--tls(verify)?=(false|0)$/i.test(a));
      const aliasNode = yget(it, "alias");
      const alias = isStr(aliasNode) ? aliasNode.value.split(",").map((a) => a.trim()).filter(Boolean) : [];
      const hostnames = [...alias, ...defaultHostnames(image.value)];
      w.facts = { dind: true, tlsDisabled: tlsOff, hostnames };
      const info: DindInfo = { alias: hostnames, tlsOff };
      if (nameNode.pos) info.at = nameNode.pos;
      out.push(info);
      const ep: DaemonEndpoint = {
        file: c.file.path,
        object: `${prefix} service ${image.value}`,
        address: `tcp://${hostnames[0] ?? "docker"}:${tlsOff ? 2375 : 2376}`,
        tls: tlsOff ? "off" : "verify",
        role: "listener",
      };
      const at = certdir && tlsOff ? posOfVar(yget(it, "variables"), vars, "DOCKER_TLS_CERTDIR") ?? nameNode.pos : nameNode.pos;
      if (at) ep.at = at;
      c.endpoints.push(ep);
    }
    c.workloads.push(w);
  }
  return out;
}

function posOfVar(local: YValue | undefined, _vars: Vars, name: string): Pos | undefined {
  const v = yget(local, name);
  return v?.pos;
}

/** GitLab's default service hostnames: `docker:24-dind` → `docker`, `registry.x/a/b:1` → `registry.x__a__b`, `registry.x-a-b`. */
function defaultHostnames(image: string): string[] {
  const noTag = image.replace(/:[^/:]*$/, "").replace(/@.*$/, "");
  const a = noTag.replace(/\//g, "__");
  const b = noTag.replace(/\//g, "-");
  return [...new Set([a, b])];
}

/** `DOCKER_HOST` in variables: a client endpoint; TLS off when it points at a dind service without TLS. */
function clientEndpoint(c: Collector, vars: Vars, node: YValue | undefined, prefix: string, dind: DindInfo[]): void {
  const host = vars.get("DOCKER_HOST");
  if (!host) return;
  const addr = host.value;
  const m = /^tcp:\/\/([^:/]+)(?::(\d+))?/i.exec(addr);
  let tls: DaemonEndpoint["tls"] = "unknown";
  if (m) {
    const target = dind.find((d) => d.alias.includes(m[1]!));
    const verify = (vars.get("DOCKER_TLS_VERIFY")?.value ?? "") !== "";
    if (verify) tls = "verify";
    else if (target) tls = target.tlsOff ? "off" : "unknown";
    else tls = "off";
  }
  const ep: DaemonEndpoint = { file: c.file.path, object: `${prefix} DOCKER_HOST`, address: addr, tls, role: "client" };
  if (node?.pos) ep.at = node.pos;
  c.endpoints.push(ep);
}

export const gitlabCiSource: Source = {
  id: "gitlab-ci",
  detect: (f: SourceFile) => isGitlabCiPath(f.path),
  extract: (f, ctx) => guarded(f, (c) => extract(c, ctx)),
};

