import { EXIT, UsageError } from "./io.js";

/** Errors whose message is for the user (a bad flag, policy, endpoint or daemon): printed
 *  plainly with exit 2. Anything else is a bug and gets its stack. */
const USER_ERRORS = new Set(["PolicyError", "WalkRootError", "EngineError", "EndpointError", "FleetInputError", "WatchOptionError", "SinkSpecError", "ManifestOptionError", "ReportFileError"]);

/** Prints an error a command threw and returns the exit code (2). Shared by commander's
 *  `run` and the scan fast path, so both answer the same. */
export function userErrorExit(e: unknown): number {
  if (e instanceof UsageError || USER_ERRORS.has((e as Error).name) || USER_ERRORS.has((e as Error).constructor?.name)) {
    process.stderr.write(`sockwarden: ${(e as Error).message}\n`);
    return EXIT.USAGE;
  }
  process.stderr.write(`sockwarden: internal error: ${(e as Error).stack ?? e}\n`);
  return EXIT.USAGE;
}
