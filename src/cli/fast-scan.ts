import { scanCommand, type ScanFlags } from "./scan.js";
import { userErrorExit } from "./errors.js";

/**
 * Runs a scan command line that `parseScanFast` understood, answering errors as commander's
 * `run` would (a usage error: message and exit 2). The entry of the start-up scan bundle
 * (dist/scan-file.cjs, see cli/start.ts) and the ESM CLI's own fast path (cli/main.ts).
 */
export async function runScanFast(path: string, flags: ScanFlags): Promise<number> {
  try {
    return await scanCommand(path, flags);
  } catch (e) {
    return userErrorExit(e);
  }
}
