import { errnoText } from "./errno.js";
import { promises as fsp, constants as fsc, openSync, fstatSync, readFileSync, closeSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import type { FileHandle } from "node:fs/promises";

/**
 * Reading one file of a scanned tree, safely: a size limit checked before the content is read,
 * binary files recognised, invalid UTF-8 reported with its byte offset (never decoded into
 * U+FFFD, which would shift columns and hide the problem), a UTF-8 BOM stripped (so line 1,
 * column 1 is the first character the user sees).
 */
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

/** How far binary detection looks for a NUL byte (the same window git and grep use). */
const SNIFF_BYTES = 8192;

export type ReadResult =
  | { text: string }
  /** The file could not be read as text; `line` when the problem has one (invalid UTF-8). */
  | { error: string; line?: number }
  /** Not for us and not worth a word: a binary file whose name no source parses, a FIFO. */
  | { skipped: "binary" | "not a regular file" };

export interface ReadOptions {
  /** Default 5 MiB. */
  maxFileBytes?: number;
  /** The name is one a source would parse (compose.yml, *.yaml, …): binary content is then an
   *  error the user should see, not a silent skip. */
  expectText?: boolean;
}

export async function readTextFile(abs: string, opts: ReadOptions = {}): Promise<ReadResult> {
  const limit = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let fh: FileHandle | undefined;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fh = await fsp.open(abs, fsc.O_RDONLY | fsc.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) return { skipped: "not a regular file" };
    if (st.size > limit) return { error: tooLargeMessage(st.size, limit) };
    const buf = await fh.readFile();
    return decodeText(buf, { ...opts, maxFileBytes: limit });
  } catch (e) {
    return { error: `cannot read file: ${errnoText(e, "no such file or directory (removed during the scan?)")}` };
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** The same, synchronously: for `SourceContext.readFile` (compose `extends`, `.env`), which is sync. */
export function readTextFileSync(abs: string, opts: ReadOptions = {}): ReadResult {
  const limit = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  let fd: number | undefined;
  try {
    fd = openSync(abs, fsc.O_RDONLY | fsc.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile()) return { skipped: "not a regular file" };
    if (st.size > limit) return { error: tooLargeMessage(st.size, limit) };
    const buf = readFileSync(fd);
    return decodeText(buf, { ...opts, maxFileBytes: limit });
  } catch (e) {
    return { error: `cannot read file: ${errnoText(e, "no such file or directory (removed during the scan?)")}` };
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
  }
}

/** The pure part: bytes → text or the reason there is none. */
export function decodeText(buf: Uint8Array, opts: ReadOptions = {}): ReadResult {
  const limit = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // The file may have grown between stat and read.
  if (buf.length > limit) return { error: tooLargeMessage(buf.length, limit) };
  const nul = buf.subarray(0, SNIFF_BYTES).indexOf(0);
  if (nul !== -1) {
    if (!opts.expectText) return { skipped: "binary" };
    const utf16 =
      buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff));
    return {
      error: utf16
        ? "binary file: UTF-16 encoded (save it as UTF-8 to have it scanned)"
        : `binary file (NUL byte at byte offset ${nul}): not scanned`,
    };
  }
  if (!isUtf8(buf)) {
    const at = firstInvalidUtf8(buf);
    const line = lineAt(buf, at);
    return { error: `invalid UTF-8 at byte offset ${at} (line ${line}): not scanned`, line };
  }
  const start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  return { text: Buffer.from(buf.buffer, buf.byteOffset + start, buf.length - start).toString("utf8") };
}

/** "file too large (6.2 MiB > 5 MiB limit; raise with --max-file-size)". */
export function tooLargeMessage(size: number, limit: number): string {
  let shown = formatSize(size);
  // Never print "5 MiB > 5 MiB": show more digits when rounding hides the difference.
  if (shown === formatSize(limit)) shown = `${size} bytes`;
  return `file too large (${shown} > ${formatSize(limit)} limit; raise with --max-file-size)`;
}

export function formatSize(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes >= MiB) return `${trim((bytes / MiB).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${trim((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

function trim(n: string): string {
  return n.endsWith(".0") ? n.slice(0, -2) : n;
}

/** Offset of the first byte that does not start (or continue) a well-formed UTF-8 sequence
 *  (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). -1 if all is well. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => j < n && b[j]! >= lo && b[j]! <= hi;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
    } else if (c >= 0xc2 && c <= 0xdf) {
      if (!cont(i + 1)) return i;
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      const lo = c === 0xe0 ? 0xa0 : 0x80;
      const hi = c === 0xed ? 0x9f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2)) return i;
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      const lo = c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xf4 ? 0x8f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2) || !cont(i + 3)) return i;
      i += 4;
    } else {
      return i;
    }
  }
  return -1;
}

/** 1-based line of a byte offset. */
function lineAt(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < b.length; i++) if (b[i] === 0x0a) line++;
  return line;
}

