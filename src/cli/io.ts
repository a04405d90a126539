import { writeFileSync } from "node:fs";

/** Exit codes: the contract for CI gates. */
export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2 } as const;

export class UsageError extends Error {}

/** Write a report to a file (-o) or stdout. A file is written whole or not at all. */
export function emit(text: string, output: string | undefined): void {
  if (output && output !== "-") writeFileSync(output, text.endsWith("\n") ? text : text + "\n");
  else process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

export function useColor(flag: boolean | undefined, output: string | undefined): boolean {
  if (flag !== undefined) return flag;
  if (output && output !== "-") return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== "0") return true;
  return process.stdout.isTTY === true;
}

/** `5MiB`, `512k`, `1048576` → bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(s.trim());
  if (!m) throw new UsageError(`invalid size "${s}": use a number of bytes or a value like 5MiB, 512KiB`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "b").toLowerCase()[0];
  const mult = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  return Math.floor(n * mult);
}
