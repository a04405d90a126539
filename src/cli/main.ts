// The full CLI (ESM, dist/cli.js): every command. The `sockwarden` binary starts in cli/start.ts
// (CommonJS), which answers `--version` and one-file scans itself and imports this module for the
// rest. Start-up still matters here (a scan of a directory in a pre-commit hook): `--version`
// answers before anything else is loaded, a well-formed `scan` command line skips commander
// (scan-args.ts), and each command loads only its own modules.
import { VERSION } from "../version.js";
import { guardClosedOutput } from "./io.js";

// `node dist/cli.js … | head` (or from source) ends as quietly as the `sockwarden` binary (io.ts);
// when start.cjs loaded this module the guard is already on and this does nothing.
guardClosedOutput();

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(VERSION + "\n");
} else {
  await enableCompileCache();
  const { parseScanFast } = await import("./scan-args.js");
  const fastScan = parseScanFast(argv);
  if (fastScan) {
    const { runScanFast } = await import("./fast-scan.js");
    process.exitCode = await runScanFast(fastScan.path, fastScan.flags);
  } else {
    const { run } = await import("./program.js");
    process.exitCode = await run(argv);
  }
}

/** Node ≥ 22.1 can keep compiled code on disk between runs (module.enableCompileCache); Node 20
 *  has no such API, so this is feature-detected and a no-op there. NODE_DISABLE_COMPILE_CACHE=1
 *  turns it off as usual. */
async function enableCompileCache(): Promise<void> {
  const mod = (await import("node:module")) as { enableCompileCache?: () => unknown };
  if (typeof mod.enableCompileCache !== "function") return;
  try {
    mod.enableCompileCache();
  } catch {
    // A cache that cannot be opened only costs speed.
  }
}
