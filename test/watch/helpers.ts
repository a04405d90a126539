/** Test helpers for the watcher: an in-memory sink and waiting without wall-clock assertions. */
import type { Alert, Sink, SinkHooks } from "../../src/watch/index.js";

/** Keeps every alert; `waitFor` resolves when a predicate holds over them. */
export class MemorySink implements Sink {
  readonly kind = "memory";
  readonly describe = "memory";
  readonly alerts: Alert[] = [];
  /** When each alert arrived (ms), for the bench's latency figures. */
  readonly arrived: number[] = [];
  private hooks: SinkHooks | undefined;
  private waiters: { pred: (a: Alert[]) => boolean; resolve: () => void }[] = [];

  bind(h: SinkHooks): void {
    this.hooks = h;
  }
  send(a: Alert): void {
    this.alerts.push(a);
    this.arrived.push(Date.now());
    this.hooks?.outcome(this.kind, "sent");
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(this.alerts)) return true;
      w.resolve();
      return false;
    });
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}

  /** Resolve when `pred` holds; reject after `ms` with what was seen (a hang guard, not a timing assertion). */
  waitFor(pred: (a: Alert[]) => boolean, ms = 60_000, what = "alerts"): Promise<void> {
    if (pred(this.alerts)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`gave up waiting for ${what}; got ${this.alerts.length} alert(s): ${this.alerts.map((a) => `${a.finding.rule}@${a.container?.name ?? a.finding.object}`).join(", ")}`)), ms);
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` until it returns a truthy value (hang guard after `ms`). */
export async function until<T>(fn: () => T | Promise<T>, ms = 60_000, what = "condition"): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await sleep(50);
  }
}

/** Value of one sample in Prometheus text (labels given in the order prom-client prints them). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels);
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const kv of (m[2] ?? "").split(",").filter(Boolean)) {
      const i = kv.indexOf("=");
      got[kv.slice(0, i)] = JSON.parse(kv.slice(i + 1)) as string;
    }
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}
