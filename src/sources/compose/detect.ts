/**
 * Is this file a Compose file? By name first (cheap), then by content for ambiguous YAML names:
 * a top-level `services` mapping whose entries look like services. A YAML file that merely has a
 * `services:` key (a list, or a map of strings) is not Compose.
 */
import { toY, YamlBudgetError, type YValue } from "../yamldoc.js";
import { parseDocsCached } from "./parsecache.js";
import { refuseText } from "./refuse.js";

const NAME_RE = /^(?:docker-)?compose[^/]*\.ya?ml$|^docker-stack[^/]*\.ya?ml$/i;
const YAML_RE = /\.ya?ml$/i;

/** Keys that only a Compose service has (or that make an entry service-like). */
export const SERVICE_KEYS = new Set([
  "image", "build", "volumes", "command", "entrypoint", "environment", "env_file", "ports", "expose",
  "privileged", "network_mode", "networks", "pid", "ipc", "userns_mode", "cgroup", "uts", "cap_add",
  "cap_drop", "devices", "device_cgroup_rules", "security_opt", "extends", "deploy", "container_name",
  "restart", "depends_on", "healthcheck", "labels", "user", "group_add", "working_dir", "volumes_from",
  "use_api_socket", "tmpfs", "hostname", "profiles", "logging", "secrets", "configs", "ulimits",
  "sysctls", "stop_signal", "init", "links", "external_links", "dns", "extra_hosts", "scale", "platform",
  "read_only", "stdin_open", "tty", "shm_size", "runtime", "mem_limit", "cpus", "develop", "post_start",
]);

export function isComposeName(path: string): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return NAME_RE.test(base);
}

/** Cheap pre-filter: a top-level `services:` key written in the file at column 1. */
const TOP_SERVICES = /^\uFEFF?(?:services|"services"|'services')[ \t]*:/m;

export function looksLikeCompose(text: string): boolean {
  if (!TOP_SERVICES.test(text)) return false;
  if (refuseText(text)) return true; // absurd nesting or binary with a top-level `services:`: extract reports it
  let docs;
  try {
    docs = parseDocsCached(text);
  } catch {
    return true; // a file this broken with a top-level `services:` is reported by extract
  }
  for (const d of docs) {
    if (d.errors.length) return true; // broken YAML with a top-level `services:`: let extract report it
    let root: YValue | undefined;
    try {
      root = toY(d.doc, d.doc.contents, d.lineCounter, { budget: 200_000 });
    } catch (e) {
      if (e instanceof YamlBudgetError) return true;
      throw e;
    }
    if (isComposeRoot(root)) return true;
  }
  return false;
}

export function isComposeRoot(root: YValue | undefined): boolean {
  if (root?.kind !== "map") return false;
  const services = root.entries.get("services");
  if (services?.kind !== "map") return false;
  let serviceLike = 0;
  for (const v of services.entries.values()) {
    if (v.kind === "scalar" && v.value === null) continue; // `web:` with nothing yet
    if (v.kind !== "map") return false; // a map of strings/lists is something else
    if ([...v.entries.keys()].some((k) => SERVICE_KEYS.has(k))) serviceLike++;
  }
  return serviceLike > 0;
}

export function detectCompose(file: { path: string; text: string }): boolean {
  if (isComposeName(file.path)) return true;
  if (!YAML_RE.test(file.path)) return false;
  return looksLikeCompose(file.text);
}
