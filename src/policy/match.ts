import { createRequire } from "node:module";
import type Picomatch from "picomatch";
import type { ExceptionMatch, MatchSubject, PolicyException } from "./types.js";

export type { MatchSubject } from "./types.js";

/**
 * Does an exception apply to a finding? Pure: expiry is a separate question (`isExpired`), because
 * an expired exception must still be found so the engine can report it.
 *
 * - The concern must be equal, or the exception's concern `*`.
 * - Every field given in `match` must match; a field the subject does not have never matches
 *   (fail closed: an exception for `image: nginx` does not cover a finding without an image).
 * - An empty `match` matches nothing (the validator rejects it; blanket silencing is `rules: {x: off}`).
 *
 * Field semantics (all globs are picomatch globs with `dot: true`):
 * - `file`: a path glob against the scan-root–relative path (`/` separators, leading `./` ignored
 *   on both sides): `*` stays inside one directory, `**` crosses directories. `compose.yml` means
 *   the root's `compose.yml` only; put a `**` segment in front of it for any depth.
 * - `object`, `container`, `namespace`, `name`, `host`, label values: text globs where `/` is an
 *   ordinary character (`*` matches `ns/app`). `object` is tried against every name in
 *   `objectNames(subject.object)`, e.g. `Deployment ns/traefik container proxy` is matched by
 *   `Deployment ns/traefik container proxy`, `Deployment ns/traefik`, `ns/traefik` or `traefik`
 *   (not by `proxy`: that is `container:`), and `service traefik` by itself or `traefik`.
 * - `kind`: a text glob, case-insensitive (`deployment` ≡ `Deployment`).
 * - `label`: `key=valueglob` (the label must exist and its value match) or `key` (the label must
 *   exist, any value). The key is compared exactly.
 * - `image`: see `imageMatches`.
 */
export function exceptionMatches(exc: Pick<PolicyException, "concern" | "match">, subject: MatchSubject): boolean {
  if (exc.concern !== "*" && exc.concern !== subject.concern) return false;
  const m: ExceptionMatch = exc.match ?? {};
  let checked = 0;
  for (const key of MATCH_KEYS) {
    const pattern = m[key];
    if (pattern === undefined) continue;
    checked++;
    if (!fieldMatches(key, pattern, subject)) return false;
  }
  return checked > 0;
}

/** The keys `match:` accepts, in the order they are documented. */
export const MATCH_KEYS = ["file", "object", "container", "image", "label", "namespace", "name", "kind", "host"] as const satisfies readonly (keyof ExceptionMatch)[];

function fieldMatches(key: (typeof MATCH_KEYS)[number], pattern: string, s: MatchSubject): boolean {
  switch (key) {
    case "file":
      return s.file !== undefined && pathGlob(stripDot(pattern))(stripDot(s.file.replace(/\\/g, "/")));
    case "object":
      return objectNames(s.object).some((n) => textGlob(pattern, n));
    case "image":
      return s.image !== undefined && imageMatches(pattern, s.image);
    case "label":
      return labelMatches(pattern, s.labels);
    case "kind":
      return s.kind !== undefined && textGlob(pattern, s.kind, true);
    default: {
      const v = s[key];
      return v !== undefined && textGlob(pattern, v);
    }
  }
}

function stripDot(p: string): string {
  let s = p;
  while (s.startsWith("./")) s = s.slice(2);
  return s;
}

/**
 * Every name an object string answers to, most specific first:
 * - `service web` → `service web`, `web`
 * - `Deployment ns/app container web` → itself, `Deployment ns/app`, `ns/app`, `app`
 * - `Pod app` → `Pod app`, `app`
 * - `container:abc` / `container:/abc` / `container abc` → itself, `abc`
 */
export function objectNames(object: string): string[] {
  const out = new Set<string>([object]);
  let o = object.trim();
  const ci = o.indexOf(" container ");
  if (ci > 0) {
    o = o.slice(0, ci).trim();
    out.add(o);
  }
  const cm = /^container(?::|\s+)\/?(.+)$/.exec(o);
  if (cm) {
    out.add(cm[1]!.trim());
  } else {
    const sp = o.search(/\s/);
    if (sp > 0) {
      const ref = o.slice(sp).trim();
      if (ref) {
        out.add(ref);
        const slash = ref.lastIndexOf("/");
        if (slash >= 0 && slash < ref.length - 1) out.add(ref.slice(slash + 1));
      }
    }
  }
  return [...out];
}

function labelMatches(pattern: string, labels: Record<string, string> | undefined): boolean {
  if (!labels) return false;
  const eq = pattern.indexOf("=");
  const key = (eq < 0 ? pattern : pattern.slice(0, eq)).trim();
  if (!Object.prototype.hasOwnProperty.call(labels, key)) return false;
  if (eq < 0) return true;
  const v = labels[key];
  return typeof v === "string" && textGlob(pattern.slice(eq + 1), v);
}

/* ---------------- images ---------------- */

export interface ImageRef {
  /** Registry host, `docker.io` for Docker Hub (also for `index.docker.io`, `registry-1.docker.io`). */
  domain: string;
  /** Repository path on that registry; Docker Hub single names get `library/`. */
  path: string;
  tag?: string;
  digest?: string;
}

/** Parse an image reference the way the docker CLI does (distribution/reference's rules): the first
 *  component is a registry when it contains `.` or `:` or is `localhost`. Returns undefined for an
 *  empty or obviously malformed reference. */
export function parseImageRef(ref: string): ImageRef | undefined {
  let s = ref.trim();
  if (!s || /\s/.test(s)) return undefined;
  let digest: string | undefined;
  const at = s.indexOf("@");
  if (at >= 0) {
    digest = s.slice(at + 1);
    s = s.slice(0, at);
  }
  let tag: string | undefined;
  const colon = s.lastIndexOf(":");
  if (colon > s.lastIndexOf("/")) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
  }
  if (!s) return undefined;
  const slash = s.indexOf("/");
  let domain = "docker.io";
  let path = s;
  if (slash > 0) {
    const first = s.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      domain = first.toLowerCase();
      path = s.slice(slash + 1);
    }
  }
  if (domain === "index.docker.io" || domain === "registry-1.docker.io") domain = "docker.io";
  if (domain === "docker.io" && !path.includes("/")) path = "library/" + path;
  if (!path) return undefined;
  const r: ImageRef = { domain, path };
  if (tag) r.tag = tag;
  if (digest) r.digest = digest;
  return r;
}

/**
 * Every spelling of an image, so a pattern written in any usual form matches. Names: the full
 * `domain/path`, and for Docker Hub also `path`, `docker.io/<short>` and `<short>` for `library/`
 * images. Each name is offered bare (any tag), with its tag (`:latest` when neither tag nor digest
 * is written, the daemon's default), with its digest, and with both.
 * `nginx` → `docker.io/library/nginx`, `docker.io/library/nginx:latest`, `library/nginx`, `nginx`,
 * `nginx:latest`, `docker.io/nginx`, …
 */
export function imageSpellings(image: string): string[] {
  const out = new Set<string>([image.trim()]);
  const r = parseImageRef(image);
  if (!r) return [...out];
  const names = [`${r.domain}/${r.path}`];
  if (r.domain === "docker.io") {
    names.push(r.path);
    if (r.path.startsWith("library/")) {
      const short = r.path.slice("library/".length);
      names.push(short, `docker.io/${short}`);
    }
  }
  const suffixes = [""];
  const tag = r.tag ?? (r.digest ? undefined : "latest");
  if (tag) suffixes.push(`:${tag}`);
  if (r.digest) suffixes.push(`@${r.digest}`);
  if (tag && r.digest) suffixes.push(`:${tag}@${r.digest}`);
  for (const n of names) for (const sfx of suffixes) out.add(n + sfx);
  return [...out];
}

/**
 * Does an image glob match an image? The glob is a text glob (`*` crosses `/`) tried against every
 * spelling of the image (`imageSpellings`). Consequences, chosen on purpose:
 * - `nginx` ≡ `library/nginx` ≡ `docker.io/library/nginx` ≡ `docker.io/nginx`, and a pattern without
 *   a tag matches every tag and digest of that repository (`nginx` matches `nginx:1.25`);
 * - `nginx:latest` matches `nginx` (the implicit tag) but not `nginx:1.25`;
 * - `nginx` does NOT match `evil.example.com/nginx` or `someone/nginx` (other repositories);
 * - `registry.example.com/*` matches everything from that registry, at any depth.
 */
export function imageMatches(pattern: string, image: string): boolean {
  const p = pattern.trim();
  if (!p) return false;
  return imageSpellings(image).some((s) => textGlob(p, s));
}

/** True when any of `patterns` (e.g. `allow.images`) matches `image`. */
export function imageAllowed(image: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => imageMatches(p, image));
}

/* ---------------- dates ---------------- */

/** Parse a strict `YYYY-MM-DD` calendar date (no Feb 30) to its UTC midnight in ms, or undefined. */
export function parseIsoDate(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return t;
}

/**
 * An exception `expires: 2027-03-31` still holds during the whole of 31 March 2027 (UTC) and is
 * expired from 2027-04-01T00:00:00.000Z on. An unparseable date counts as expired (fail closed).
 */
export function isExpired(expires: string, now: Date): boolean {
  const t = parseIsoDate(expires);
  if (t === undefined) return true;
  return now.getTime() >= t + 86_400_000;
}

/* ---------------- globs ---------------- */

// picomatch (35 KB with its tables) is needed only once a policy exception has a glob, so it
// loads then, not with every scan. In the bundles (scripts/build.mjs) `require` is in scope and
// esbuild turns this call into a lazy start of the bundled copy; from source (tsx, ESM) there is
// no `require` and it comes from node_modules.
let picomatchModule: typeof Picomatch | undefined;
function picomatch(...args: Parameters<typeof Picomatch>): ReturnType<typeof Picomatch> {
  picomatchModule ??= (typeof require === "function" ? require("picomatch") : createRequire(import.meta.url)("picomatch")) as typeof Picomatch;
  return picomatchModule(...args);
}

// Compiled matchers are cached: the same few policy patterns are tried against every finding.
const pathCache = new Map<string, (s: string) => boolean>();
const textCache = new Map<string, (s: string) => boolean>();
// In text globs `/` must be an ordinary character; picomatch always treats it as a separator, so
// both sides swap it for a character that never appears in these values (U+2044 FRACTION SLASH).
const SLASH = "\u2044";

function pathGlob(pattern: string): (s: string) => boolean {
  let f = pathCache.get(pattern);
  if (!f) {
    f = picomatch(pattern, { dot: true, windows: false });
    pathCache.set(pattern, f);
  }
  return f;
}

function textGlob(pattern: string, value: string, nocase = false): boolean {
  const key = (nocase ? "i:" : "s:") + pattern;
  let f = textCache.get(key);
  if (!f) {
    f = picomatch(pattern.replaceAll("/", SLASH), { dot: true, windows: false, nocase });
    textCache.set(key, f);
  }
  return f(value.replaceAll("/", SLASH));
}
