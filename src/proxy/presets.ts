/**
 * Built-in endpoint presets (REFERENCE.md §4): each the minimal set of Engine API routes a known
 * client needs, matched with or without `/vX.Y`. `guarded` is the whole API with everything that
 * can change what runs judged by the rules. Endpoint allow/deny additions come from the policy.
 */
import { HttpError } from "./http1.js";
import { ROUTES, routeKey, type RouteDef } from "./route.js";

/** The names live with the policy validator (one list: sockwarden.yaml and the proxy agree by construction). */
export { PROXY_PRESETS as PRESET_NAMES } from "../policy/load.js";
import { PROXY_PRESETS } from "../policy/load.js";
export type PresetName = (typeof PROXY_PRESETS)[number];

const HANDSHAKE = ["GET /_ping", "HEAD /_ping", "GET /version"];

/** Route keys use `{}` for every parameter so that `{id}`, `{name}` and `{name:.*}` compare equal. */
export function keyOf(methodAndPath: string): string {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(methodAndPath);
  if (!m) throw new HttpError(500, `bad endpoint ${methodAndPath}`);
  return `${m[1]!.toUpperCase()} ${m[2]!.replace(/\{[^}]*\}/g, "{}")}`;
}
export function defKey(def: RouteDef): string {
  // Asked on every request; route definitions are fixed, so each key is made once.
  let k = DEF_KEYS.get(def);
  if (k === undefined) DEF_KEYS.set(def, (k = keyOf(routeKey(def))));
  return k;
}
const DEF_KEYS = new WeakMap<RouteDef, string>();

const LIST: Record<Exclude<PresetName, "guarded" | "readonly" | "portainer-readonly">, string[]> = {
  traefik: ["GET /containers/json", "GET /containers/{id}/json", "GET /events"],
  "traefik-swarm": ["GET /containers/json", "GET /containers/{id}/json", "GET /events", "GET /services", "GET /tasks", "GET /networks"],
  homepage: ["GET /containers/json", "GET /containers/{id}/json", "GET /containers/{id}/stats", "GET /services", "GET /services/{id}", "GET /tasks"],
  dozzle: ["GET /info", "GET /containers/json", "GET /containers/{id}/json", "GET /containers/{id}/logs", "GET /containers/{id}/stats", "GET /events"],
  watchtower: [
    "GET /containers/json", "GET /containers/{id}/json", "GET /images/{name}/json", "POST /images/create", "POST /containers/{id}/kill",
    "DELETE /containers/{id}", "POST /containers/create", "POST /containers/{id}/start", "POST /containers/{id}/rename",
    "POST /networks/{id}/connect", "POST /networks/{id}/disconnect", "DELETE /images/{name}", "POST /containers/{id}/exec",
    "POST /exec/{id}/start", "GET /exec/{id}/json", "GET /info",
  ],
  cadvisor: ["GET /info", "GET /images/json", "GET /containers/{id}/json", "GET /events"],
  datadog: [
    "GET /info", "GET /containers/json", "GET /containers/{id}/json", "GET /containers/{id}/stats", "GET /containers/{id}/top",
    "GET /containers/{id}/logs", "GET /images/json", "GET /images/{name}/json", "GET /images/{name}/history", "GET /volumes", "GET /events",
  ],
  testcontainers: [
    "GET /containers/json", "DELETE /containers/{id}", "GET /networks", "DELETE /networks/{id}", "GET /volumes", "DELETE /volumes/{name}",
    "GET /images/json", "DELETE /images/{name}", "GET /info",
  ],
  jenkins: [
    "POST /images/create", "GET /images/{name}/json", "GET /images/json", "POST /containers/create", "POST /containers/{id}/start",
    "POST /containers/{id}/stop", "DELETE /containers/{id}", "GET /containers/json", "GET /containers/{id}/json", "GET /containers/{id}/logs",
    "PUT /containers/{id}/archive", "POST /containers/{id}/exec", "POST /exec/{id}/start", "GET /exec/{id}/json", "GET /info",
  ],
  "gitlab-runner": [
    "POST /images/create", "GET /images/{name}/json", "POST /containers/create", "POST /containers/{id}/start", "POST /containers/{id}/kill",
    "POST /containers/{id}/stop", "POST /containers/{id}/wait", "DELETE /containers/{id}", "GET /containers/json", "GET /containers/{id}/json",
    "GET /containers/{id}/logs", "POST /containers/{id}/attach", "POST /containers/{id}/exec", "POST /exec/{id}/start", "GET /exec/{id}/json",
    "POST /networks/create", "DELETE /networks/{id}", "POST /networks/{id}/disconnect", "GET /networks", "GET /networks/{id}",
    "POST /volumes/create", "DELETE /volumes/{name}", "GET /volumes/{name}", "GET /info",
  ],
  "docker-volume-backup": ["GET /containers/json", "POST /containers/{id}/stop", "POST /containers/{id}/start", "GET /info"],
};

/** Routes that only read and give nothing of a container's inside away. */
function isPlainRead(d: RouteDef): boolean {
  return (d.method === "GET" || d.method === "HEAD") && (d.cls === "read" || d.cls === "inspect-container");
}

/** The set of route keys a preset allows (before the policy's additions). */
export function presetKeys(name: PresetName): Set<string> {
  const out = new Set<string>(HANDSHAKE.map(keyOf));
  switch (name) {
    case "guarded":
      // Everything the rules can judge; what they cannot (plugins, swarm services, BuildKit
      // sessions, secrets) must be allowed by name.
      for (const d of ROUTES) if (d.cls !== "untrusted" && d.cls !== "secret-read") out.add(defKey(d));
      break;
    case "readonly":
      // Swarm configs are returned with their data; secrets' metadata is left out too.
      for (const d of ROUTES) if (isPlainRead(d) && !/^\/(secrets|configs)/.test(d.template)) out.add(defKey(d));
      break;
    case "portainer-readonly":
      for (const d of ROUTES) {
        if (d.method !== "GET" && d.method !== "HEAD") continue;
        if (["read-container", "attach", "image-read-bulk", "secret-read"].includes(d.cls)) continue;
        if (d.template.startsWith("/exec/") || /^\/(secrets|configs)/.test(d.template)) continue;
        out.add(defKey(d));
      }
      break;
    default:
      for (const e of LIST[name]) out.add(keyOf(e));
  }
  return out;
}

export interface EndpointPolicy {
  preset: PresetName;
  allow: Set<string>;
}

/** Build the allowed set from a preset and the policy's `endpoints.allow` / `endpoints.deny`. */
export function endpointPolicy(preset: string | undefined, allow: string[] = [], deny: string[] = []): EndpointPolicy {
  const name = (preset ?? "guarded") as PresetName;
  if (!(PROXY_PRESETS as readonly string[]).includes(name)) throw new Error(`unknown proxy preset "${preset}" (known: ${PROXY_PRESETS.join(", ")})`);
  const set = presetKeys(name);
  const known = new Set(ROUTES.map(defKey));
  for (const e of allow) {
    const k = keyOf(e);
    if (k.startsWith("* ")) {
      for (const m of ["GET", "HEAD", "POST", "PUT", "DELETE"]) if (known.has(m + k.slice(1))) set.add(m + k.slice(1));
    } else if (!known.has(k)) throw new Error(`proxy.endpoints.allow: "${e}" is not an Engine API endpoint sockwarden knows`);
    else set.add(k);
  }
  for (const e of deny) {
    const k = keyOf(e);
    if (k.startsWith("* ")) for (const m of ["GET", "HEAD", "POST", "PUT", "DELETE"]) set.delete(m + k.slice(1));
    else set.delete(k);
  }
  return { preset: name, allow: set };
}
