import type { WorkloadRule, RuleHit } from "../types.js";
import { imageAllowed } from "../../policy/match.js";
import { MINER_IMAGE } from "./util.js";

/**
 * Live containers' images: outside `allow.images`, never pulled from a registry (no RepoDigests:
 * built or imported on the host, no provenance), or named like a known miner. Only doors that see
 * the real image (audit, watch) set `facts.imageId`; files are not judged here.
 */
export const liveImage: WorkloadRule = {
  kind: "workload",
  meta: {
    id: "live-image",
    concern: "image",
    defaultSeverity: "medium",
    title: "Container runs an image that is not allowed, has no registry provenance, or looks like a miner",
    anchor: "live-image",
    meaning:
      "An attacker who reaches the runtime API usually starts their own image: a miner, or a tool image built or imported on the spot. " +
      "An image that never came from a registry (no repository digest) cannot be traced to a build; one outside the policy's `allow.images` was not expected here.",
    decision:
      "Check who started the container and from what; remove it if nobody can say. Pull images by digest from your registry, and list the allowed ones in `allow.images`.",
  },
  check(w, ctx) {
    const facts = w.facts ?? {};
    if (typeof facts.imageId !== "string" || !w.image) return [];
    const image = w.image.value;
    // An image the policy names in allow.images is accepted as it is (a local build included).
    if (ctx.allow.images.length > 0 && imageAllowed(image, ctx.allow.images)) return [];
    const reasons: string[] = [];
    if (MINER_IMAGE.test(image)) reasons.push("its name matches a known cryptominer");
    const digests = facts.imageRepoDigests;
    if (Array.isArray(digests) && digests.length === 0) reasons.push("it was never pulled from a registry (no repository digest: built or imported on this host)");
    if (ctx.allow.images.length > 0) reasons.push("it is not in the policy's allow.images");
    if (!reasons.length) return [];
    const hit: RuleHit = { key: image, message: `Runs image ${image}: ${reasons.join("; ")}.` };
    return [hit];
  },
};
