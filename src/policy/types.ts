import type { Concern } from "../model/concern.js";

/** What a concern does when it fires: deny (fail the gate / 403 / deny admission), warn, or off. */
export type RuleSetting = "deny" | "warn" | "off";

/** Fields an exception may match on. Values are globs (picomatch); all given fields must match. */
export interface ExceptionMatch {
  file?: string;
  object?: string;
  container?: string;
  image?: string;
  label?: string; // "key=value" or "key"
  namespace?: string;
  name?: string;
  kind?: string;
  host?: string;
}

export interface PolicyException {
  concern: Concern | "*";
  match: ExceptionMatch;
  reason: string;
  owner: string;
  /** ISO date (YYYY-MM-DD); the exception stops suppressing after that day. */
  expires: string;
  /** The policy file it is written in (`sockwarden.yaml`); with `line`: `sockwarden.yaml:12`. */
  source: string;
  /** 1-based line where the exception's list item starts. */
  line?: number;
}

export interface BreakGlass {
  namespace: string;
  reason: string;
  owner: string;
  expires: string;
  line?: number;
}

export interface Policy {
  version: 1;
  /** Per-concern setting; concerns not listed are `deny`. */
  rules: Partial<Record<Concern, RuleSetting>>;
  allow: {
    hostPaths: string[];
    capabilities: string[];
    images: string[];
  };
  exceptions: PolicyException[];
  /** Door sections kept as validated plain data; each door reads its own. */
  proxy?: ProxyPolicy & Record<string, unknown>;
  webhook?: { breakGlass: BreakGlass[] } & Record<string, unknown>;
  watch?: WatchPolicy & Record<string, unknown>;
  scan?: ScanPolicy & Record<string, unknown>;
  audit?: Record<string, unknown>;
  /** The file it came from, if any. */
  file?: string;
}

export function defaultPolicy(): Policy {
  return { version: 1, rules: {}, allow: { hostPaths: [], capabilities: [], images: [] }, exceptions: [] };
}

/* ---------- Additions by the policy module (additive; existing shapes unchanged) ---------- */

/** An inline `sockwarden:ignore` comment, as parsed by `parseInlineSuppressions`. */
export interface InlineSuppression {
  /** 1-based line the suppression applies to: its own line for a trailing comment, else the next
   *  line that is neither blank nor a comment (its own line when nothing follows). */
  line: number;
  /** 1-based line where the comment is written (for messages: `compose.yml:4`). */
  commentLine: number;
  /** Concern names as written (lower-cased), or `["*"]` for `*` / `all`. May contain unknown
   *  names: see `unknownConcerns`. */
  concerns: string[];
  /** Text after ` -- `, trimmed. Set only on a well-formed comment: undefined when the reason is
   *  missing or empty, or when `problem` is set (the engine reports a reasonless comment as a
   *  `policy` finding instead of suppressing). */
  reason?: string;
  /** Names in `concerns` that are not known concerns (then `problem` is set too). */
  unknownConcerns?: string[];
  /** What is wrong with the comment, in plain words (missing reason, unknown concern, stray text). */
  problem?: string;
}

/** A Kubernetes annotation suppression (`sockwarden.io/ignore.<concern>: "<reason>"`). */
export interface AnnotationSuppression {
  /** A concern name as written (lower-cased), or `*` for `all`/`*`. */
  concern: string;
  reason?: string;
  /** The annotation key it came from, for messages. */
  key: string;
}

/** What an exception is matched against: built by the engine from the workload and finding. */
export interface MatchSubject {
  concern: Concern | string;
  /** Scan-root–relative file with `/` separators. */
  file?: string;
  /** The workload's object string (`service web`, `Deployment ns/app container web`, `container:abc`). */
  object: string;
  /** Container name (Kubernetes container, compose service container name, live container name). */
  container?: string;
  image?: string;
  labels?: Record<string, string>;
  namespace?: string;
  name?: string;
  kind?: string;
  host?: string;
}

/** `proxy:` section (issue 5), validated structurally; the proxy door interprets it. */
export interface ProxyPolicy {
  preset?: string;
  endpoints?: { allow?: string[]; deny?: string[] };
  redact?: string[];
  ownership?: "label" | "none";
  auditLog?: string;
  listen?: string;
  upstream?: string;
  /** How long a request usually answered fast may spin waiting for the daemon: `250us`, `off`. */
  busyPoll?: string;
}

/** `watch:` section (issue 7). */
export interface WatchPolicy {
  /** `stdout`, `syslog`, `file=<path>`, `webhook=<http(s) url>` (same syntax as `--sink`). */
  sinks?: string[];
  /** Go-style duration (`10m`, `1h30m`); `parseDuration` turns it into milliseconds. */
  interval?: string;
}

/** `scan:` section (issue 2). */
export interface ScanPolicy {
  exclude?: string[];
  failOn?: string;
  maxFileSize?: number;
}
