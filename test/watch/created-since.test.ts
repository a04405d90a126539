/**
 * createdSince decides which containers a reconnect sweep judges "as they run": those created
 * after the event stream was lost (they ran unwatched; finding them exited says nothing about
 * them being idle). Expected values worked out from the timestamps by hand.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createdSince } from "../../src/watch/watcher.js";

const gap = new Date("2026-11-29T01:58:00.000Z");

test("created after the stream was lost (daemon timestamps carry nanoseconds)", () => {
  assert.equal(createdSince({ Created: "2026-11-29T01:58:00.123456789Z" }, gap), true);
  assert.equal(createdSince({ Created: "2026-11-29T01:58:00Z" }, gap), true); // the same instant counts
});

test("created before the gap, or no usable date: judged by its real state", () => {
  assert.equal(createdSince({ Created: "2026-11-29T01:57:59.999999999Z" }, gap), false);
  assert.equal(createdSince({ Created: "0001-01-01T00:00:00Z" }, gap), false); // Go's zero time
  assert.equal(createdSince({ Created: "yesterday" }, gap), false);
  assert.equal(createdSince({ Created: 1764381480 }, gap), false); // not the Engine's format
  assert.equal(createdSince({}, gap), false);
  assert.equal(createdSince(null, gap), false);
});
