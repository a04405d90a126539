import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { Script } from "node:vm";

/**
 * Requires a CommonJS bundle through a V8 code cache kept on disk. Compiling dist/scan-file.cjs,
 * and then each function a one-file scan calls for the first time, is a good part of such a scan;
 * V8 can keep that work from one run to the next. Node 20 has no compile cache of its own, and
 * the one of Node ≥ 22.1 (module.enableCompileCache) is made when a module loads, before the
 * functions the run then compiles: this one is made after the run and measured faster on 22 too,
 * so it serves every version.
 *
 * A cache is code, so it is used only where nobody else could have put it, and it never stops a run:
 * - it lives in the user's cache directory ($XDG_CACHE_HOME or ~/.cache, then `sockwarden/`), or
 *   `<tmpdir>/sockwarden-<uid>` without a home, and only if that directory is ours: a real
 *   directory (not a link), owned by this uid, not writable by group or others. The cache file
 *   itself must be a regular file owned by this uid.
 * - its name carries what its content depends on: the bundle's path (hashed), sockwarden's
 *   version, the bundle's size and mtime, Node's version and arch. V8 also rejects data made by
 *   another V8, other flags or a source of another length; rejected data is simply rewritten.
 * - it is written once, at exit, after the run (so it holds the functions the scan compiled),
 *   to a temporary name that is then renamed: a concurrent run sees the old file or the new one.
 *   Older caches of the same bundle path go then.
 * - any failure (no home, a read-only or full disk, a foreign directory) only costs speed: the
 *   bundle is then required as usual. NODE_DISABLE_COMPILE_CACHE=1 turns it off, as it does Node's.
 */
export function requireWithCodeCache(file: string, version: string, req: NodeJS.Require): unknown {
  const cache = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : cachePath(file, version, req);
  if (!cache) return req(file);

  const source = readFileSync(file, "utf8");
  let cached: Buffer | undefined;
  try {
    const st = lstatSync(cache.path);
    if (st.isFile() && st.uid === cache.uid) cached = readFileSync(cache.path);
  } catch {
    // No cache yet.
  }
  const vm = req("node:vm") as typeof import("node:vm");
  // Node's classic CommonJS wrapper, on the source's first line (line numbers in stack traces stay
  // those of the file). The bundle's "use strict" stays the function body's first statement.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: file, cachedData: cached });
  if (!cached || script.cachedDataRejected) process.once("exit", () => save(script, cache));
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, req, mod, file, dirname(file));
  return mod.exports;
}

interface CacheFile {
  dir: string;
  /** The file name's first part, shared by every cache of this bundle path. */
  prefix: string;
  path: string;
  uid: number;
}

function cachePath(file: string, version: string, req: NodeJS.Require): CacheFile | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined; // no owner to check (Windows): no cache
  try {
    const dir = ownCacheDir(uid, req);
    if (!dir) return undefined;
    const st = statSync(file);
    const prefix = `scan-file-${fnv1a(file)}-`;
    const name = `${prefix}${version}-${st.size}-${Math.trunc(st.mtimeMs)}-${process.version}-${process.arch}.v8`.replace(/[^\w.+-]/g, "_");
    return { dir, prefix, path: join(dir, name), uid };
  } catch {
    return undefined;
  }
}

function ownCacheDir(uid: number, req: NodeJS.Require): string | undefined {
  const xdg = process.env.XDG_CACHE_HOME;
  const home = process.env.HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : home && isAbsolute(home) ? join(home, ".cache") : undefined;
  const dir = base ? join(base, "sockwarden") : join((req("node:os") as typeof import("node:os")).tmpdir(), `sockwarden-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? dir : undefined;
}

function save(script: Script, cache: CacheFile): void {
  const tmp = `${cache.path}.${process.pid}.tmp`;
  try {
    const data = script.createCachedData();
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, cache.path);
    const current = cache.path.slice(cache.dir.length + 1);
    for (const name of readdirSync(cache.dir)) {
      if (name.startsWith(cache.prefix) && name.endsWith(".v8") && name !== current) unlinkSync(join(cache.dir, name));
    }
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // Never written.
    }
  }
}

/** FNV-1a, 32 bits, hex: a short, stable name for a path (not a security measure). */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}
