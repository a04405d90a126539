import { errnoText } from "./errno.js";
import { promises as fsp } from "node:fs";
import type { Dirent } from "node:fs";
import { basename, join, sep } from "node:path";
import type { Ignore } from "ignore";
import type { ScanError } from "../model/finding.js";

/**
 * The scan's file walker: which files of a tree sockwarden reads.
 *
 * - `.gitignore` at every level (nested rules are relative to their own directory; a deeper
 *   file's rule, including a `!negation`, wins over a shallower one, as in git);
 * - `--exclude` globs (picomatch) against the root-relative path; a pattern without `/` matches
 *   the name at any depth (`*.min.yaml`, `testdata`), like a .gitignore line;
 * - `.git` and `node_modules` are never entered;
 * - symlinks are followed only when the target is inside the root: a symlinked directory whose
 *   target the walk already covers (or is covering: a loop) is not walked twice; a symlinked
 *   file whose target is already listed is not listed twice; a target outside the root is
 *   skipped with a notice (a scan must never read what the repository merely points at);
 * - unreadable directories are errors, and the walk goes on;
 * - sockets, FIFOs and devices are never listed (opening a FIFO would block the scan).
 *
 * The result is sorted by path so that reports are deterministic.
 */
export interface WalkEntry {
  /** Root-relative, `/`-separated (the path reports show). */
  path: string;
  /** Absolute path to open (through the symlink, when reached through one). */
  abs: string;
  /** Reached through a symlink inside the root. */
  viaSymlink?: boolean;
}

export interface WalkOptions {
  /** Globs (picomatch) of root-relative paths to leave out, files or whole directories. */
  exclude?: string[];
  /** Follow symlinks whose target is inside the root (default true). Targets outside the root
   *  are never followed. */
  followSymlinks?: boolean;
  /** Honour .gitignore files (default true). */
  gitignore?: boolean;
  /** Directories read at the same time (default 16). */
  concurrency?: number;
}

export interface WalkResult {
  files: WalkEntry[];
  /** Unreadable directories (kind "error"), symlinks left out (kind "notice"). */
  errors: ScanError[];
  /** Directories skipped because of .gitignore / --exclude / .git / node_modules (for --verbose). */
  skippedDirs: number;
}

/** The scan root does not exist or cannot be read at all: a usage error (exit 2), not a per-file one. */
export class WalkRootError extends Error {}

// `ignore` and `picomatch` are loaded on first use: `sockwarden scan one-file.yml` (a pre-commit
// hook) walks nothing and should not pay for them at start-up.
let ignoreFactory: Promise<() => Ignore> | undefined;
const loadIgnore = () => (ignoreFactory ??= import("ignore").then((m) => m.default));

const ALWAYS_SKIP = new Set([".git", "node_modules"]);

/** One .gitignore, with the root-relative directory its rules are relative to. */
interface IgnoreLevel {
  base: string; // "" for the root, else "a/b/"
  ig: Ignore;
}

interface DirJob {
  /** Path as reported (root-relative, "" for the root). */
  rel: string;
  /** Absolute path to read (may go through a symlink). */
  abs: string;
  /** Real path of the directory (symlinks resolved): loop detection and dedupe. */
  real: string;
  ignores: readonly IgnoreLevel[];
  viaSymlink: boolean;
}

interface PendingLink {
  rel: string;
  abs: string;
  parent: DirJob;
}

export async function walkTree(root: string, opts: WalkOptions = {}): Promise<WalkResult> {
  const follow = opts.followSymlinks ?? true;
  const useGitignore = opts.gitignore ?? true;
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const excluded = await excludeMatcher(opts.exclude ?? []);

  let rootReal: string;
  try {
    rootReal = await fsp.realpath(root);
  } catch (e) {
    throw new WalkRootError(`cannot read scan root ${root}: ${errnoText(e)}`);
  }
  const rootStat = await fsp.stat(rootReal).catch((e: unknown) => {
    throw new WalkRootError(`cannot read scan root ${root}: ${errnoText(e)}`);
  });
  if (rootStat.isFile()) {
    // `sockwarden scan compose.yml`: the file alone, named relative to its directory.
    return { files: [{ path: basename(rootReal), abs: rootReal }], errors: [], skippedDirs: 0 };
  }
  if (!rootStat.isDirectory()) throw new WalkRootError(`scan root ${root} is neither a directory nor a regular file`);

  const files: WalkEntry[] = [];
  const errors: ScanError[] = [];
  /** Real paths of directories walked (or being walked): a second arrival is a loop or a duplicate. */
  const visitedDirs = new Set<string>([rootReal]);
  /** Real paths of files listed, so a symlink to a listed file is not listed again. */
  const listedReal = new Set<string>();
  const links: PendingLink[] = [];
  let skippedDirs = 0;

  const isIgnored = (rel: string, isDir: boolean, levels: readonly IgnoreLevel[]): boolean => {
    if (excluded(rel)) return true;
    let ignored = false;
    for (const lv of levels) {
      const sub = lv.base === "" ? rel : rel.slice(lv.base.length);
      let r;
      try {
        r = lv.ig.test(isDir ? sub + "/" : sub);
      } catch {
        continue; // a name `ignore` cannot express as a relative path: no rule can match it
      }
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    }
    return ignored;
  };

  const readDir = async (job: DirJob): Promise<DirJob[]> => {
    let dirents: Dirent[];
    try {
      dirents = await fsp.readdir(job.abs, { withFileTypes: true });
    } catch (e) {
      // The root itself unreadable is a usage error (exit 2): nothing at all would be scanned.
      if (job.rel === "") throw new WalkRootError(`cannot read scan root ${root}: ${errnoText(e)}`);
      errors.push({ file: job.rel, message: `cannot read directory: ${errnoText(e)}`, kind: "error" });
      return [];
    }
    let ignores = job.ignores;
    // Only a regular .gitignore: one that is a symlink may point outside the root.
    if (useGitignore && dirents.some((d) => d.name === ".gitignore" && d.isFile())) {
      const gi = join(job.abs, ".gitignore");
      try {
        const text = await fsp.readFile(gi, "utf8");
        const ignore = await loadIgnore();
        ignores = [...ignores, { base: job.rel === "" ? "" : job.rel + "/", ig: ignore().add(text) }];
      } catch (e) {
        errors.push({ file: childRel(job.rel, ".gitignore"), message: `cannot read .gitignore (its rules are not applied): ${errnoText(e)}`, kind: "error" });
      }
    }
    const subdirs: DirJob[] = [];
    for (const d of dirents) {
      const name = d.name;
      const rel = childRel(job.rel, name);
      if (d.isDirectory()) {
        if (ALWAYS_SKIP.has(name) || isIgnored(rel, true, ignores)) {
          skippedDirs++;
          continue;
        }
        const real = job.real + sep + name;
        visitedDirs.add(real);
        subdirs.push({ rel, abs: job.abs + sep + name, real, ignores, viaSymlink: job.viaSymlink });
      } else if (d.isFile()) {
        if (isIgnored(rel, false, ignores)) continue;
        files.push(job.viaSymlink ? { path: rel, abs: job.abs + sep + name, viaSymlink: true } : { path: rel, abs: job.abs + sep + name });
        listedReal.add(job.real + sep + name);
      } else if (d.isSymbolicLink()) {
        if (ALWAYS_SKIP.has(name)) continue;
        // Decided after every real directory has been walked: then we know whether the target
        // is already covered under its own path.
        links.push({ rel, abs: job.abs + sep + name, parent: { ...job, ignores } });
      }
      // FIFOs, sockets, devices: never configuration, and opening a FIFO blocks.
    }
    return subdirs;
  };

  const runQueue = async (start: DirJob[]): Promise<void> => {
    const queue = [...start];
    let active = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        if (queue.length === 0 && active === 0) return resolve();
        while (active < concurrency && queue.length > 0) {
          const job = queue.pop()!;
          active++;
          readDir(job).then(
            (more) => {
              active--;
              queue.push(...more);
              pump();
            },
            (e: unknown) => reject(e),
          );
        }
      };
      pump();
    });
  };

  await runQueue([{ rel: "", abs: rootReal, real: rootReal, ignores: [], viaSymlink: false }]);

  // Symlinks, in path order so that which link "wins" a shared target is deterministic.
  // Following a symlinked directory may reveal more symlinks: loop until none are left.
  while (links.length > 0) {
    links.sort((a, b) => cmp(b.rel, a.rel));
    const link = links.pop()!;
    if (!follow) {
      errors.push({ file: link.rel, message: "symlink not followed (--no-follow-symlinks)", kind: "notice" });
      continue;
    }
    let real: string;
    try {
      real = await fsp.realpath(link.abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      errors.push({
        file: link.rel,
        message: code === "ELOOP" ? "symlink loop (the link resolves to itself): skipped" : `broken symlink: ${errnoText(e)}`,
        kind: "notice",
      });
      continue;
    }
    if (real !== rootReal && !real.startsWith(rootReal + sep)) {
      errors.push({ file: link.rel, message: `symlink points outside the scan root (${real}): not followed`, kind: "notice" });
      continue;
    }
    let st;
    try {
      st = await fsp.stat(real);
    } catch (e) {
      errors.push({ file: link.rel, message: `cannot read symlink target: ${errnoText(e)}`, kind: "error" });
      continue;
    }
    if (st.isDirectory()) {
      if (isIgnored(link.rel, true, link.parent.ignores)) {
        skippedDirs++;
        continue;
      }
      if (visitedDirs.has(real)) {
        const parentReal = link.parent.real;
        if (parentReal === real || parentReal.startsWith(real + sep)) {
          errors.push({ file: link.rel, message: `symlink loop (points to its own ancestor ${relOf(rootReal, real)}): not followed`, kind: "notice" });
        }
        // Else the target was already walked under its own path: nothing new to read.
        continue;
      }
      visitedDirs.add(real);
      await runQueue([{ rel: link.rel, abs: link.abs, real, ignores: link.parent.ignores, viaSymlink: true }]);
    } else if (st.isFile()) {
      if (isIgnored(link.rel, false, link.parent.ignores)) continue;
      if (listedReal.has(real)) continue; // the target is listed under its own path
      listedReal.add(real);
      files.push({ path: link.rel, abs: link.abs, viaSymlink: true });
    }
  }

  files.sort((a, b) => cmp(a.path, b.path));
  errors.sort((a, b) => cmp(a.file, b.file));
  return { files, errors, skippedDirs };
}

function childRel(parent: string, name: string): string {
  return parent === "" ? name : parent + "/" + name;
}

function relOf(rootReal: string, real: string): string {
  return real === rootReal ? "." : real.slice(rootReal.length + 1).split(sep).join("/");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}


/**
 * `--exclude` globs. A pattern with a `/` is matched against the whole root-relative path
 * (`deploy/legacy/**`); one without matches a name at any depth (`*.min.yaml`, `testdata`),
 * the way a .gitignore line does. A trailing `/` and a leading `./` are accepted.
 */
export async function excludeMatcher(patterns: string[]): Promise<(rel: string) => boolean> {
  const cleaned = patterns
    .map((p) => p.trim().replace(/^\.\//, "").replace(/\/+$/, ""))
    .filter((p) => p.length > 0);
  if (cleaned.length === 0) return () => false;
  const picomatch = (await import("picomatch")).default;
  const withSlash = cleaned.filter((p) => p.includes("/"));
  const bare = cleaned.filter((p) => !p.includes("/"));
  const full = withSlash.length > 0 ? picomatch(withSlash, { dot: true }) : undefined;
  const base = bare.length > 0 ? picomatch(bare, { dot: true }) : undefined;
  return (rel) => (full?.(rel) ?? false) || (base?.(rel.slice(rel.lastIndexOf("/") + 1)) ?? false);
}

