import { scan } from "../scan/index.js";
import { renderJson } from "../report/json.js";
import { renderSarif } from "../report/sarif.js";
import { renderText } from "../report/text.js";
import { exitCodeFor } from "../report/summary.js";
import { ruleMetas } from "../rules/index.js";
import type { Severity } from "../model/severity.js";
import { EXIT, emit, parseSize, useColor } from "./io.js";

export interface ScanFlags {
  format: "text" | "json" | "sarif";
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
  const out =
    flags.format === "json"
      ? renderJson(report)
      : flags.format === "sarif"
        ? JSON.stringify(renderSarif(report, ruleMetas()), null, 2)
        : renderText(report, { color: useColor(flags.color, flags.output) });
  emit(out, flags.output);
  if (flags.exitZero) return EXIT.OK;
  return exitCodeFor(report, flags.failOn);
}
