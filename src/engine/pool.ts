/**
 * Run `fn` over `items` with at most `limit` in flight; results keep the input order. A failing
 * item does not stop the others: each result is `{ok, value}` or `{ok: false, error}`, so one
 * container removed between list and inspect never loses the rest of the audit.
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function mapLimit<I, O>(items: readonly I[], limit: number, fn: (item: I, index: number) => Promise<O>): Promise<Settled<O>[]> {
  const out: Settled<O>[] = new Array(items.length);
  let next = 0;
  const n = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      try {
        out[i] = { ok: true, value: await fn(items[i]!, i) };
      } catch (error) {
        out[i] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}
