import type { Writable } from "node:stream";
import { alertLine, type Alert } from "../alert.js";
import { NO_HOOKS, type Sink, type SinkHooks } from "./types.js";

/** JSON lines on stdout (or any Writable). Writes are asynchronous in Node for pipes and files,
 *  so a reader that stops reading grows Node's buffer instead of blocking the watcher. */
export class StreamSink implements Sink {
  readonly kind: string;
  readonly describe: string;
  private hooks: SinkHooks = NO_HOOKS;
  private broken = false;

  constructor(private readonly out: Writable = process.stdout, kind = "stdout") {
    this.kind = kind;
    this.describe = kind;
    out.on("error", (e: Error) => {
      if (!this.broken) this.hooks.log(`${this.describe} sink: ${e.message}; alerts to it are counted as failed from now on`);
      this.broken = true;
    });
  }

  bind(h: SinkHooks): void {
    this.hooks = h;
  }

  send(a: Alert): void {
    if (this.broken || this.out.destroyed || this.out.writableEnded) {
      this.hooks.outcome(this.kind, "failed");
      return;
    }
    this.out.write(alertLine(a));
    this.hooks.outcome(this.kind, "sent");
  }

  flush(deadline: number): Promise<void> {
    if (this.broken || this.out.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      this.out.write("", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    /* stdout is not ours to close */
  }
}
