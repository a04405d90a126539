import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONCERNS } from "../../src/model/concern.js";
import { TOP_LEVEL_KEYS, ALLOW_KEYS, EXCEPTION_KEYS, BREAK_GLASS_KEYS, PROXY_KEYS, PROXY_PRESETS, WEBHOOK_KEYS, WATCH_KEYS, SCAN_KEYS, HTTP_METHODS, POLICY_FILE_NAMES, parsePolicy } from "../../src/policy/load.js";
import { MATCH_KEYS } from "../../src/policy/match.js";

const doc = readFileSync(fileURLToPath(new URL("../../docs/policy.md", import.meta.url)), "utf8");

test("docs/policy.md names every key, concern, preset and method the validator accepts", () => {
  const lists: [string, readonly string[]][] = [
    ["top-level", TOP_LEVEL_KEYS],
    ["allow", ALLOW_KEYS],
    ["exception", EXCEPTION_KEYS],
    ["match", MATCH_KEYS],
    ["breakGlass", BREAK_GLASS_KEYS],
    ["proxy", PROXY_KEYS],
    ["preset", PROXY_PRESETS],
    ["webhook", WEBHOOK_KEYS],
    ["watch", WATCH_KEYS],
    ["scan", SCAN_KEYS],
    ["method", HTTP_METHODS],
    ["file name", POLICY_FILE_NAMES],
    ["concern", CONCERNS],
  ];
  for (const [what, names] of lists) for (const n of names) assert.ok(doc.includes("`" + n + "`"), `docs/policy.md does not mention ${what} \`${n}\``);
});

test("the first example in docs/policy.md is a valid policy", () => {
  const m = /```yaml\n([\s\S]*?)```/.exec(doc);
  assert.ok(m, "no yaml example");
  const p = parsePolicy(m[1]!, "docs/policy.md");
  assert.equal(p.exceptions.length, 1);
  assert.equal(p.webhook?.breakGlass.length, 1);
});
