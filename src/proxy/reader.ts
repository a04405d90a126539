/**
 * A pull-style reader over a socket with back-pressure: the socket is paused while more than
 * `highWater` bytes wait unread, so a client that sends faster than the daemon takes (or
 * pipelines requests) never makes the proxy buffer without bound.
 */
import type { Socket } from "node:net";

export class SockReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private waiter: (() => void) | undefined;
  ended = false;
  error: Error | undefined;
  /** Whether this reader paused the socket (so read() resumes only then: resume() per read
   *  showed in per-request profiles). */
  private paused = false;
  private readonly onData = (b: Buffer) => {
    this.chunks.push(b);
    this.size += b.length;
    if (this.size > this.highWater && !this.paused) {
      this.paused = true;
      this.sock.pause();
    }
    this.wake();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake();
  };
  private readonly onError = (e: Error) => {
    this.error = e;
    this.ended = true;
    this.wake();
  };

  constructor(
    readonly sock: Socket,
    private readonly highWater = 256 * 1024,
  ) {
    sock.on("data", this.onData);
    sock.on("end", this.onEnd);
    sock.on("error", this.onError);
    sock.on("close", this.onEnd);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  get buffered(): number {
    return this.size;
  }

  /**
   * The bytes buffered now (all of them), null at end of stream, or undefined when none have
   * come yet (then `await wait()` and take again). The hot paths use this pair instead of
   * read(): a promise resolved with an object (a Buffer) makes V8 look up a `then` property on it
   * through its whole prototype chain, which showed in per-request profiles.
   */
  take(): Buffer | null | undefined {
    if (this.chunks.length === 0) {
      if (this.ended) return null;
      this.resume();
      return undefined;
    }
    const b = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    if (!this.ended) this.resume();
    return b;
  }

  /** Resolves when bytes, the end or an error arrive. Only after take() returned undefined. */
  wait(): Promise<void> {
    return new Promise<void>((r) => (this.waiter = r));
  }

  /** Next bytes (all that are buffered), or null at end of stream. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      const b = this.take();
      if (b !== undefined) return b;
      await this.wait();
    }
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.sock.resume();
  }

  /** Put back bytes that belong to the next reader (the next request, or a hijacked stream). */
  unshift(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.unshift(b);
    this.size += b.length;
  }

  /** Stop reading; hand back what was buffered (for splicing). */
  detach(): { rest: Buffer; ended: boolean } {
    this.sock.off("data", this.onData);
    this.sock.off("end", this.onEnd);
    this.sock.off("close", this.onEnd);
    this.sock.off("error", this.onError);
    const rest = Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    return { rest, ended: this.ended };
  }
}

const RESOLVED = Promise.resolve();

/** Write with back-pressure. */
export function writeAll(sock: Socket, b: Buffer | string): Promise<void> {
  if (sock.destroyed || sock.writableEnded) return Promise.reject(new Error("socket closed"));
  // The common case, taken by every small response: the kernel took the bytes (or the stream
  // buffered them under its high-water mark). No promise executor, no per-write callback: a
  // later write error still surfaces as the socket's 'error'/'close', which the readers see.
  if (sock.write(b)) return RESOLVED;
  return new Promise((resolve, reject) => {
    if (sock.destroyed) return reject(new Error("socket closed"));
    const onDrain = () => {
      sock.off("close", onClose);
      resolve();
    };
    const onClose = () => {
      sock.off("drain", onDrain);
      reject(new Error("socket closed"));
    };
    sock.once("drain", onDrain);
    sock.once("close", onClose);
  });
}
