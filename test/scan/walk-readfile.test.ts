import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { readTextFile, readTextFileSync, decodeText, firstInvalidUtf8, tooLargeMessage, formatSize } from "../../src/scan/readfile.js";

function dir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), "sw-read-"));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test("too large: refused before reading, with the size, the limit and the flag to raise it", async (t) => {
  const d = dir(t);
  writeFileSync(join(d, "big.yml"), Buffer.alloc(6 * 1024 * 1024 + 1, 0x61)); // 6 MiB + 1 byte of "a"
  // 6 MiB + 1 byte rounds to "6 MiB"; the default limit is 5 MiB.
  const expected = { error: "file too large (6 MiB > 5 MiB limit; raise with --max-file-size)" };
  assert.deepEqual(await readTextFile(join(d, "big.yml")), expected);
  assert.deepEqual(readTextFileSync(join(d, "big.yml")), expected);
  writeFileSync(join(d, "small.yml"), "x".repeat(150));
  assert.deepEqual(await readTextFile(join(d, "small.yml"), { maxFileBytes: 100 }), {
    error: "file too large (150 bytes > 100 bytes limit; raise with --max-file-size)",
  });
  // Exactly at the limit is fine.
  assert.deepEqual(await readTextFile(join(d, "small.yml"), { maxFileBytes: 150 }), { text: "x".repeat(150) });
});

test("too-large message never shows equal sizes", () => {
  // 5 MiB + 1 byte would print "5 MiB > 5 MiB": show bytes instead.
  assert.equal(tooLargeMessage(5 * 1024 * 1024 + 1, 5 * 1024 * 1024), "file too large (5242881 bytes > 5 MiB limit; raise with --max-file-size)");
  assert.equal(formatSize(1536), "1.5 KiB");
  assert.equal(formatSize(13 * 1024 * 1024 + 104858), "13.1 MiB"); // 104858/1048576 = 0.1
});

test("binary: silent skip unless the name is one we parse, then an error", async (t) => {
  const d = dir(t);
  const bin = Buffer.concat([Buffer.from("PNG\r\n\x1a\n0"), Buffer.from([0]), Buffer.from("rest")]); // P N G \r \n 1a \n 0 = 8 bytes, so the NUL is at offset 8
  writeFileSync(join(d, "logo.png"), bin);
  assert.deepEqual(await readTextFile(join(d, "logo.png")), { skipped: "binary" });
  assert.deepEqual(await readTextFile(join(d, "logo.png"), { expectText: true }), { error: "binary file (NUL byte at byte offset 8): not scanned" });
  // UTF-16 has NULs everywhere: say what it is.
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("a: 1\n", "utf16le")]);
  assert.deepEqual(decodeText(utf16, { expectText: true }), { error: "binary file: UTF-16 encoded (save it as UTF-8 to have it scanned)" });
  // Only the first 8 KiB are sniffed: a NUL at 9000 is valid UTF-8 and the file is text.
  const late = Buffer.alloc(9001, 0x20);
  late[9000] = 0;
  const r = decodeText(late, { expectText: true });
  assert.ok("text" in r && r.text.length === 9001);
});

test("invalid UTF-8: an error naming the byte offset and line", async (t) => {
  const d = dir(t);
  // "a: 1\n" is bytes 0-4, "b: " bytes 5-7, so the stray 0xFF is at byte offset 8, on line 2.
  writeFileSync(join(d, "bad.yml"), Buffer.concat([Buffer.from("a: 1\nb: "), Buffer.from([0xff]), Buffer.from("\n")]));
  const expected = { error: "invalid UTF-8 at byte offset 8 (line 2): not scanned", line: 2 };
  assert.deepEqual(await readTextFile(join(d, "bad.yml"), { expectText: true }), expected);
  assert.deepEqual(readTextFileSync(join(d, "bad.yml"), { expectText: true }), expected);
  // Overlong "/" (C0 AF), a UTF-16 surrogate (ED A0 80), a sequence cut short at the end (E2 82),
  // and above U+10FFFF (F4 90 80 80) are all invalid at their first byte.
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf])), 1);
  assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80])), 2);
  assert.equal(firstInvalidUtf8(Buffer.from([0xe2, 0x82])), 0);
  assert.equal(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80])), 0);
  // Valid: "é" (C3 A9), "€" (E2 82 AC), "😀" (F0 9F 98 80).
  assert.equal(firstInvalidUtf8(Buffer.from("é€😀")), -1);
});

test("firstInvalidUtf8 agrees with Node's own validator on random bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const at = firstInvalidUtf8(bytes);
      if (at === -1) return isUtf8(bytes);
      // Invalid overall, and everything before the offset is valid.
      return !isUtf8(bytes) && isUtf8(bytes.subarray(0, at));
    }),
    { numRuns: 5000 },
  );
});

test("a UTF-8 BOM is stripped so line 1 column 1 is the first visible character", async (t) => {
  const d = dir(t);
  writeFileSync(join(d, "bom.yml"), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("services:\n")]));
  assert.deepEqual(await readTextFile(join(d, "bom.yml")), { text: "services:\n" });
  assert.deepEqual(decodeText(Buffer.from("k: v")), { text: "k: v" }); // no BOM: unchanged
});

test("a file that is gone is an error, not a crash", async (t) => {
  const d = dir(t);
  assert.deepEqual(await readTextFile(join(d, "gone.yml")), { error: "cannot read file: no such file or directory (removed during the scan?)" });
  assert.deepEqual(readTextFileSync(d), { skipped: "not a regular file" }); // a directory
});
