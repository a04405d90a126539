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
  /** Where it is written, for messages (`sockwarden.yaml:12`). */
  source: string;
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
  proxy?: Record<string, unknown>;
  webhook?: { breakGlass: BreakGlass[] } & Record<string, unknown>;
  watch?: Record<string, unknown>;
  scan?: Record<string, unknown>;
  /** The file it came from, if any. */
  file?: string;
}

export function defaultPolicy(): Policy {
  return { version: 1, rules: {}, allow: { hostPaths: [], capabilities: [], images: [] }, exceptions: [] };
}
