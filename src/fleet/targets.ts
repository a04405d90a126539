/**
 * Which endpoints a fleet audit covers: repeated `--host`, `--context`, `--all-contexts` (every
 * context in the docker CLI's store, plus `default`), and `--hosts-file` (one endpoint per line).
 * Parsing is pure (`parseHostsFile`); reading the file and the context store is at the edge.
 */
import { readFileSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONTEXT, EndpointError, configDirOf, parseDockerHost, validateContextName, type Env } from "../engine/index.js";

/** One endpoint to audit: a host URL (`-H` form) or a context name. */
export interface FleetTarget {
  host?: string;
  context?: string;
}

/** A bad `--hosts-file` line, a bad `--host`, an unreadable context store…: a usage error (exit 2). */
export class FleetInputError extends Error {
  override name = "FleetInputError";
}

const SCHEMES = ["unix", "tcp", "ssh"];

/** Check one endpoint string; return its canonical URL (the label findings carry) or a reason it is wrong. */
export function checkEndpoint(raw: string): { url: string } | { error: string } {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { error: "contains a control character" };
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw);
  if (!m) return { error: `${JSON.stringify(raw)} has no scheme: write unix:///path/docker.sock, tcp://host:port or ssh://user@host` };
  if (!SCHEMES.includes(m[1]!.toLowerCase())) return { error: `unsupported scheme ${JSON.stringify(m[1])} in ${JSON.stringify(raw)}: use unix://, tcp:// or ssh://` };
  try {
    return { url: parseDockerHost(raw, false).url };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * `fleet.txt`: one endpoint per line (`unix://`, `tcp://`, `ssh://`); `#` starts a comment (a whole
 * line, or after whitespace at the end of a line); blank lines are ignored. Every bad line is
 * reported with its number; the caller decides (the CLI stops before auditing anything, so a typo
 * never silently shrinks the fleet).
 */
export function parseHostsFile(text: string, file: string): { targets: FleetTarget[]; errors: string[] } {
  const targets: FleetTarget[] = [];
  const errors: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((line, i) => {
    const n = i + 1;
    const body = line.replace(/(^|\s)#.*$/, "").trim();
    if (body === "") return;
    if (/\s/.test(body)) {
      errors.push(`${file}:${n}: one endpoint per line, found ${JSON.stringify(body)}`);
      return;
    }
    const c = checkEndpoint(body);
    if ("error" in c) errors.push(`${file}:${n}: ${c.error}`);
    else targets.push({ host: body });
  });
  return { targets, errors };
}

/** Read and parse a hosts file; throws FleetInputError with every bad line. */
export function readHostsFile(path: string): FleetTarget[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FleetInputError(`${path}: cannot read the hosts file: ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const { targets, errors } = parseHostsFile(text, path);
  if (errors.length) throw new FleetInputError(errors.join("\n"));
  if (!targets.length) throw new FleetInputError(`${path}: no endpoints in the hosts file (only comments or blank lines)`);
  return targets;
}

/**
 * The context store's names (`<configDir>/contexts/meta/<sha256>/meta.json`, field `Name`), sorted,
 * with `default` first as `docker context ls` shows it. Unreadable or nameless entries are
 * returned as problems, not dropped silently.
 */
export function listContexts(configDir: string): { names: string[]; problems: string[] } {
  const metaDir = join(configDir, "contexts", "meta");
  const names: string[] = [];
  const problems: string[] = [];
  let dirs: string[] = [];
  try {
    dirs = readdirSync(metaDir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") problems.push(`cannot list the context store ${metaDir}: ${(e as Error).message}`);
  }
  for (const d of dirs.sort()) {
    const p = join(metaDir, d, "meta.json");
    let meta: unknown;
    try {
      meta = JSON.parse(readFileSync(p, "utf8"));
    } catch (e) {
      problems.push(`context store entry ${p}: ${(e as Error).message}`);
      continue;
    }
    let name: unknown;
    if (meta && typeof meta === "object" && !Array.isArray(meta)) {
      // Go's decoder matches keys case-insensitively.
      for (const [k, v] of Object.entries(meta)) if (k.toLowerCase() === "name") name = v;
    }
    if (typeof name !== "string" || name === "") {
      problems.push(`context store entry ${p} has no Name`);
      continue;
    }
    try {
      validateContextName(name);
    } catch (e) {
      problems.push(`context store entry ${p}: ${(e as Error).message}`);
      continue;
    }
    if (name !== DEFAULT_CONTEXT) names.push(name);
  }
  return { names: [DEFAULT_CONTEXT, ...[...new Set(names)].sort()], problems };
}

export interface FleetSelection {
  hosts?: string[];
  contexts?: string[];
  allContexts?: boolean;
  hostsFile?: string;
  /** `--config DIR` (the context store's parent). */
  config?: string;
  env?: Env;
  home?: string;
}

/**
 * Every target the flags name, in order (hosts, contexts, the store's contexts, the hosts file),
 * duplicates dropped. Throws FleetInputError on a bad endpoint, a bad context name, an unreadable
 * hosts file, or nothing to audit. `problems` are store entries that could not be read (the CLI
 * reports them as errors of the run and goes on with the others).
 */
export function selectTargets(sel: FleetSelection): { targets: FleetTarget[]; problems: string[] } {
  const out: FleetTarget[] = [];
  const problems: string[] = [];
  const bad: string[] = [];
  for (const h of sel.hosts ?? []) {
    const c = checkEndpoint(h.trim());
    if ("error" in c) bad.push(`--host ${c.error}`);
    else out.push({ host: h.trim() });
  }
  for (const name of sel.contexts ?? []) {
    try {
      validateContextName(name);
      out.push({ context: name });
    } catch (e) {
      bad.push(`--context: ${(e as EndpointError).message}`);
    }
  }
  if (sel.allContexts) {
    const env = sel.env ?? process.env;
    const dir = configDirOf({ ...(sel.config ? { config: sel.config } : {}) }, env, sel.home ?? homedir());
    const l = listContexts(dir);
    problems.push(...l.problems);
    for (const name of l.names) out.push({ context: name });
  }
  if (bad.length) throw new FleetInputError(bad.join("\n"));
  if (sel.hostsFile) out.push(...readHostsFile(sel.hostsFile));
  if (!out.length) throw new FleetInputError("no endpoints to audit: give --host, --context, --all-contexts or --hosts-file");
  return { targets: dedupeTargets(out), problems };
}

/** The label a target's findings carry: the canonical host URL, or the context name. */
export function targetLabel(t: FleetTarget): string {
  if (t.context !== undefined) return t.context;
  const c = checkEndpoint((t.host ?? "").trim());
  return "url" in c ? c.url : (t.host ?? "").trim();
}

export function dedupeTargets(ts: FleetTarget[]): FleetTarget[] {
  const seen = new Set<string>();
  const out: FleetTarget[] = [];
  for (const t of ts) {
    const k = `${t.context !== undefined ? "c" : "h"}:${targetLabel(t)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(t);
  }
  return out;
}
