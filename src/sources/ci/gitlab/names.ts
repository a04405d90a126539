/** Top-level keys of `.gitlab-ci.yml` that are not jobs. */
export const GITLAB_RESERVED: ReadonlySet<string> = new Set([
  "stages", "variables", "default", "include", "workflow", "image", "services", "before_script",
  "after_script", "cache", "types", "spec",
]);

/** `docker:dind`, `docker:27-dind`, `docker:dind-rootless`, `registry/x/docker:24.0-dind`. */
export function isDindImage(image: string): boolean {
  return /(^|\/)docker:[^/]*dind/i.test(image) || /(^|\/)dind(:|$)/i.test(image);
}
