/**
 * Request-target normalization exactly as the daemon's router reads it, and the Engine API route
 * table with what each route can do.
 *
 * The daemon (gorilla/mux) matches the *percent-decoded* path, registers every route both as
 * `/v{version:[0-9.]+}<path>` and bare `<path>`, answers a non-canonical path (`//`, `/./`,
 * `/../`) with a 301 to the cleaned one, and lets `{name:.*}` parameters contain slashes (so they
 * match from the right). The proxy decodes the same way, refuses non-canonical paths instead of
 * redirecting, and forwards a target it rebuilt itself from what it matched. Pure.
 */
import { HttpError } from "./http1.js";

/** What a route can do, which decides how it is judged. */
export type RouteClass =
  | "read" // reads nothing secret and changes nothing
  | "read-container" // reads a container's files or processes (archive, export, top): judged by the container
  | "inspect-container" // container inspect: Env values may be redacted
  | "create" // POST /containers/create: body judged
  | "start" // container start: old-API host-config body judged
  | "update" // container update: body judged
  | "exec-create" // body + target container judged
  | "exec-start" // hijack; judged by the exec's container and settings
  | "attach" // hijack (POST attach, GET attach/ws); stdin judged by the container
  | "archive-put" // tar into a container: judged by the container, streamed
  | "container-op" // start/stop/kill/rm/rename … on an existing container
  | "volume-create" // local driver options can bind any host path
  | "build" // classic builder: tar streamed, query judged (networkmode host …)
  | "image-write" // pull, load, tag, push, delete, commit, import
  | "image-read-bulk" // image export (tar out)
  | "write" // other state changes that do not decide what a container can reach (networks, prune …)
  | "secret-read" // swarm unlock key, swarm join tokens
  | "untrusted" // cannot be judged (plugins, swarm services, BuildKit sessions): denied unless allowed by name
  | "auth"; // POST /auth: credentials in the body

export interface RouteDef {
  method: string;
  /** Template as documented: `{id}` = one segment, `{name:.*}` = may contain slashes. */
  template: string;
  cls: RouteClass;
  /** The response switches protocols (attach, exec start, session, grpc). */
  hijack?: boolean;
  /** The request body is a stream (tar), judged by route and container, never buffered. */
  streamBody?: boolean;
}

const R = (method: string, template: string, cls: RouteClass, extra: Partial<RouteDef> = {}): RouteDef => ({ method, template, cls, ...extra });

/** The Engine API routes (API 1.24 – 1.5x), in the daemon's registration order per router. */
export const ROUTES: RouteDef[] = [
  // system
  R("GET", "/_ping", "read"),
  R("HEAD", "/_ping", "read"),
  R("GET", "/info", "read"),
  R("GET", "/version", "read"),
  R("GET", "/system/df", "read"),
  R("GET", "/events", "read"),
  R("POST", "/auth", "auth"),
  // containers
  R("HEAD", "/containers/{name:.*}/archive", "read-container"),
  R("GET", "/containers/json", "read"),
  R("GET", "/containers/{name:.*}/export", "read-container"),
  R("GET", "/containers/{name:.*}/changes", "read"),
  R("GET", "/containers/{name:.*}/json", "inspect-container"),
  R("GET", "/containers/{name:.*}/top", "read-container"),
  R("GET", "/containers/{name:.*}/logs", "read"),
  R("GET", "/containers/{name:.*}/stats", "read"),
  R("GET", "/containers/{name:.*}/attach/ws", "attach", { hijack: true }),
  R("GET", "/exec/{id:.*}/json", "read"),
  R("GET", "/containers/{name:.*}/archive", "read-container"),
  R("POST", "/containers/create", "create"),
  R("POST", "/containers/{name:.*}/kill", "container-op"),
  R("POST", "/containers/{name:.*}/pause", "container-op"),
  R("POST", "/containers/{name:.*}/unpause", "container-op"),
  R("POST", "/containers/{name:.*}/restart", "container-op"),
  R("POST", "/containers/{name:.*}/start", "start"),
  R("POST", "/containers/{name:.*}/stop", "container-op"),
  R("POST", "/containers/{name:.*}/wait", "container-op"),
  R("POST", "/containers/{name:.*}/resize", "container-op"),
  R("POST", "/containers/{name:.*}/attach", "attach", { hijack: true }),
  R("POST", "/containers/{name:.*}/exec", "exec-create"),
  R("POST", "/exec/{name:.*}/start", "exec-start", { hijack: true }),
  R("POST", "/exec/{name:.*}/resize", "container-op"),
  R("POST", "/containers/{name:.*}/rename", "container-op"),
  R("POST", "/containers/{name:.*}/update", "update"),
  R("POST", "/containers/prune", "write"),
  R("POST", "/commit", "image-write"),
  R("PUT", "/containers/{name:.*}/archive", "archive-put", { streamBody: true }),
  R("DELETE", "/containers/{name:.*}", "container-op"),
  // checkpoints (experimental)
  R("GET", "/containers/{name:.*}/checkpoints", "read"),
  R("POST", "/containers/{name:.*}/checkpoints", "untrusted"),
  R("DELETE", "/containers/{name}/checkpoints/{checkpoint}", "untrusted"),
  // images
  R("GET", "/images/json", "read"),
  R("GET", "/images/search", "read"),
  R("GET", "/images/get", "image-read-bulk"),
  R("GET", "/images/{name:.*}/get", "image-read-bulk"),
  R("GET", "/images/{name:.*}/history", "read"),
  R("GET", "/images/{name:.*}/json", "read"),
  R("POST", "/images/load", "image-write", { streamBody: true }),
  R("POST", "/images/create", "image-write", { streamBody: true }),
  R("POST", "/images/{name:.*}/push", "image-write"),
  R("POST", "/images/{name:.*}/tag", "image-write"),
  R("POST", "/images/prune", "write"),
  R("DELETE", "/images/{name:.*}", "image-write"),
  // networks
  R("GET", "/networks", "read"),
  R("GET", "/networks/", "read"),
  R("GET", "/networks/{id:.+}", "read"),
  R("POST", "/networks/create", "write"),
  R("POST", "/networks/{id:.*}/connect", "write"),
  R("POST", "/networks/{id:.*}/disconnect", "write"),
  R("POST", "/networks/prune", "write"),
  R("DELETE", "/networks/{id:.*}", "write"),
  // volumes
  R("GET", "/volumes", "read"),
  R("GET", "/volumes/{name:.*}", "read"),
  R("POST", "/volumes/create", "volume-create"),
  R("POST", "/volumes/prune", "write"),
  R("PUT", "/volumes/{name:.*}", "untrusted"),
  R("DELETE", "/volumes/{name:.*}", "write"),
  // build
  R("POST", "/build", "build", { streamBody: true }),
  R("POST", "/build/prune", "write"),
  R("POST", "/build/cancel", "write"),
  R("POST", "/session", "untrusted", { hijack: true }),
  R("POST", "/grpc", "untrusted", { hijack: true }),
  // swarm
  R("GET", "/swarm", "secret-read"),
  R("GET", "/swarm/unlockkey", "secret-read"),
  R("POST", "/swarm/init", "untrusted"),
  R("POST", "/swarm/join", "untrusted"),
  R("POST", "/swarm/leave", "untrusted"),
  R("POST", "/swarm/update", "untrusted"),
  R("POST", "/swarm/unlock", "untrusted"),
  R("GET", "/services", "read"),
  R("GET", "/services/{id}", "read"),
  R("POST", "/services/create", "untrusted"),
  R("POST", "/services/{id}/update", "untrusted"),
  R("DELETE", "/services/{id}", "write"),
  R("GET", "/services/{id}/logs", "read"),
  R("GET", "/nodes", "read"),
  R("GET", "/nodes/{id}", "read"),
  R("DELETE", "/nodes/{id}", "untrusted"),
  R("POST", "/nodes/{id}/update", "untrusted"),
  R("GET", "/tasks", "read"),
  R("GET", "/tasks/{id}", "read"),
  R("GET", "/tasks/{id}/logs", "read"),
  R("GET", "/secrets", "read"),
  R("GET", "/secrets/{id}", "read"),
  R("POST", "/secrets/create", "untrusted"),
  R("POST", "/secrets/{id}/update", "untrusted"),
  R("DELETE", "/secrets/{id}", "write"),
  R("GET", "/configs", "read"),
  R("GET", "/configs/{id}", "read"),
  R("POST", "/configs/create", "untrusted"),
  R("POST", "/configs/{id}/update", "untrusted"),
  R("DELETE", "/configs/{id}", "write"),
  // plugins
  R("GET", "/plugins/{name:.*}/json", "read"),
  R("GET", "/plugins/privileges", "read"),
  R("GET", "/plugins", "read"),
  R("POST", "/plugins/{name:.*}/set", "untrusted"),
  R("POST", "/plugins/pull", "untrusted"),
  R("POST", "/plugins/{name:.*}/enable", "untrusted"),
  R("POST", "/plugins/{name:.*}/disable", "untrusted"),
  R("POST", "/plugins/{name:.*}/push", "untrusted"),
  R("POST", "/plugins/{name:.*}/upgrade", "untrusted"),
  R("POST", "/plugins/create", "untrusted", { streamBody: true }),
  R("DELETE", "/plugins/{name:.*}", "untrusted"),
  // distribution
  R("GET", "/distribution/{name:.*}/json", "read"),
];

interface Compiled {
  def: RouteDef;
  re: RegExp;
  params: string[];
}

function compile(def: RouteDef): Compiled {
  const params: string[] = [];
  let src = "";
  let i = 0;
  const t = def.template;
  while (i < t.length) {
    const open = t.indexOf("{", i);
    if (open < 0) {
      src += escapeRe(t.slice(i));
      break;
    }
    src += escapeRe(t.slice(i, open));
    const close = t.indexOf("}", open);
    const spec = t.slice(open + 1, close);
    const [name, pat] = spec.split(":") as [string, string | undefined];
    params.push(name);
    // mux: `.*` may be empty and cross slashes (greedy, so it matches from the right);
    // the default is one non-empty segment.
    src += pat === ".*" ? "(.*)" : pat === ".+" ? "(.+)" : "([^/]+)";
    i = close + 1;
  }
  return { def, re: new RegExp("^" + src + "$", "s"), params };
}
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
const COMPILED = ROUTES.map(compile);

export interface ParsedTarget {
  /** Decoded canonical path without the version prefix. */
  path: string;
  /** `1.41` when the request named a version, else undefined (the daemon's own). */
  version?: string;
  /** Query pairs, decoded, in order. */
  query: [string, string][];
}

function decodePercent(s: string, what: string, plusIsSpace: boolean): string {
  const raw = plusIsSpace ? s.replace(/\+/g, " ") : s;
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) throw new HttpError(400, `invalid percent-encoding in ${what}`);
  let out: string;
  try {
    out = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `invalid percent-encoding in ${what}`);
  }
  return out;
}

/** Split, decode and check a request target the way the daemon reads it; refuse what it would redirect. */
export function parseTarget(target: string): ParsedTarget {
  if (target.includes("#")) throw new HttpError(400, "fragment in request target");
  const q = target.indexOf("?");
  const rawPath = q < 0 ? target : target.slice(0, q);
  const rawQuery = q < 0 ? "" : target.slice(q + 1);
  const path = decodePercent(rawPath, "path", false);
  // Controls (NUL, CR, LF …) have no business in a path and Go's router would see them.
  if (/[\x00-\x1f\x7f]/.test(path)) throw new HttpError(400, "control character in path");
  if (!path.startsWith("/")) throw new HttpError(400, "path must start with /");
  // mux would redirect these to the cleaned path: a second reading of the same request. Refuse.
  if (path.includes("//") || /\/\.\.?(\/|$)/.test(path)) throw new HttpError(400, `non-canonical path ${JSON.stringify(path.slice(0, 100))} (contains //, /./ or /../)`);
  const query = parseQuery(rawQuery);
  const m = /^\/v([0-9.]+)(\/.*)$/s.exec(path);
  if (m) {
    const v = m[1]!;
    // `[0-9.]+` also admits `1..4`, `1.`, `.1`: only plain numeric versions are accepted.
    if (!/^[0-9]{1,3}\.[0-9]{1,3}(\.[0-9]{1,3})?$/.test(v)) throw new HttpError(400, `unrecognized API version ${JSON.stringify(v)}`);
    const [maj, min] = v.split(".");
    return { path: m[2]!, version: `${Number(maj)}.${Number(min)}`, query };
  }
  return { path, query };
}

/** Go's url.ParseQuery, strict: `;` separators are refused (Go ≥ 1.17 rejects them too). */
export function parseQuery(raw: string): [string, string][] {
  if (raw === "") return [];
  if (raw.includes(";")) throw new HttpError(400, "semicolon in query string");
  const out: [string, string][] = [];
  for (const part of raw.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const k = decodePercent(eq < 0 ? part : part.slice(0, eq), "query", true);
    const v = decodePercent(eq < 0 ? "" : part.slice(eq + 1), "query", true);
    out.push([k, v]);
  }
  return out;
}

/** `r.FormValue(k)`: the first value for an exact (case-sensitive) key. */
export function queryValue(q: [string, string][], key: string): string | undefined {
  for (const [k, v] of q) if (k === key) return v;
  return undefined;
}

/** The daemon's `httputils.BoolValue`. */
export function queryBool(q: [string, string][], key: string): boolean {
  const s = (queryValue(q, key) ?? "").trim().toLowerCase();
  return !(s === "" || s === "0" || s === "no" || s === "false" || s === "none");
}

export interface RouteMatch {
  def: RouteDef;
  params: Record<string, string>;
}

/** Match a decoded canonical path. Returns undefined for unknown routes; refuses a path that
 *  two routes of different meaning would both take (the daemon's pick would depend on order). */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  // The match is a pure function of (method, path): remember recent answers so that the hot
  // paths (ping, list, a container's logs) do not run ~150 regexes per request. Bounded: when
  // full the memo is dropped and refilled. Refusals (ambiguous paths) are not memoized.
  const key = method + " " + path;
  const known = MEMO.get(key);
  if (known !== undefined) return known === NO_ROUTE ? undefined : known;
  const m = matchRouteUncached(method, path);
  remember(MEMO, key, m ?? NO_ROUTE);
  return m;
}

const MEMO_MAX = 4096;
const MEMO_KEY_MAX = 256;

/** Keep an answer in a bounded memo: when full it is dropped and refilled; long keys are not kept
 *  (they would make its memory unbounded). */
function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (key.length > MEMO_KEY_MAX) return;
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, value);
}
const NO_ROUTE = Symbol("no route");
const MEMO = new Map<string, RouteMatch | typeof NO_ROUTE>();

function matchRouteUncached(method: string, path: string): RouteMatch | undefined {
  const hits: RouteMatch[] = [];
  for (const c of COMPILED) {
    if (c.def.method !== method) continue;
    const m = c.re.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    c.params.forEach((p, i) => (params[p] = m[i + 1]!));
    // Frozen: a memoized match is shared by every request with the same path.
    hits.push(Object.freeze({ def: c.def, params: Object.freeze(params) }));
  }
  if (hits.length === 0) return undefined;
  if (hits.length > 1) {
    const first = hits[0]!;
    if (hits.some((h) => h.def.cls !== first.def.cls || h.def.template !== first.def.template)) {
      throw new HttpError(400, `ambiguous path: matches ${hits.map((h) => h.def.method + " " + h.def.template).join(" and ")}`);
    }
  }
  return hits[0]!;
}

/** A request target read once: how the daemon reads it, the route it takes, what goes upstream. */
export interface ResolvedTarget {
  target: ParsedTarget;
  /** Undefined: no Engine API route has this method and path. */
  match: RouteMatch | undefined;
  /** The target the proxy sends upstream (buildTarget). */
  upstream: string;
}

/**
 * parseTarget + matchRoute + buildTarget for one request, remembered per (method, raw target):
 * clients repeat the same few targets (ping, lists, version, events), and the dozen regex and
 * percent-decoding steps showed in per-request profiles, most of all when the daemon's answer
 * takes long and the proxy's caches are cold by the time it runs again. A pure function of its
 * inputs, results frozen; refusals (HttpError) are not remembered; bounded like the route memo.
 */
export function resolveTarget(method: string, raw: string): ResolvedTarget {
  const key = method + " " + raw;
  const known = TARGETS.get(key);
  if (known) return known;
  const target = parseTarget(raw);
  for (const kv of target.query) Object.freeze(kv);
  Object.freeze(target.query);
  const r: ResolvedTarget = Object.freeze({ target: Object.freeze(target), match: matchRoute(method, target.path), upstream: buildTarget(target) });
  remember(TARGETS, key, r);
  return r;
}

const TARGETS = new Map<string, ResolvedTarget>();

/** Characters encodeURIComponent leaves as they are, plus the two buildTarget puts back (`:`, `@`),
 *  plus `/`: a path made of these alone is its own encoding (the common case, taken per request). */
const PLAIN_PATH = /^[A-Za-z0-9\-_.!~*'()/:@]*$/;

/** The target sent upstream: rebuilt from what was judged, never the client's bytes. */
export function buildTarget(t: ParsedTarget): string {
  const path = PLAIN_PATH.test(t.path) ? t.path : encodePath(t.path);
  const prefix = t.version ? `/v${t.version}` : "";
  const qs = t.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return prefix + path + (qs ? "?" + qs : "");
}

/** Each segment percent-encoded, `:` and `@` left readable (the daemon's router decodes them alike). */
export function encodePath(path: string): string {
  return path
    .split("/")
    .map((seg) => encodeURIComponent(seg).replace(/%3A/gi, ":").replace(/%40/g, "@"))
    .join("/");
}

/** Template of a route in `METHOD /path/{param}` form, used for presets and metrics labels. */
export function routeKey(def: RouteDef): string {
  return `${def.method} ${def.template.replace(/\{([^}:]+)(:[^}]*)?\}/g, "{$1}")}`;
}
