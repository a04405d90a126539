import { writeFileSync } from "node:fs";

/** Exit codes: the contract for CI gates. */
export const EXIT = { OK: 0, FINDINGS: 1, USAGE: 2 } as const;

export class UsageError extends Error {}

/**
 * Exit status when the reader of stdout went away before all output was written
 * (`sockwarden rules | head -1`): 141, i.e. 128 + SIGPIPE (13), the status a shell reports for
 * `git log | head` and any program the closed pipe stopped. Not 0/1/2: the output is incomplete, so
 * neither "no findings" (0) nor "findings" (1) may be claimed, and it is no usage or input error (2);
 * a pipeline only sees it under `set -o pipefail`, exactly as with git. Nothing is printed.
 */
export const EXIT_OUTPUT_CLOSED = 141;

/**
 * A closed stdout (EPIPE) is not an error of ours: no stack trace, no message. Call first thing
 * in every entry (cli/start.ts for the CommonJS bundles, cli/main.ts for the ESM CLI). Without a
 * listener, Node throws the stream's `error` event as an uncaught exception. The command still
 * runs to its end — writes to the closed stream are dropped, a report asked for with `-o FILE` is
 * still written whole — and then exits with EXIT_OUTPUT_CLOSED. A closed stderr is ignored the
 * same way (it changes no exit code: nothing to say it on). Other stream errors stay errors.
 */
export function guardClosedOutput(): void {
  // Marked on `process`: the start-up bundle and the full CLI each carry a copy of this module and
  // may both run in one process. (Made here, not at module level, so bundles that never call this
  // leave it out.)
  const p = process as unknown as Record<symbol, boolean | undefined>;
  const guarded = Symbol.for("sockwarden.closedOutputGuard");
  if (p[guarded]) return;
  p[guarded] = true;
  let stdoutClosed = false;
  const closedPipe = (e: NodeJS.ErrnoException) => e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED";
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (!closedPipe(e)) throw e;
    stdoutClosed = true;
  });
  process.stderr.on("error", (e: NodeJS.ErrnoException) => {
    if (!closedPipe(e)) throw e;
  });
  // In the exit listener, so it also holds over a command's own `process.exitCode`/`process.exit()`.
  process.on("exit", () => {
    if (stdoutClosed) process.exitCode = EXIT_OUTPUT_CLOSED;
  });
}

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
