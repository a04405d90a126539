// The first module the `sockwarden` command runs (bin/sockwarden.js requires it). Built to
// CommonJS on its own (dist/start.cjs, scripts/build.mjs), because start-up matters in
// pre-commit hooks and a CommonJS program never starts Node's ESM loader:
//   - `--version` answers at once;
//   - a well-formed `scan <file>` (scan-args.ts) whose file only the formats of the start-up
//     scan bundle may want (Compose, Kubernetes, Ansible, Tekton/Argo: the YAML that hooks hand
//     over) runs from that one CommonJS file, dist/scan-file.cjs;
//   - everything else (other commands, directories, other formats, help, bad flags) goes to the
//     full ESM CLI, dist/cli.js (cli/main.ts), exactly as before.
// Both scan paths run the same code (cli/fast-scan.ts → cli/scan.ts → scan/index.ts), so the
// output is the same; test/cli/start.test.ts compares them.
import { statSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../version.js";
import { parseScanFast } from "./scan-args.js";
import { entriesFor } from "../sources/index.js";
import { singleFileTarget } from "../scan/target.js";
import { requireWithCodeCache } from "./code-cache.js";
import { guardClosedOutput } from "./io.js";

/** The format ids dist/scan-file.cjs carries, space-separated: defined by scripts/build.mjs,
 *  which also leaves every other format out of that bundle (one list, in the build). Unset
 *  (running from source): nothing goes that way. */
declare const __SOCKWARDEN_START_FORMATS__: string | undefined;

// Before anything is written: `sockwarden … | head` must end quietly (io.ts). The listeners stay
// on process.stdout, so they cover the scan bundle and the full CLI loaded below too.
guardClosedOutput();

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(VERSION + "\n");
} else {
  const fast = parseScanFast(argv);
  if (fast && startBundleCovers(fast.path, fast.flags.includeDocs === true)) {
    const { runScanFast } = loadScanBundle();
    void runScanFast(fast.path, fast.flags).then((code) => {
      process.exitCode = code;
    });
  } else {
    // Not a literal: the full CLI is its own (ESM) bundle, never part of this one.
    const fullCli = "./cli.js";
    void import(fullCli);
  }
}

/** True when the scan root is one regular file that no format outside the start-up bundle may
 *  want (the same `mayWant` tests, on the same root-relative path, that scan() asks). A path that
 *  cannot be read goes to the full CLI, which reports it. */
function startBundleCovers(path: string, includeDocs: boolean): boolean {
  const carried = typeof __SOCKWARDEN_START_FORMATS__ === "string" ? __SOCKWARDEN_START_FORMATS__.split(" ") : [];
  if (carried.length === 0) return false;
  try {
    if (!statSync(path).isFile()) return false;
  } catch {
    return false;
  }
  const { only } = singleFileTarget(path);
  return entriesFor({ includeDocs }).every((e) => carried.includes(e.id) || !e.mayWant(only));
}

/** The bundle next to this one, with its compiled code kept between runs (code-cache.ts; this
 *  module only ever runs as CommonJS, so `require` and `__dirname` are its own). */
function loadScanBundle(): typeof import("./fast-scan.js") {
  return requireWithCodeCache(join(__dirname, "scan-file.cjs"), VERSION, require) as typeof import("./fast-scan.js");
}
