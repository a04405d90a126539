import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { isMap, isScalar, isSeq, type LineCounter } from "yaml";
import { CONCERNS, isConcern, type Concern } from "../model/concern.js";
import { socketExposure } from "../model/hostpath.js";
import { SEVERITIES, isSeverity } from "../model/severity.js";
import { parseYamlDocuments, toY, YamlBudgetError, type YMap, type YValue } from "../sources/yamldoc.js";
import { normalizeCapability } from "./capabilities.js";
import { MATCH_KEYS, parseIsoDate } from "./match.js";
import { defaultPolicy, type BreakGlass, type ExceptionMatch, type Policy, type PolicyException, type ProxyPolicy, type RuleSetting, type ScanPolicy, type WatchPolicy } from "./types.js";

/**
 * `sockwarden.yaml`: read, validate, and turn into a `Policy`. Every door runs on the result, so the
 * validator is strict on purpose: an unknown key is an error (a typo such as `exception:` must not
 * silently drop every exception), as are duplicate keys, unknown concerns and capabilities, and
 * exceptions without reason, owner or a real expiry date. All problems are collected and reported
 * together, each as `<file>:<line>: <what is wrong>`.
 */

export interface PolicyProblem {
  /** 1-based line; absent for file-level problems (not found, unreadable). */
  line?: number;
  message: string;
}

export class PolicyError extends Error {
  readonly file: string;
  /** Line of the first problem. */
  readonly line?: number;
  readonly problems: PolicyProblem[];
  constructor(file: string, problems: PolicyProblem[]) {
    super(problems.map((p) => (p.line !== undefined ? `${file}:${p.line}: ${p.message}` : `${file}: ${p.message}`)).join("\n"));
    this.name = "PolicyError";
    this.file = file;
    this.problems = problems;
    if (problems[0]?.line !== undefined) this.line = problems[0].line;
  }
}

export const RULE_SETTINGS: readonly RuleSetting[] = ["deny", "warn", "off"];
export const TOP_LEVEL_KEYS = ["version", "rules", "allow", "exceptions", "proxy", "webhook", "watch", "scan", "audit"] as const;
export const ALLOW_KEYS = ["hostPaths", "capabilities", "images"] as const;
export const EXCEPTION_KEYS = ["concern", "match", "reason", "owner", "expires"] as const;
export const BREAK_GLASS_KEYS = ["namespace", "reason", "owner", "expires"] as const;
export const PROXY_KEYS = ["preset", "endpoints", "redact", "ownership", "auditLog", "listen", "upstream", "busyPoll"] as const;
export const PROXY_PRESETS = [
  "guarded",
  "readonly",
  "traefik",
  "traefik-swarm",
  "homepage",
  "dozzle",
  "watchtower",
  "cadvisor",
  "datadog",
  "portainer-readonly",
  "testcontainers",
  "jenkins",
  "gitlab-runner",
  "docker-volume-backup",
] as const;
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;
export const WEBHOOK_KEYS = ["breakGlass"] as const;
export const WATCH_KEYS = ["sinks", "interval"] as const;
export const SCAN_KEYS = ["exclude", "failOn", "maxFileSize"] as const;
/** The `audit:` section is reserved: it must be a map and has no settings yet. */
export const AUDIT_KEYS = [] as const;

/** Policy files larger than this are refused (a policy is a page, not a data set). */
const MAX_POLICY_BYTES = 1024 * 1024;

/* ------------------------------------------------------------------------------------------ */

/** Validate policy text. `file` is only used in messages and `Policy.file`/exception sources. */
export function parsePolicy(text: string, file: string): Policy {
  const v = new Validator();
  const root = readDocument(text, file, v);
  // Syntax errors and expansion bombs leave no tree to validate; duplicate keys and extra
  // documents do, so everything else is still reported in the same run.
  if (root === undefined && v.problems.length) throw new PolicyError(file, v.sorted());
  const policy = defaultPolicy();
  policy.file = file;
  if (root === undefined || (root.kind === "scalar" && (root.value === null || root.value === undefined || root.value === ""))) {
    throw new PolicyError(file, [{ line: 1, message: "empty policy file: `version: 1` is required" }]);
  }
  if (root.kind !== "map") {
    throw new PolicyError(file, [{ line: line(root), message: `the policy must be a map (version, rules, allow, exceptions …), got ${describe(root)}` }]);
  }
  v.keys(root, TOP_LEVEL_KEYS, "", "top-level key");

  const version = root.entries.get("version");
  if (version === undefined) v.add(1, "`version: 1` is required");
  else if (!(version.kind === "scalar" && version.value === 1)) v.add(line(version), `version must be 1, got ${describe(version)}`);

  readRules(root, v, policy);
  readAllow(root, v, policy);
  readExceptions(root, v, policy, file);
  const proxy = readProxy(root, v);
  if (proxy) policy.proxy = proxy;
  const webhook = readWebhook(root, v);
  if (webhook) policy.webhook = webhook;
  const watch = readWatch(root, v);
  if (watch) policy.watch = watch;
  const scan = readScan(root, v);
  if (scan) policy.scan = scan;
  const audit = v.section(root, "audit");
  if (audit) {
    v.keys(audit, AUDIT_KEYS, "audit", "key");
    policy.audit = {};
  }

  if (v.problems.length) throw new PolicyError(file, v.sorted());
  return policy;
}

/** Parse the YAML (one document), reporting parse errors, extra documents and duplicate keys. */
function readDocument(text: string, file: string, v: Validator): YValue | undefined {
  const docs = parseYamlDocuments(text, { version: "1.2" });
  const withContent = docs.filter((d) => d.doc.contents !== null || d.errors.length);
  for (const d of withContent) for (const e of d.errors) v.add(e.line, `YAML syntax error: ${e.message}`);
  if (v.problems.length) return undefined;
  if (withContent.length === 0) return undefined;
  const first = withContent[0]!;
  if (withContent.length > 1) {
    const second = withContent[1]!;
    const start = second.doc.contents?.range?.[0] ?? 0;
    v.add(second.lineCounter.linePos(start).line, "a policy file holds one YAML document; a second one starts here");
  }
  findDuplicateKeys(first.doc.contents, first.lineCounter, v, 0);
  try {
    return toY(first.doc, first.doc.contents, first.lineCounter, { file, budget: 200_000, maxDepth: 64 });
  } catch (e) {
    if (e instanceof YamlBudgetError) {
      v.add(1, e.message);
      return undefined;
    }
    throw e;
  }
}

/** The YAML reader keeps the last of two equal keys; for a policy that hides a setting, so it is an error. */
function findDuplicateKeys(node: unknown, lc: LineCounter, v: Validator, depth: number): void {
  if (depth > 64 || node === null || node === undefined) return;
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const k = pair.key;
      if (isScalar(k) && typeof k.value !== "symbol") {
        const name = String(k.value);
        const ln = k.range ? lc.linePos(k.range[0]).line : 1;
        const first = seen.get(name);
        if (first !== undefined) v.add(ln, `duplicate key "${name}" (first at line ${first})`);
        else seen.set(name, ln);
      }
      findDuplicateKeys(pair.value, lc, v, depth + 1);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) findDuplicateKeys(item, lc, v, depth + 1);
  }
}

/* ---------------- sections ---------------- */

function readRules(root: YMap, v: Validator, policy: Policy): void {
  const m = v.section(root, "rules");
  if (!m) return;
  for (const [key, val] of m.entries) {
    const kl = keyLine(m, key);
    if (!isConcern(key)) {
      v.add(kl, `rules: unknown concern "${key}"${suggest(key, CONCERNS)} (known: ${CONCERNS.join(", ")})`);
      continue;
    }
    const s = val.kind === "scalar" && typeof val.value === "string" ? val.value : undefined;
    if (s === undefined || !(RULE_SETTINGS as readonly string[]).includes(s)) {
      v.add(line(val, kl), `rules.${key}: must be deny, warn or off, got ${describe(val)}`);
      continue;
    }
    policy.rules[key] = s as RuleSetting;
  }
}

function readAllow(root: YMap, v: Validator, policy: Policy): void {
  const m = v.section(root, "allow");
  if (!m) return;
  v.keys(m, ALLOW_KEYS, "allow", "key");
  v.each(m, "hostPaths", "allow", (item, where) => {
    const s = v.text(item, where);
    if (s === undefined) return;
    if (!s.startsWith("/")) return v.add(line(item), `${where}: must be an absolute host path (starting with /), got "${s}"`);
    const exp = socketExposure(s);
    if (exp) {
      const what = exp.relation === "socket" ? `is a runtime socket (${exp.runtime})` : `contains runtime sockets (${exp.reaches.slice(0, 3).join(", ")}${exp.reaches.length > 3 ? " …" : ""})`;
      return v.add(line(item), `${where}: "${s}" ${what}; an allow-list cannot cover a runtime socket: use an exception with reason, owner and expires`);
    }
    policy.allow.hostPaths.push(s);
  });
  v.each(m, "capabilities", "allow", (item, where) => {
    const s = v.text(item, where);
    if (s === undefined) return;
    const cap = normalizeCapability(s);
    if (!cap) return v.add(line(item), `${where}: unknown capability "${s}" (a Linux capability such as NET_BIND_SERVICE, with or without CAP_, or ALL)`);
    if (!policy.allow.capabilities.includes(cap)) policy.allow.capabilities.push(cap);
  });
  v.each(m, "images", "allow", (item, where) => {
    const s = v.text(item, where);
    if (s !== undefined) policy.allow.images.push(s);
  });
}

function readExceptions(root: YMap, v: Validator, policy: Policy, file: string): void {
  v.each(root, "exceptions", "", (item, where) => {
    const m = v.map(item, where);
    if (!m) return;
    v.keys(m, EXCEPTION_KEYS, where, "key");
    const at = line(m);
    const concernV = v.required(m, "concern", where);
    let concern: Concern | "*" | undefined;
    if (concernV) {
      const c = v.text(concernV, `${where}.concern`);
      if (c !== undefined) {
        if (c === "*" || isConcern(c)) concern = c;
        else v.add(line(concernV), `${where}.concern: unknown concern "${c}"${suggest(c, CONCERNS)} (known: ${CONCERNS.join(", ")}, or * for all)`);
      }
    }
    const match = readMatch(m, v, where);
    const common = readOwned(m, v, where);
    if (concern && match && common) {
      const exc: PolicyException = { concern, match, ...common, source: file, line: at };
      policy.exceptions.push(exc);
    }
  });
}

function readMatch(m: YMap, v: Validator, where: string): ExceptionMatch | undefined {
  const mv = v.required(m, "match", where);
  if (!mv) return undefined;
  const mm = v.map(mv, `${where}.match`);
  if (!mm) return undefined;
  v.keys(mm, MATCH_KEYS, `${where}.match`, "key");
  const out: ExceptionMatch = {};
  let ok = true;
  for (const key of MATCH_KEYS) {
    const val = mm.entries.get(key);
    if (val === undefined) continue;
    const s = v.text(val, `${where}.match.${key}`);
    if (s === undefined) ok = false;
    else if (key === "label" && (s.startsWith("=") || s.trim() === "")) {
      v.add(line(val), `${where}.match.label: must be "key=value" or "key", got "${s}"`);
      ok = false;
    } else out[key] = s;
  }
  if (Object.keys(out).length === 0 && ok && [...mm.entries.keys()].every((k) => !(MATCH_KEYS as readonly string[]).includes(k))) {
    v.add(line(mm), `${where}.match: needs at least one of ${MATCH_KEYS.join(", ")}`);
    return undefined;
  }
  return ok ? out : undefined;
}

/** reason, owner and expires: what makes an exception or a break-glass entry owned and temporary. */
function readOwned(m: YMap, v: Validator, where: string): { reason: string; owner: string; expires: string } | undefined {
  const reasonV = v.required(m, "reason", where);
  const ownerV = v.required(m, "owner", where);
  const expiresV = v.required(m, "expires", where);
  const reason = reasonV && v.text(reasonV, `${where}.reason`);
  const owner = ownerV && v.text(ownerV, `${where}.owner`);
  let expires = expiresV && v.text(expiresV, `${where}.expires`);
  if (expiresV && expires !== undefined && parseIsoDate(expires) === undefined) {
    v.add(line(expiresV), `${where}.expires: must be a date YYYY-MM-DD, got "${expires}"`);
    expires = undefined;
  }
  if (reason === undefined || owner === undefined || expires === undefined) return undefined;
  return { reason, owner, expires };
}

function readProxy(root: YMap, v: Validator): (ProxyPolicy & Record<string, unknown>) | undefined {
  const m = v.section(root, "proxy");
  if (!m) return undefined;
  v.keys(m, PROXY_KEYS, "proxy", "key");
  const out: ProxyPolicy & Record<string, unknown> = {};
  const preset = v.optText(m, "preset", "proxy");
  if (preset !== undefined) {
    if ((PROXY_PRESETS as readonly string[]).includes(preset)) out.preset = preset;
    else v.add(line(m.entries.get("preset")), `proxy.preset: unknown preset "${preset}"${suggest(preset, PROXY_PRESETS)} (known: ${PROXY_PRESETS.join(", ")})`);
  }
  const ep = m.entries.get("endpoints");
  if (ep !== undefined && !isNull(ep)) {
    const em = v.map(ep, "proxy.endpoints");
    if (em) {
      v.keys(em, ["allow", "deny"], "proxy.endpoints", "key");
      const endpoints: { allow?: string[]; deny?: string[] } = {};
      for (const which of ["allow", "deny"] as const) {
        if (!em.entries.has(which)) continue;
        const list: string[] = [];
        v.each(em, which, "proxy.endpoints", (item, where) => {
          const s = v.text(item, where);
          if (s === undefined) return;
          const e = parseEndpoint(s);
          if (typeof e === "string") v.add(line(item), `${where}: ${e}`);
          else list.push(e.method + " " + e.path);
        });
        endpoints[which] = list;
      }
      out.endpoints = endpoints;
    }
  }
  if (m.entries.has("redact")) {
    const list: string[] = [];
    v.each(m, "redact", "proxy", (item, where) => {
      const s = v.text(item, where);
      if (s === undefined) return;
      if (s !== "env") v.add(line(item), `${where}: unknown redaction "${s}" (known: env)`);
      else if (!list.includes(s)) list.push(s);
    });
    out.redact = list;
  }
  const ownership = v.optText(m, "ownership", "proxy");
  if (ownership !== undefined) {
    if (ownership === "label" || ownership === "none") out.ownership = ownership;
    else v.add(line(m.entries.get("ownership")), `proxy.ownership: must be label or none, got "${ownership}"`);
  }
  for (const key of ["auditLog", "listen", "upstream"] as const) {
    const s = v.optText(m, key, "proxy");
    if (s !== undefined) out[key] = s;
  }
  const busy = v.optText(m, "busyPoll", "proxy");
  if (busy !== undefined) {
    const us = parseBusyPoll(busy);
    if (typeof us === "string") v.add(line(m.entries.get("busyPoll")), `proxy.busyPoll: ${us}`);
    else out.busyPoll = busy;
  }
  return out;
}

/** `"GET /containers/{id}/logs"` → method and path; a string describing the problem otherwise. */
export function parseEndpoint(s: string): { method: string; path: string } | string {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(s);
  if (!m) return `must be "METHOD /path" (e.g. "GET /containers/{id}/logs"), got "${s}"`;
  const method = m[1]!.toUpperCase();
  if (method !== "*" && !(HTTP_METHODS as readonly string[]).includes(method)) return `unknown HTTP method "${m[1]}" in "${s}" (known: ${HTTP_METHODS.join(", ")}, or *)`;
  if (!m[2]!.startsWith("/")) return `the path must start with / in "${s}"`;
  return { method, path: m[2]! };
}

function readWebhook(root: YMap, v: Validator): ({ breakGlass: BreakGlass[] } & Record<string, unknown>) | undefined {
  const m = v.section(root, "webhook");
  if (!m) return undefined;
  v.keys(m, WEBHOOK_KEYS, "webhook", "key");
  const breakGlass: BreakGlass[] = [];
  v.each(m, "breakGlass", "webhook", (item, where) => {
    const bm = v.map(item, where);
    if (!bm) return;
    v.keys(bm, BREAK_GLASS_KEYS, where, "key");
    const nsV = v.required(bm, "namespace", where);
    let namespace = nsV && v.text(nsV, `${where}.namespace`);
    if (nsV && namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
      v.add(line(nsV), `${where}.namespace: "${namespace}" is not a Kubernetes namespace name (lower-case letters, digits and -, at most 63)`);
      namespace = undefined;
    }
    const owned = readOwned(bm, v, where);
    if (namespace !== undefined && owned) breakGlass.push({ namespace, ...owned, line: line(bm) });
  });
  return { breakGlass };
}

function readWatch(root: YMap, v: Validator): (WatchPolicy & Record<string, unknown>) | undefined {
  const m = v.section(root, "watch");
  if (!m) return undefined;
  v.keys(m, WATCH_KEYS, "watch", "key");
  const out: WatchPolicy & Record<string, unknown> = {};
  if (m.entries.has("sinks")) {
    const sinks: string[] = [];
    v.each(m, "sinks", "watch", (item, where) => {
      const s = v.text(item, where);
      if (s === undefined) return;
      const problem = sinkProblem(s);
      if (problem) v.add(line(item), `${where}: ${problem}`);
      else sinks.push(s);
    });
    out.sinks = sinks;
  }
  const interval = v.optText(m, "interval", "watch");
  if (interval !== undefined) {
    const ms = parseDuration(interval);
    if (ms === undefined || ms <= 0) v.add(line(m.entries.get("interval")), `watch.interval: must be a positive duration such as 30s, 10m or 1h30m, got "${interval}"`);
    else out.interval = interval;
  }
  return out;
}

/** Sinks use the `--sink` flag's syntax: `stdout`, `syslog[=address]`, `file=<path>`, `webhook=<http(s) URL>`. */
function sinkProblem(s: string): string | undefined {
  if (s === "stdout" || s === "syslog") return undefined;
  const eq = s.indexOf("=");
  const kind = eq < 0 ? s : s.slice(0, eq);
  const arg = eq < 0 ? "" : s.slice(eq + 1);
  switch (kind) {
    case "syslog":
      return arg ? undefined : `syslog needs an address after = (or write plain "syslog")`;
    case "file":
      return arg ? undefined : `file sink needs a path: "file=/var/log/sockwarden.jsonl"`;
    case "webhook": {
      let u: URL | undefined;
      try {
        u = new URL(arg);
      } catch {
        u = undefined;
      }
      return u && (u.protocol === "http:" || u.protocol === "https:") ? undefined : `webhook sink needs an http(s) URL: "webhook=https://alerts.example/hook", got "${s}"`;
    }
    default:
      return `unknown sink "${s}" (stdout, syslog, file=<path>, webhook=<url>)`;
  }
}

/** Longest `proxy.busyPoll` / `--busy-poll` accepted, in µs: beyond a few ms sleeping costs less. */
export const MAX_BUSY_POLL_US = 10_000;

/**
 * `proxy.busyPoll` / `--busy-poll`: `250us` (or `250µs`), `0.5ms`, `0` or `off` (never spin), in
 * microseconds; a string saying what is wrong otherwise.
 */
export function parseBusyPoll(s: string): number | string {
  const t = s.trim();
  if (t === "off" || t === "0") return 0;
  const m = /^(\d+(?:\.\d+)?)(us|µs|μs|ms)$/.exec(t);
  if (!m) return `must be a duration such as 250us or 1ms, or off; got "${s}"`;
  const us = Number(m[1]) * (m[2] === "ms" ? 1000 : 1);
  if (us > MAX_BUSY_POLL_US) return `at most ${MAX_BUSY_POLL_US / 1000}ms (longer spins cost more CPU than the sleep they save); got "${s}"`;
  return Math.round(us);
}

/** Go-style duration (`300ms`, `30s`, `10m`, `1h30m`, `1.5h`) in milliseconds; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  const t = s.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const part of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(part[1]) * unit[part[2]!]!;
  return total;
}

function readScan(root: YMap, v: Validator): (ScanPolicy & Record<string, unknown>) | undefined {
  const m = v.section(root, "scan");
  if (!m) return undefined;
  v.keys(m, SCAN_KEYS, "scan", "key");
  const out: ScanPolicy & Record<string, unknown> = {};
  if (m.entries.has("exclude")) {
    const exclude: string[] = [];
    v.each(m, "exclude", "scan", (item, where) => {
      const s = v.text(item, where);
      if (s !== undefined) exclude.push(s);
    });
    out.exclude = exclude;
  }
  const failOn = v.optText(m, "failOn", "scan");
  if (failOn !== undefined) {
    if (isSeverity(failOn)) out.failOn = failOn;
    else v.add(line(m.entries.get("failOn")), `scan.failOn: must be one of ${SEVERITIES.join(", ")}, got "${failOn}"`);
  }
  const size = m.entries.get("maxFileSize");
  if (size !== undefined && !isNull(size)) {
    if (size.kind === "scalar" && typeof size.value === "number" && Number.isInteger(size.value) && size.value > 0) out.maxFileSize = size.value;
    else v.add(line(size), `scan.maxFileSize: must be a positive whole number of bytes, got ${describe(size)}`);
  }
  return out;
}

/* ---------------- discovery ---------------- */

export interface LoadPolicyOptions {
  /** `--policy FILE`: that file, relative to the working directory; a missing file is an error. */
  file?: string;
  /** The scan root where discovery starts (default: the working directory). */
  root?: string;
  /** Environment to read `SOCKWARDEN_POLICY` from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/** File names looked for in each directory, in this order. Two of them in one directory is an error. */
export const POLICY_FILE_NAMES = ["sockwarden.yaml", "sockwarden.yml", ".sockwarden.yaml"] as const;

/**
 * Find and parse the policy:
 * 1. `opts.file` (the `--policy` flag), else 2. `SOCKWARDEN_POLICY` (non-empty): that file, which
 *    must exist; messages name it as given.
 * 3. Else discovery: the names in `POLICY_FILE_NAMES` in `root` (its directory when `root` is a
 *    file), then in each parent up to and including the directory that contains `.git` (the
 *    repository top). When `root` is not inside a git repository only `root` itself is searched
 *    (never a stray file in `/` or `$HOME`).
 *    Messages name the file relative to `root`.
 * 4. Nothing found: `defaultPolicy()` (every concern denies, no exceptions).
 */
export function loadPolicy(opts: LoadPolicyOptions = {}): Policy {
  const env = opts.env ?? process.env;
  const explicit = opts.file ?? (env.SOCKWARDEN_POLICY ? env.SOCKWARDEN_POLICY : undefined);
  if (explicit !== undefined) return readPolicyFile(path.resolve(explicit), explicit);
  let root = path.resolve(opts.root ?? ".");
  if (isFile(root)) root = path.dirname(root); // `sockwarden scan compose.yml`: start beside the file
  for (const dir of searchDirs(root)) {
    const found = POLICY_FILE_NAMES.filter((n) => isFile(path.join(dir, n)));
    if (found.length === 0) continue;
    const shown = (n: string) => (path.relative(root, path.join(dir, n)) || n).split(path.sep).join("/");
    if (found.length > 1) {
      throw new PolicyError(shown(found[0]!), [{ message: `more than one policy file in the same directory (${found.join(", ")}): keep one, so it is clear which applies` }]);
    }
    return readPolicyFile(path.join(dir, found[0]!), shown(found[0]!));
  }
  return defaultPolicy();
}

function searchDirs(root: string): string[] {
  const chain: string[] = [];
  let dir = root;
  for (;;) {
    chain.push(dir);
    if (exists(path.join(dir, ".git"))) return chain;
    const parent = path.dirname(dir);
    if (parent === dir) return [root]; // no repository above: only the root itself
    dir = parent;
  }
}

function readPolicyFile(abs: string, shown: string): Policy {
  let st;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PolicyError(shown, [{ message: code === "ENOENT" ? "policy file not found" : `cannot read policy file (${code ?? String(e)})` }]);
  }
  if (!st.isFile()) throw new PolicyError(shown, [{ message: "policy path is not a regular file" }]);
  if (st.size > MAX_POLICY_BYTES) throw new PolicyError(shown, [{ message: `policy file is larger than ${MAX_POLICY_BYTES} bytes` }]);
  let buf: Buffer;
  try {
    buf = readFileSync(abs);
  } catch (e) {
    throw new PolicyError(shown, [{ message: `cannot read policy file (${(e as NodeJS.ErrnoException).code ?? String(e)})` }]);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new PolicyError(shown, [{ message: "policy file is not valid UTF-8" }]);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return parsePolicy(text, shown);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/* ---------------- validation helpers ---------------- */

function line(v: YValue | undefined, fallback = 1): number {
  return v?.pos?.line ?? fallback;
}
function keyLine(m: YMap, key: string): number {
  return m.keyPos.get(key)?.line ?? line(m.entries.get(key), line(m));
}
function isNull(v: YValue): boolean {
  return v.kind === "scalar" && (v.value === null || v.value === undefined);
}
function describe(v: YValue): string {
  if (v.kind === "map") return "a map";
  if (v.kind === "seq") return "a list";
  if (v.value === null || v.value === undefined) return "nothing";
  if (typeof v.value === "string") return JSON.stringify(v.value);
  return String(v.value);
}

/** ` (did you mean "x"?)` for a near miss (edit distance ≤ 2), else "". */
function suggest(word: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== undefined && best !== word ? ` (did you mean "${best}"?)` : "";
}
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

class Validator {
  problems: PolicyProblem[] = [];
  add(ln: number, message: string): void {
    this.problems.push({ line: ln, message });
  }
  sorted(): PolicyProblem[] {
    return [...this.problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  }
  /** Unknown keys are errors, with a suggestion for near misses. */
  keys(m: YMap, allowed: readonly string[], where: string, what: string): void {
    for (const k of m.entries.keys()) {
      if (allowed.includes(k)) continue;
      const known = allowed.length ? ` (known: ${allowed.join(", ")})` : " (this section has no settings yet)";
      this.add(keyLine(m, k), `${where ? where + ": " : ""}unknown ${what} "${k}"${suggest(k, allowed)}${known}`);
    }
  }
  /** A top-level section: absent or empty (`key:` with nothing) → undefined; else it must be a map. */
  section(root: YMap, key: string): YMap | undefined {
    const v = root.entries.get(key);
    if (v === undefined || isNull(v)) return undefined;
    return this.map(v, key);
  }
  map(v: YValue, where: string): YMap | undefined {
    if (v.kind === "map") return v;
    this.add(line(v), `${where}: must be a map, got ${describe(v)}`);
    return undefined;
  }
  required(m: YMap, key: string, where: string): YValue | undefined {
    const v = m.entries.get(key);
    if (v === undefined || isNull(v)) {
      this.add(v ? keyLine(m, key) : line(m), `${where}: missing "${key}"`);
      return undefined;
    }
    return v;
  }
  /** A non-empty string (numbers are taken as their text: `owner: 1234`). */
  text(v: YValue, where: string): string | undefined {
    if (v.kind === "scalar") {
      if (typeof v.value === "string") {
        if (v.value.trim() !== "") return v.value.trim();
        this.add(line(v), `${where}: must not be empty`);
        return undefined;
      }
      if (typeof v.value === "number" || typeof v.value === "bigint") return String(v.value);
    }
    this.add(line(v), `${where}: must be a string, got ${describe(v)}`);
    return undefined;
  }
  optText(m: YMap, key: string, where: string): string | undefined {
    const v = m.entries.get(key);
    if (v === undefined || isNull(v)) return undefined;
    return this.text(v, `${where}.${key}`);
  }
  /** Call `fn` for each item of list `m[key]` (absent or empty → nothing); not a list → error. */
  each(m: YMap, key: string, where: string, fn: (item: YValue, where: string) => void): void {
    const v = m.entries.get(key);
    if (v === undefined || isNull(v)) return;
    const w = where ? `${where}.${key}` : key;
    if (v.kind !== "seq") {
      this.add(line(v, keyLine(m, key)), `${w}: must be a list, got ${describe(v)}`);
      return;
    }
    v.items.forEach((item, i) => fn(item, `${w}[${i}]`));
  }
}
