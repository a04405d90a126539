/** The project is TypeScript `strict`; tests run through tsx, which does not type-check, so this
 *  test does: any type error anywhere (src, test, bench, scripts) fails the suite. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

test("tsc --noEmit reports no type errors", async () => {
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "--noEmit", "-p", ROOT], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
  assert.equal(r.code, 0, r.out.slice(0, 4000));
});
