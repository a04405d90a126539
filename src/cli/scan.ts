import { scan } from "../scan/index.js";
import { exitCodeFor } from "../report/summary.js";
import { renderReport } from "./render.js";
import type { Severity } from "../model/severity.js";
import { EXIT, emit, parseSize, useColor } from "./io.js";

export interface ScanFlags {
  format: "text" | "json" | "sarif" | "markdown";
  output?: string;
  failOn: Severity;
  policy?: string;
  exclude: string[];
  maxFileSize: string;
  includeDocs?: boolean;
  exitZero?: boolean;
  color?: boolean;
}

export async function scanCommand(path: string, flags: ScanFlags): Promise<number> {
  const report = await scan(path, {
    policyFile: flags.policy,
    exclude: flags.exclude,
    maxFileBytes: parseSize(flags.maxFileSize),
    includeDocs: flags.includeDocs === true,
    failOn: flags.failOn,
  });
  emit(await renderReport(report, flags.format, useColor(flags.color, flags.output)), flags.output);
  if (flags.exitZero) return EXIT.OK;
  return exitCodeFor(report, flags.failOn);
}
