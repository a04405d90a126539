/** A filesystem error in plain words, for per-file and per-directory scan errors. `enoent`
 *  lets the caller say what a missing path means where it is (a file the walk listed a moment
 *  ago was removed during the scan). */
export function errnoText(e: unknown, enoent = "no such file or directory"): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOENT":
      return enoent;
    case "ENOTDIR":
      return "not a directory";
    case "EISDIR":
      return "is a directory";
    case "ELOOP":
      return "too many levels of symbolic links";
    default:
      return err?.message ?? String(e);
  }
}
