// Entry point of the `sockwarden` command. Start-up time matters (pre-commit hooks): `--version`
// answers before anything else is loaded, a well-formed `scan` command line skips commander
// (scan-args.ts), and each command loads only its own modules.
import { VERSION } from "../version.js";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(VERSION + "\n");
} else {
  await enableCompileCache();
  const { parseScanFast } = await import("./scan-args.js");
  const fastScan = parseScanFast(argv);
  if (fastScan) {
    const { scanCommand } = await import("./scan.js");
    try {
      process.exitCode = await scanCommand(fastScan.path, fastScan.flags);
    } catch (e) {
      process.exitCode = (await import("./errors.js")).userErrorExit(e);
    }
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
