/**
 * Child process for malloc.test.ts (run with --expose-gc): how the [heap] segment changes when
 * 16 MiB of 64 KiB blocks (the size of Node's socket read buffers) are allocated and then freed.
 * Prints one JSON line: {grew, kept} in MiB. argv[2] = "keep" calls keepFreedHeap() first.
 */
import { readFileSync } from "node:fs";
import { keepFreedHeap } from "../../src/proxy/malloc.js";

declare const gc: () => void;

function heapMiB(): number {
  const line = readFileSync("/proc/self/maps", "utf8").split("\n").find((l) => l.endsWith("[heap]"));
  if (!line) throw new Error("no [heap] in /proc/self/maps");
  const [a, b] = line.split(" ")[0]!.split("-");
  return (parseInt(b!, 16) - parseInt(a!, 16)) / 1048576;
}

/** V8 frees ArrayBuffer memory after a collection, sometimes on a helper thread: give it turns. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (process.argv[2] === "keep") keepFreedHeap();
await settle();
const h0 = heapMiB();
let blocks: Buffer[] | undefined = [];
for (let i = 0; i < 256; i++) blocks.push(Buffer.allocUnsafeSlow(64 * 1024));
const h1 = heapMiB();
blocks = undefined;
await settle();
const h2 = heapMiB();
console.log(JSON.stringify({ grew: h1 - h0, kept: h2 - h0 }));
