import type { NamespaceName, NamespaceSetting } from "./workload.js";

/**
 * A namespace mode as Docker-family configuration writes it (`pid: host`, `--net container:db`,
 * `HostConfig.PidMode`, Ansible `pid_mode`, Terraform `network_mode`, GitLab Runner …) → the
 * model's setting. One reading for every door, so a trick accepted by one is accepted by all.
 *
 * `host` is compared exactly, as the daemon does (`IsHost()` is `== "host"`): `--network Host` is a
 * user-defined network, and `--pid HOST` is refused by the CLI and the daemon. A user-defined
 * network is as private as the default bridge; a value not resolved yet (`${NET}`, `{{ net }}`)
 * or any other unknown value is `other` (not host exposure by itself, but not known private).
 */
export function namespaceFromMode(ns: NamespaceName, raw: string): NamespaceSetting {
  const s = raw.trim();
  const low = s.toLowerCase();
  if (s === "host") return { mode: "host", raw };
  const join = /^(container|service|task):(.+)$/i.exec(s);
  if (join) return { mode: join[1]!.toLowerCase() === "service" ? "service" : "container", ref: join[2]!, raw };
  if (low === "none") return { mode: "none", raw };
  if (low === "" || low === "private" || low === "default" || low === "bridge" || low === "shareable") return { mode: "private", raw };
  if (/\$|\{\{/.test(s)) return { mode: "other", raw };
  return { mode: ns === "network" ? "private" : "other", raw };
}

/** HostConfig fields of the Engine API (inspect, create bodies) and the namespace each sets. */
export const ENGINE_NAMESPACE_FIELDS: readonly (readonly ["PidMode" | "NetworkMode" | "IpcMode" | "UTSMode" | "UsernsMode" | "CgroupnsMode", NamespaceName])[] = [
  ["PidMode", "pid"],
  ["NetworkMode", "network"],
  ["IpcMode", "ipc"],
  ["UTSMode", "uts"],
  ["UsernsMode", "userns"],
  ["CgroupnsMode", "cgroupns"],
];
