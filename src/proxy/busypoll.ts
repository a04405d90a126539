/**
 * Bounded busy-polling while a request waits for the daemon's first bytes.
 *
 * Why: on a virtual machine a process that sleeps in epoll_wait and is woken by the daemon's
 * answer pays for a context switch through the hypervisor (on the VMs this was measured on,
 * `pvm_irq_enable` in the scheduler was the top symbol of the proxy's profile). For a daemon that
 * answers in ~0.1 ms (`/_ping`, `/version`, small inspects) that wake-up is a large part of what a
 * proxy adds. HAProxy has the same remedy as a global option (`busy-polling`, off by default,
 * which spins always); this one spins only while some request is waiting for an answer expected
 * within the budget, for at most twice that kind of request's usual wait, never beyond the budget.
 *
 * How: while a spin is wanted, a setImmediate callback re-arms itself, so libuv polls with a zero
 * timeout instead of sleeping. Nothing is blocked: I/O and timers run as usual between turns.
 */

export class BusyPoll {
  private waiters = 0;
  private until = 0;
  private active = false;
  /** setImmediate turns taken (a few µs each). */
  turns = 0;
  /** Milliseconds spent spinning, over finished spins (what the spin costs, for /metrics). */
  spunMs = 0;
  private startedAt = 0;

  /** @param budgetUs the longest a spin lasts, in microseconds (0 = never spin). */
  constructor(readonly budgetUs: number) {}

  private readonly tick = (): void => {
    this.turns++;
    const now = performance.now();
    if (this.waiters > 0 && now < this.until) setImmediate(this.tick);
    else {
      this.active = false;
      this.spunMs += now - this.startedAt;
    }
  };

  /** A request starts waiting: spin until end() or `us` (at most the budget) has passed. */
  begin(us = this.budgetUs): void {
    this.waiters++;
    const now = performance.now();
    const t = now + Math.min(us, this.budgetUs) / 1000;
    if (t > this.until) this.until = t;
    if (!this.active) {
      this.active = true;
      this.startedAt = now;
      setImmediate(this.tick);
    }
  }

  /** The awaited bytes came (or the wait failed). Every begin() has exactly one end(). */
  end(): void {
    if (this.waiters > 0) this.waiters--;
  }

  get spinning(): boolean {
    return this.active;
  }
}

/**
 * How long each kind of request takes to get its first response bytes, as a moving average, so
 * that spinning is kept to the requests it can help: a `/containers/json` that takes 2 ms would
 * only burn the budget and then sleep anyway.
 */
export class FirstByteTimes {
  private readonly avg = new Map<string, number>();

  /**
   * How long a request of this kind may spin: twice its usual first-byte time, within the budget;
   * 0 when it is usually slower than the budget (unknown: the budget). An answer later than twice
   * the usual means the daemon is busy, and a spinning proxy would take CPU it needs.
   */
  spinFor(kind: string, budgetUs: number): number {
    const a = this.avg.get(kind);
    if (a === undefined) return budgetUs;
    if (a > budgetUs) return 0;
    return Math.min(budgetUs, 2 * a);
  }

  /** Record one wait, in microseconds. A new kind starts at its first sample. */
  record(kind: string, us0: number): void {
    // Capped: one `wait` or `events` request that took an hour must not keep its kind from
    // spinning for the next thousand requests once the daemon answers fast again.
    const us = Math.min(us0, MAX_SAMPLE_US);
    const a = this.avg.get(kind);
    // 1/8 weight: a few slow answers (a busy daemon) move it, one outlier does not.
    this.avg.set(kind, a === undefined ? us : a + (us - a) / 8);
  }

  estimate(kind: string): number | undefined {
    return this.avg.get(kind);
  }
}

const MAX_SAMPLE_US = 100_000;

/** Default budget: covers `/_ping` and `/version` on a local daemon (0.1–0.2 ms), not lists. */
export const DEFAULT_BUSY_POLL_US = 250;
