/**
 * The stable `concern` values. Users' scripts key on these strings: never rename one, only add.
 */
export const CONCERNS = [
  "socket-mount",
  "privileged",
  "host-namespace",
  "host-path",
  "capabilities",
  "devices",
  "security-opt",
  "daemon-tcp",
  "policy",
  // audit / host doors
  "socket-access",
  "image",
  "event",
  "persistence",
  "user",
] as const;
export type Concern = (typeof CONCERNS)[number];

export function isConcern(s: unknown): s is Concern {
  return typeof s === "string" && (CONCERNS as readonly string[]).includes(s);
}
