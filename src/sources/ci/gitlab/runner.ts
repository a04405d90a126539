/**
 * GitLab Runner `config.toml`: each `[[runners]]` with `executor = "docker"` starts job
 * containers as `[runners.docker]` says — `privileged`, `volumes` (the classic
 * "/var/run/docker.sock:/var/run/docker.sock"), `devices`, `cap_add`, `security_opt`,
 * `network_mode`, `userns_mode` — so each becomes one Workload (role "job"). `host` is the
 * daemon the runner talks to: a client endpoint.
 *
 * TOML parsed by smol-toml (no positions): values are located by searching the runner's own
 * section of the text, so a finding points at the line that sets it.
 */
import { namespaceFromMode } from "../../../model/namespace.js";
import { parse as parseToml } from "smol-toml";
import { emptyWorkload, type Workload } from "../../../model/workload.js";
import { located, type Pos } from "../../../model/location.js";
import type { DaemonEndpoint, Source, SourceFile } from "../../types.js";
import { parseVolumeSpec } from "../../dockerargs/mounts.js";
import { normalizeSecurityOpt } from "../../dockerargs/parse.js";
import { guarded, type Collector } from "../common.js";

export function isRunnerConfig(f: SourceFile): boolean {
  const b = f.path.slice(f.path.lastIndexOf("/") + 1);
  return b.endsWith(".toml") && /^\s*\[\[runners\]\]/m.test(f.text.slice(0, 200_000));
}

type Tbl = Record<string, unknown>;

/** Line ranges of each `[[runners]]` section, in order. */
function runnerSections(lines: string[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  lines.forEach((l, i) => {
    if (/^\s*\[\[runners\]\]\s*(#.*)?$/.test(l)) {
      if (out.length) out[out.length - 1]!.end = i;
      out.push({ start: i, end: lines.length });
    }
  });
  return out;
}

/** 1-based position of `needle` (a key or a quoted value) inside the section's lines. */
function find(lines: string[], sec: { start: number; end: number }, needle: RegExp | string, after = -1): Pos | undefined {
  for (let i = Math.max(sec.start, after); i < sec.end; i++) {
    const l = lines[i]!;
    let idx = typeof needle === "string" ? l.indexOf(needle) : l.search(needle);
    if (idx >= 0) idx += /^\s*/.exec(l.slice(idx))![0].length;
    if (idx >= 0 && !l.trimStart().startsWith("#")) return { line: i + 1, column: idx + 1 };
  }
  return undefined;
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function extract(c: Collector): void {
  let doc: Tbl;
  try {
    doc = parseToml(c.file.text) as Tbl;
  } catch (e) {
    const err = e as { line?: number; message: string };
    c.error(`TOML: ${err.message.split("\n")[0]}`, err.line);
    return;
  }
  const lines = c.fileLines();
  const secs = runnerSections(lines);
  const runners = Array.isArray(doc.runners) ? (doc.runners as Tbl[]) : [];
  runners.forEach((r, idx) => {
    const sec = secs[idx] ?? { start: 0, end: lines.length };
    const name = typeof r.name === "string" ? r.name : `#${idx + 1}`;
    const executor = typeof r.executor === "string" ? r.executor : "";
    const d = (r.docker ?? undefined) as Tbl | undefined;
    if (!d || typeof d !== "object") return;
    const dockerSec = find(lines, sec, /^\s*\[runners\.docker\]/);
    const from = dockerSec ? dockerSec.line - 1 : sec.start;
    const object = `runner ${name} (${executor || "docker"} executor) job containers`;
    const w: Workload = emptyWorkload({ door: "ci", file: c.file.path, ...(dockerSec ? { at: dockerSec } : { at: { line: sec.start + 1, column: 1 } }), object }, "job");
    w.facts = { gitlabRunner: true, executor };
    if (typeof d.image === "string") w.image = located(d.image, find(lines, sec, /^\s*image\s*=/, from));
    if (typeof d.privileged === "boolean") w.privileged = located(d.privileged, find(lines, sec, /^\s*privileged\s*=/, from));
    if (typeof d.services_privileged === "boolean") w.facts.servicesPrivileged = d.services_privileged;
    for (const v of strList(d.volumes)) w.mounts.push(parseVolumeSpec(v, find(lines, sec, `"${v}"`, from) ?? find(lines, sec, `'${v}'`, from)));
    for (const v of strList(d.devices)) w.devices.push(located(v.split(":")[0]!, find(lines, sec, `"${v}"`, from)));
    for (const v of strList(d.cap_add)) w.capAdd.push(located(v, find(lines, sec, `"${v}"`, from)));
    for (const v of strList(d.cap_drop)) w.capDrop.push(located(v, find(lines, sec, `"${v}"`, from)));
    for (const v of strList(d.security_opt)) w.securityOpt.push(located(normalizeSecurityOpt(v), find(lines, sec, `"${v}"`, from)));
    for (const v of strList(d.group_add)) w.groups.push(located(v, find(lines, sec, `"${v}"`, from)));
    if (typeof d.user === "string") w.user = located(d.user, find(lines, sec, /^\s*user\s*=/, from));
    const ns: [string, "network" | "userns" | "pid" | "ipc"][] = [["network_mode", "network"], ["userns_mode", "userns"], ["pid_mode", "pid"], ["ipc_mode", "ipc"]];
    for (const [key, nsName] of ns) {
      const v = d[key];
      if (typeof v !== "string") continue;
      w.namespaces[nsName] = located(namespaceFromMode(nsName, v), find(lines, sec, new RegExp(`^\\s*${key}\\s*=`), from));
    }
    c.workloads.push(w);
    if (typeof d.host === "string" && d.host) {
      const ep: DaemonEndpoint = {
        file: c.file.path,
        object: `runner ${name} docker host`,
        address: d.host,
        tls: /^tcp:\/\//i.test(d.host) ? (d.tls_verify === true ? "verify" : typeof d.tls_cert_path === "string" && d.tls_cert_path ? "unknown" : "off") : "unknown",
        role: "client",
      };
      const at = find(lines, sec, /^\s*host\s*=/, from);
      if (at) ep.at = at;
      c.endpoints.push(ep);
    }
  });
}

export const gitlabRunnerSource: Source = {
  id: "gitlab-runner",
  detect: isRunnerConfig,
  extract: (f) => guarded(f, extract),
};
