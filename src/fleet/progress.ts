/**
 * Progress of a fleet audit on a terminal: one line on stderr, rewritten in place
 * (`sockwarden: [#####-----] 5/10 hosts, 1 failed (h3: daemon-down)`). Silent when stderr is not a
 * TTY: logs and CI output stay clean.
 */
export interface ProgressSink {
  start(total: number): void;
  /** A host finished (`failed` says whether it ended in an error entry). */
  hostDone(label: string, failed: boolean, why?: string): void;
  end(): void;
}

export const silentProgress: ProgressSink = { start() {}, hostDone() {}, end() {} };

/** Printable, short: a label from a hosts file must not move the cursor or clear the screen. */
function clean(s: string, max = 40): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
}

/** The progress line for a state (pure; exported for tests). */
export function progressLine(done: number, total: number, failed: number, lastFailure?: string, width = 20): string {
  const filled = total ? Math.round((done / total) * width) : width;
  const bar = "#".repeat(filled) + "-".repeat(width - filled);
  const fail = failed ? `, ${failed} failed${lastFailure ? ` (${clean(lastFailure, 60)})` : ""}` : "";
  return `sockwarden: [${bar}] ${done}/${total} hosts${fail}`;
}

export function ttyProgress(stream: { write(s: string): unknown; columns?: number }): ProgressSink {
  let total = 0;
  let done = 0;
  let failed = 0;
  let last: string | undefined;
  const draw = () => {
    let line = progressLine(done, total, failed, last);
    const cols = stream.columns ?? 80;
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    stream.write(`\r\u001b[2K${line}`);
  };
  return {
    start(n) {
      total = n;
      draw();
    },
    hostDone(label, f, why) {
      done++;
      if (f) {
        failed++;
        last = `${clean(label)}: ${why ?? "failed"}`;
      }
      draw();
    },
    end() {
      // Keep the final state on screen: how many hosts failed is worth reading before the report.
      draw();
      stream.write("\n");
    },
  };
}

/** stderr's progress when it is a terminal, nothing otherwise. */
export function defaultProgress(): ProgressSink {
  return process.stderr.isTTY ? ttyProgress(process.stderr) : silentProgress;
}
