import type { Workload } from "./workload.js";

/**
 * The audit door's answer to "which ids does this container's process really get": `user` and
 * group-adds resolved the way the runtime does it (runc's GetExecUser over the container's own
 * /etc/passwd and /etc/group), or why that could not be done. Kept in `Workload.facts.userResolution`
 * (facts are where a door puts what only it knows); rules read it through `userResolutionOf`.
 */
export type UserResolution =
  | {
      ok: true;
      uid: number;
      gid: number;
      /** Where the primary gid came from (`primary group of app in the container's /etc/passwd`). */
      gidFrom: string;
      /** Supplementary gids (memberships in /etc/group, then group-adds), each with where it came from. */
      groups: { gid: number; from: string }[];
    }
  | { ok: false; reason: string };

export function userResolutionOf(w: Workload): UserResolution | undefined {
  const r = w.facts?.userResolution as UserResolution | undefined;
  if (!r || typeof r !== "object") return undefined;
  if (r.ok === true && Number.isInteger(r.uid) && Number.isInteger(r.gid) && Array.isArray(r.groups)) return r;
  if (r.ok === false && typeof r.reason === "string") return r;
  return undefined;
}

export function setUserResolution(w: Workload, r: UserResolution): void {
  w.facts = { ...w.facts, userResolution: r };
}
