import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renderRulesMarkdown } from "../../src/report/rules-doc.js";
import { RULES } from "../../src/rules/index.js";
import { CONCERNS } from "../../src/model/concern.js";

test("docs/rules.md is generated from the rule metadata and up to date (run `npm run docs`)", () => {
  const committed = readFileSync(new URL("../../docs/rules.md", import.meta.url), "utf8");
  assert.equal(committed, renderRulesMarkdown());
});

test("every rule has complete metadata: unique id and anchor, known concern, meaning and decision", () => {
  const ids = new Set<string>();
  for (const r of RULES) {
    assert.ok(!ids.has(r.meta.id), `duplicate id ${r.meta.id}`);
    ids.add(r.meta.id);
    assert.ok((CONCERNS as readonly string[]).includes(r.meta.concern), r.meta.id);
    assert.ok(r.meta.meaning.length > 80, `${r.meta.id}: meaning too short to explain anything`);
    assert.ok(r.meta.decision.length > 40, `${r.meta.id}: decision too short`);
    assert.match(r.meta.anchor, /^[a-z0-9-]+$/);
  }
});
