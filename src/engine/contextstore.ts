/**
 * The I/O edge of endpoint resolution: read `<configDir>/config.json` and the context store,
 * then hand the facts to the pure functions in ./endpoint.ts.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  CERT_FILES,
  DEFAULT_CONTEXT,
  EndpointError,
  configDirOf,
  contextDirId,
  contextEndpoint,
  defaultEndpoint,
  resolveContextName,
  validateContextName,
  type ContextEntry,
  type Endpoint,
  type EndpointFlags,
  type Env,
} from "./endpoint.js";

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new EndpointError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EndpointError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `currentContext` from config.json (keys case-insensitive like Go's decoder). */
export function readCurrentContext(configDir: string): string | undefined {
  const cfg = readJson(join(configDir, "config.json"), "docker config file");
  if (!cfg || typeof cfg !== "object" || Array.isArray(cfg)) return undefined;
  let v: unknown;
  for (const [k, val] of Object.entries(cfg as Record<string, unknown>)) if (k.toLowerCase() === "currentcontext") v = val;
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Read one named context from `<configDir>/contexts`. */
export function readContext(configDir: string, name: string): ContextEntry {
  const id = contextDirId(name);
  const meta = readJson(join(configDir, "contexts", "meta", id, "meta.json"), `context ${JSON.stringify(name)} metadata`);
  const tlsDir = join(configDir, "contexts", "tls", id, "docker");
  let tlsFiles: string[] = [];
  try {
    tlsFiles = readdirSync(tlsDir)
      .filter((f) => Object.values(CERT_FILES).includes(f as never))
      .map((f) => join(tlsDir, f));
  } catch {
    tlsFiles = [];
  }
  return { name, meta, tlsFiles };
}

export interface ResolveOptions {
  flags?: EndpointFlags;
  env?: Env;
  home?: string;
}

/** The daemon the docker CLI would use with these flags and this environment. */
export function resolveEndpoint(opts: ResolveOptions = {}): Endpoint {
  const flags = opts.flags ?? {};
  const env = opts.env ?? process.env;
  const configDir = configDirOf(flags, env, opts.home ?? homedir());
  // config.json is only consulted when nothing earlier decides (an unreadable one still errors, as in the CLI).
  const needsConfig = !flags.context && !flags.host && !env.DOCKER_HOST && !env.DOCKER_CONTEXT;
  const current = needsConfig ? readCurrentContext(configDir) : undefined;
  const { name, from } = resolveContextName(flags, env, current);
  if (name === DEFAULT_CONTEXT) {
    const certDir = env.DOCKER_CERT_PATH || configDir;
    const present = new Set(Object.values(CERT_FILES).map((f) => join(certDir, f)).filter((p) => existsSync(p)));
    return defaultEndpoint(flags, env, configDir, present, from === "built-in default" && current === undefined ? "built-in default" : from);
  }
  validateContextName(name);
  return contextEndpoint(readContext(configDir, name), env, `context ${JSON.stringify(name)} (${from})`);
}
