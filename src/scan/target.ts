/**
 * A scan root that is one file is a tree of one: its directory is the walk root and the file is
 * known by its path relative to that root (which the formats' `mayWant` tests and the report's
 * `location.file` see). Shared by `scan()` and the start-up dispatcher (cli/start.ts), which
 * must agree on that path to choose the same formats.
 */
export function singleFileTarget(root: string): { walkRoot: string; only: string } {
  const i = Math.max(root.lastIndexOf("/"), 0);
  return {
    walkRoot: i === 0 ? (root.startsWith("/") ? "/" : ".") : root.slice(0, i),
    only: root.slice(i === 0 && !root.startsWith("/") ? 0 : i + 1),
  };
}
