import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { BusyPoll, FirstByteTimes } from "../../src/proxy/busypoll.js";
import { parseBusyPoll, parsePolicy } from "../../src/policy/load.js";

test("busyPoll values: microseconds from us, µs and ms; off and 0 never spin", () => {
  const cases: [string, number][] = [
    ["250us", 250],
    ["250µs", 250], // U+00B5, as Go writes it
    ["250μs", 250], // U+03BC, Greek mu, also accepted by Go
    ["0.5ms", 500],
    ["10ms", 10_000], // the ceiling itself is allowed
    [" 1ms ", 1000],
    ["off", 0],
    ["0", 0],
  ];
  for (const [s, us] of cases) assert.equal(parseBusyPoll(s), us, s);
  for (const bad of ["250", "1s", "-1us", "1.us", "fast", "", "10.001ms", "1e3us"]) {
    assert.equal(typeof parseBusyPoll(bad), "string", `${JSON.stringify(bad)} must be refused`);
  }
  assert.match(String(parseBusyPoll("11ms")), /at most 10ms/);
});

test("proxy.busyPoll in the policy file is kept as written", () => {
  assert.equal(parsePolicy("version: 1\nproxy:\n  busyPoll: 0.5ms\n", "p.yaml").proxy?.busyPoll, "0.5ms");
  assert.equal(parsePolicy("version: 1\nproxy:\n  busyPoll: off\n", "p.yaml").proxy?.busyPoll, "off");
});

// These tests wait for conditions and for event-loop turns, never for a wall-clock time: the
// process may be descheduled for any while on a busy machine.

/** Let n check phases pass: a spin's pending turn runs before the n-th of these resolves. */
async function turnsPass(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await sleep(1);
  assert.ok(cond(), `never happened: ${what}`);
}

const HOUR_US = 3_600_000_000; // a budget no test outlives: only end() stops such a spin

test("a spin ends when its waiter ends, and timers still run while it spins", async () => {
  const bp = new BusyPoll(HOUR_US);
  let timerRan = false;
  setTimeout(() => (timerRan = true), 1);
  bp.begin();
  assert.equal(bp.spinning, true);
  await until(() => timerRan && bp.turns > 5, "a timer fired and the spin kept turning");
  assert.equal(bp.spinning, true, "nothing but end() or the budget stops it");
  const turns = bp.turns;
  bp.end();
  await turnsPass(2);
  assert.equal(bp.spinning, false);
  const after = bp.turns;
  assert.equal(after - turns, 1, "the spin stops on its first turn after end()");
  await turnsPass(3);
  assert.equal(bp.turns, after, "no turns once stopped");
});

test("a spin never outlives its budget, even if the awaited bytes never come", async () => {
  const bp = new BusyPoll(2000); // 2 ms
  bp.begin(); // and no end(): a daemon that never answers
  await until(() => !bp.spinning, "the 2 ms spin stopped by itself");
  assert.ok(bp.spunMs >= 2, `it spins until its budget is spent, spunMs ${bp.spunMs}`);
  const t = bp.turns;
  await turnsPass(3);
  assert.equal(bp.turns, t);
  // A waiter's own limit below the budget ends its spin too.
  const long = new BusyPoll(HOUR_US);
  long.begin(2000);
  await until(() => !long.spinning, "begin(2000) stopped after 2 ms, within the hour's budget, with its waiter still waiting");
  assert.ok(long.spunMs >= 2, `spunMs ${long.spunMs}`);
  long.end();
  // A later request spins again; one end() too many (a bug elsewhere) must not drive the count
  // negative, or the next waiter would not spin.
  const c = new BusyPoll(HOUR_US);
  c.begin();
  c.end();
  c.end();
  await turnsPass(2);
  assert.equal(c.spinning, false);
  c.begin();
  assert.equal(c.spinning, true);
  await turnsPass(3);
  assert.equal(c.spinning, true, "the new waiter keeps it spinning");
  c.end();
  await turnsPass(2);
  assert.equal(c.spinning, false);
});

test("two waiters: the spin lasts until both have their bytes", async () => {
  const bp = new BusyPoll(HOUR_US);
  bp.begin();
  bp.begin();
  bp.end();
  await turnsPass(3);
  assert.equal(bp.spinning, true, "one waiter is still waiting");
  bp.end();
  await turnsPass(2);
  assert.equal(bp.spinning, false);
});

test("first-byte times: unknown kinds spin, slow kinds stop spinning, and recover when fast again", () => {
  const t = new FirstByteTimes();
  assert.equal(t.spinFor("GET /_ping", 250), 250, "a kind never seen spins for the whole budget");
  t.record("GET /_ping", 120);
  assert.equal(t.estimate("GET /_ping"), 120, "the first sample is the estimate");
  assert.equal(t.spinFor("GET /_ping", 250), 240, "twice the usual answer time: later means a busy daemon");
  t.record("GET /containers/json", 1800);
  assert.equal(t.spinFor("GET /containers/json", 250), 0);
  // Moving average with weight 1/8: 120 + (920 - 120) / 8 = 220.
  t.record("GET /_ping", 920);
  assert.equal(t.estimate("GET /_ping"), 220);
  assert.equal(t.spinFor("GET /_ping", 250), 250, "one slow answer does not stop it: 2 × 220 = 440, capped by the budget");
  // 220 + (1020 - 220) / 8 = 320: now above the budget.
  t.record("GET /_ping", 1020);
  assert.equal(t.estimate("GET /_ping"), 320);
  assert.equal(t.spinFor("GET /_ping", 250), 0, "usually slower than the budget: no spin");
  assert.equal(t.spinFor("GET /_ping", 500), 500, "the budget decides, not a fixed limit: 2 × 320 = 640, capped at 500");
  assert.equal(t.spinFor("GET /containers/json", 250), 0);
});

test("first-byte times: one hour-long wait is capped, so its kind spins again after a few dozen fast answers", () => {
  const t = new FirstByteTimes();
  t.record("POST /containers/{id}/wait", 100);
  t.record("POST /containers/{id}/wait", 3_600_000_000); // an hour, in µs
  // Capped at 100 ms: 100 + (100000 - 100) / 8 = 12587.5 (uncapped it would be ~4.5e8).
  assert.equal(t.estimate("POST /containers/{id}/wait"), 12587.5);
  // Back under 250 µs after n fast (100 µs) answers: 12487.5 × (7/8)^n ≤ 150 ⇒ n ≥ 34 (by hand:
  // ln(83.25) / ln(8/7) = 4.422 / 0.1335 = 33.1). Uncapped it would take ~160.
  for (let i = 0; i < 33; i++) t.record("POST /containers/{id}/wait", 100);
  assert.equal(t.spinFor("POST /containers/{id}/wait", 250), 0);
  t.record("POST /containers/{id}/wait", 100);
  assert.ok(t.spinFor("POST /containers/{id}/wait", 250) > 0);
});
