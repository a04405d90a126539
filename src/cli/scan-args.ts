import type { ScanFlags } from "./scan.js";
import { SEVERITIES } from "../model/severity.js";

/**
 * The start-up fast path of `sockwarden scan` (pre-commit hooks run it on every commit, and
 * building the commander tree costs more than the scan of a small file): reads the flags of the
 * common, well-formed command lines without loading commander.
 *
 * It accepts only what it understands exactly; anything else — help, an unknown or malformed flag,
 * a value that is not one of the choices, `--opt=value`, clustered short flags, `--`, a second
 * path — returns undefined and the caller hands the whole command line to commander, so errors,
 * help and exit codes stay commander's own. What it returns must equal what commander hands the
 * scan action for the same argv (the defaults and choices below mirror `program.ts`).
 */
export function parseScanFast(argv: readonly string[]): { path: string; flags: ScanFlags } | undefined {
  if (argv[0] !== "scan") return undefined;
  const flags: ScanFlags = { format: "text", failOn: "high", exclude: [], maxFileSize: "5MiB" };
  let path: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-")) {
      if (path !== undefined) return undefined; // commander reports the excess argument
      path = a;
      continue;
    }
    const takesValue = VALUE_FLAGS.get(a);
    if (takesValue) {
      const v = argv[i + 1];
      // A missing value, or one that looks like a flag: commander's business.
      if (v === undefined || v.startsWith("-")) return undefined;
      i++;
      switch (takesValue) {
        case "format":
          if (!(FORMATS as readonly string[]).includes(v)) return undefined;
          flags.format = v as ScanFlags["format"];
          break;
        case "failOn":
          if (!(FAIL_ON as readonly string[]).includes(v)) return undefined;
          flags.failOn = v as ScanFlags["failOn"];
          break;
        case "exclude":
          flags.exclude = [...flags.exclude, v];
          break;
        default:
          flags[takesValue] = v;
      }
      continue;
    }
    switch (a) {
      case "--include-docs":
        flags.includeDocs = true;
        break;
      case "--exit-zero":
        flags.exitZero = true;
        break;
      case "--color":
        flags.color = true;
        break;
      case "--no-color":
        flags.color = false;
        break;
      default:
        return undefined;
    }
  }
  return { path: path ?? ".", flags };
}

const VALUE_FLAGS = new Map<string, "format" | "output" | "failOn" | "policy" | "exclude" | "maxFileSize">([
  ["-f", "format"],
  ["--format", "format"],
  ["-o", "output"],
  ["--output", "output"],
  ["--fail-on", "failOn"],
  ["-p", "policy"],
  ["--policy", "policy"],
  ["-e", "exclude"],
  ["--exclude", "exclude"],
  ["--max-file-size", "maxFileSize"],
]);

/** The scan formats; program.ts gives commander this same list. */
export const SCAN_FORMATS = ["text", "json", "sarif", "markdown"] as const;
const FORMATS = SCAN_FORMATS;
const FAIL_ON = SEVERITIES;
