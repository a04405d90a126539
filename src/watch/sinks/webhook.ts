import { alertLine, type Alert } from "../alert.js";
import { NO_HOOKS, type Sink, type SinkHooks } from "./types.js";

export interface WebhookOptions {
  /** Alerts waiting to be POSTed (besides the one in flight); when full the oldest waiting alert
   *  is dropped (default 1000). */
  queueSize?: number;
  /** Extra attempts after the first (default 5). */
  retries?: number;
  /** First retry delay; doubles each time up to `maxBackoffMs` (defaults 500 ms / 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout (default 10 s): a hanging endpoint costs at most this per attempt. */
  timeoutMs?: number;
}

/** A URL for logs: scheme, host and path only (user info and query may hold tokens). */
export function redactUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * POST each alert as JSON to a URL. One worker drains a bounded queue in order; failures
 * (network error, timeout, 429, 5xx) are retried with exponential backoff, other 4xx answers are
 * final. `send` only enqueues, so an endpoint that is down or hangs never blocks the watcher:
 * the queue fills, the oldest alerts are dropped, and every drop is counted.
 */
export class WebhookSink implements Sink {
  readonly kind = "webhook";
  readonly describe: string;
  private readonly url: URL;
  private readonly queue: string[] = [];
  private readonly o: Required<WebhookOptions>;
  private hooks: SinkHooks = NO_HOOKS;
  private working = false;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private abort = new AbortController();
  private downLogged = false;

  constructor(url: string | URL, opts: WebhookOptions = {}) {
    this.url = typeof url === "string" ? new URL(url) : url;
    if (this.url.protocol !== "http:" && this.url.protocol !== "https:") throw new Error(`webhook sink needs an http(s) URL, got ${this.url.protocol}`);
    this.describe = `webhook ${redactUrl(this.url)}`;
    this.o = {
      queueSize: Math.max(1, opts.queueSize ?? 1000),
      retries: Math.max(0, opts.retries ?? 5),
      backoffMs: Math.max(1, opts.backoffMs ?? 500),
      maxBackoffMs: Math.max(1, opts.maxBackoffMs ?? 30_000),
      timeoutMs: Math.max(1, opts.timeoutMs ?? 10_000),
    };
  }

  bind(h: SinkHooks): void {
    this.hooks = h;
  }

  get queued(): number {
    return this.queue.length;
  }

  send(a: Alert): void {
    if (this.closing) {
      this.hooks.outcome(this.kind, "dropped");
      return;
    }
    if (this.queue.length >= this.o.queueSize) {
      this.queue.shift();
      this.hooks.outcome(this.kind, "dropped");
    }
    this.queue.push(alertLine(a));
    if (!this.working) void this.work();
  }

  private async work(): Promise<void> {
    this.working = true;
    try {
      while (this.queue.length > 0 && !this.abort.signal.aborted) {
        // Out of the queue while in flight: the bound applies to alerts still waiting.
        const body = this.queue.shift()!;
        const ok = await this.deliver(body);
        // Cut short by shutdown: not given up on, just never finished.
        this.hooks.outcome(this.kind, ok ? "sent" : this.abort.signal.aborted ? "dropped" : "failed");
      }
    } finally {
      this.working = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async deliver(body: string): Promise<boolean> {
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      if (attempt > 0) await this.sleep(Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (attempt - 1)));
      if (this.abort.signal.aborted) return false;
      const r = await this.post(body);
      if (r === "ok") {
        if (this.downLogged) this.hooks.log(`${this.describe}: delivering again`);
        this.downLogged = false;
        return true;
      }
      if (r === "final") return false;
    }
    if (!this.downLogged) this.hooks.log(`${this.describe}: not accepting alerts (gave up after ${this.o.retries + 1} attempts); alerts queue up to ${this.o.queueSize}, then the oldest are dropped`);
    this.downLogged = true;
    return false;
  }

  private async post(body: string): Promise<"ok" | "retry" | "final"> {
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    this.abort.signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => ctl.abort(), this.o.timeoutMs);
    try {
      const res = await fetch(this.url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: ctl.signal, redirect: "manual" });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return "ok";
      if (res.status === 429 || res.status >= 500) return "retry";
      this.hooks.log(`${this.describe}: answered ${res.status}; alert not retried`);
      return "final";
    } catch {
      return "retry";
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener("abort", onAbort);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const sig = this.abort.signal;
      function done() {
        clearTimeout(t);
        sig.removeEventListener("abort", done);
        resolve();
      }
      sig.addEventListener("abort", done, { once: true });
    });
  }

  async flush(deadline: number): Promise<void> {
    if (this.working || this.queue.length > 0) {
      if (!this.working) void this.work();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.idleWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.abort.abort();
    if (this.working) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const left = this.queue.splice(0).length;
    if (left > 0) {
      this.hooks.outcome(this.kind, "dropped", left);
      this.hooks.log(`${this.describe}: ${left} alert(s) not delivered before shutdown (counted as dropped)`);
    }
  }
}
