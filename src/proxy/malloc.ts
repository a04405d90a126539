/**
 * Keep glibc's malloc from handing freed heap back to the kernel after every burst of reads.
 *
 * Why: each socket read in Node allocates its 64 KiB buffer with malloc, below glibc's mmap
 * threshold, so it comes from the heap; V8 frees those buffers in batches when it collects them.
 * With glibc's starting thresholds (mmap 128 KiB, trim 128 KiB) a freed batch at the top of the
 * heap is trimmed at once (`brk` down) and faulted in again, page by page, by the next reads. A
 * Node pass-through in that pattern made 1,630 `brk` calls and 53,000–77,000 page faults per
 * 512 MiB passed (131,072 pages) and spent 0.9–1.7 s of CPU on it instead of ~0.35 s; sockwarden
 * proxies 10,000–48,000 faults and up to 0.66 s per 256 MiB in bench runs. Whether a process
 * fell into it depended on how its heap happened to lie (a fresh one with no traffic did too), so
 * two processes started alike could differ for their whole life.
 *
 * How: glibc raises both thresholds by itself ("dynamic mmap threshold", mallopt(3)) when the
 * program frees an mmapped block: mmap threshold = that block's size, trim threshold = twice it,
 * for blocks up to 32 MiB (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit). So the proxy allocates one such
 * block at start and drops it; when V8 frees it (at a collection during start-up), the process
 * keeps up to 64 MiB of freed heap for reuse.
 *
 * Measured (same daemon, each proxy through 2×10 s of the bench's mixed load, then two 256 MiB
 * archive reads, twice): without the block 60,000–105,000 faults and 1.4–2.0 s of CPU per two
 * reads; with a 4 or 8 MiB block no better (47,000–69,000); with 16 MiB or this one 1,600–9,200
 * faults and 0.7–0.8 s. The largest allowed block is used for the margin. What it costs: the
 * memory kept. After that sequence RSS was 107 MiB with the block and 71 without; under the
 * bench's 200-client load it levels off ~20 MiB higher (133 against 109–115 MiB).
 *
 * Nothing else changes: the block is never touched (no page of it is ever resident), a user's own
 * GLIBC_TUNABLES malloc settings turn glibc's dynamic thresholds off and so win, and on other C
 * libraries (musl) this is one allocation and one free.
 */

/** glibc's cap for the dynamic threshold on 64-bit (4 MiB × sizeof(long)); larger blocks don't count. */
export const GLIBC_DYNAMIC_THRESHOLD_MAX = 32 * 1024 * 1024;

/**
 * The block's size: its chunk (size + malloc's header, rounded up to a page) must stay within the
 * cap, and be above the threshold in force (128 KiB at start) to be mmapped at all.
 */
export const THRESHOLD_RAISING_BLOCK = GLIBC_DYNAMIC_THRESHOLD_MAX - 64 * 1024;

/** Call once, early in a long-running process that moves bulk data through sockets. */
export function keepFreedHeap(): void {
  // allocUnsafeSlow: its own malloc'd backing store (not Node's pooled slab), never written.
  Buffer.allocUnsafeSlow(THRESHOLD_RAISING_BLOCK);
}
