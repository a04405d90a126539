import { closeSync, openSync, writeSync } from "node:fs";
import { alertLine, type Alert } from "../alert.js";
import { NO_HOOKS, type Sink, type SinkHooks } from "./types.js";

/**
 * Append JSON lines to a file. Rotation-friendly: `reopen()` (SIGHUP) closes the descriptor and
 * opens the path again, so after logrotate renames the file the next alert lands in a new one.
 * Each alert is one `write(2)` of a whole line on an O_APPEND descriptor, so lines never interleave.
 * A failing file (deleted directory, full disk, permissions) is counted and retried on the next
 * alert, never fatal.
 */
export class FileSink implements Sink {
  readonly kind = "file";
  readonly describe: string;
  private fd: number | undefined;
  private hooks: SinkHooks = NO_HOOKS;
  private lastError = "";

  constructor(private readonly path: string) {
    this.describe = `file ${path}`;
  }

  bind(h: SinkHooks): void {
    this.hooks = h;
  }

  /** Open now, so a bad path is reported at start-up rather than at the first alert. */
  open(): void {
    if (this.fd === undefined) this.fd = openSync(this.path, "a", 0o600);
  }

  send(a: Alert): void {
    try {
      this.open();
      writeSync(this.fd!, alertLine(a));
      this.lastError = "";
      this.hooks.outcome(this.kind, "sent");
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.lastError) this.hooks.log(`${this.describe}: cannot write alert: ${msg}`);
      this.lastError = msg;
      this.closeFd();
      this.hooks.outcome(this.kind, "failed");
    }
  }

  reopen(): void {
    this.closeFd();
    try {
      this.open();
    } catch (e) {
      this.hooks.log(`${this.describe}: cannot reopen: ${(e as Error).message}; will retry at the next alert`);
    }
  }

  async flush(): Promise<void> {
    /* writes are synchronous */
  }

  async close(): Promise<void> {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already gone */
    }
    this.fd = undefined;
  }
}
