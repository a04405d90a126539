import type { Alert } from "../alert.js";

/** `sent`: handed over (written, POSTed with a 2xx); `failed`: given up after errors/retries;
 *  `dropped`: never tried because the queue was full or the watcher stopped first. */
export type SinkOutcome = "sent" | "failed" | "dropped";

export interface SinkHooks {
  /** Count an outcome (the watcher feeds `sockwarden_alerts_total{sink,outcome}`). */
  outcome(kind: string, outcome: SinkOutcome, n?: number): void;
  /** Diagnostics for the operator (stderr by default); never alert content or credentials. */
  log(message: string): void;
}

/**
 * Where alerts go. Every sink is non-blocking: `send` returns at once and never throws, so a
 * slow or dead sink can never hold up the watcher or the other sinks.
 */
export interface Sink {
  /** Metric label: `stdout`, `file`, `webhook`, … (never a path or URL). */
  readonly kind: string;
  /** For logs: a path, or a URL without credentials or query. */
  readonly describe: string;
  /** Called once by the watcher before the first `send`. */
  bind?(hooks: SinkHooks): void;
  send(alert: Alert): void;
  /** Reopen files (SIGHUP, after log rotation). */
  reopen?(): void;
  /** Deliver what is queued, giving up at `deadline` (ms since the epoch); what is left is dropped. */
  flush(deadline: number): Promise<void>;
  close(): Promise<void>;
}

export const NO_HOOKS: SinkHooks = { outcome: () => undefined, log: () => undefined };
