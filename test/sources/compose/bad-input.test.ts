/**
 * Bad input: every kind of broken file is a clear per-file error with a line where there is one,
 * never a throw or a hang, and whatever can still be read (another document, the including file)
 * is still extracted with its finding-bearing values.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { extractText } from "./helpers.js";
import { composeSource } from "../../../src/sources/compose/index.js";

const REAL = "services:\n  real:\n    image: traefik\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n";

function billionLaughs(): string {
  let s = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < 10; i++) {
    const name = String.fromCharCode(97 + i);
    const prev = String.fromCharCode(96 + i);
    s += `${name}: &${name} [${Array(9).fill("*" + prev).join(",")}]\n`;
  }
  return s + "services:\n  x:\n    image: y\n    volumes: *j\n";
}

test("broken YAML: an error with the line, no workloads from that document; the next document is still read", () => {
  // Document 1 (lines 1-3) is broken at line 3; document 2 starts at line 5 (`---` is line 4).
  const text = "services:\n  a:\n    image: [unclosed\n---\n" + REAL;
  const r = extractText(text);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.file, "docker-compose.yml");
  assert.equal(typeof r.errors[0]!.line, "number");
  assert.ok(r.errors[0]!.line! >= 3 && r.errors[0]!.line! <= 4, `line ${r.errors[0]!.line}`);
  assert.match(r.errors[0]!.message, /^YAML syntax error: /);
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["service real"]);
  // The real service's socket mount is line 9 of the file (5 of its document), column 9.
  assert.deepEqual(r.workloads[0]!.mounts.map((m) => [m.hostPath, m.at]), [["/var/run/docker.sock", { line: 9, column: 9 }]]);
});

test("alias bomb: a budget error, not an expansion; a second document with a real finding is still extracted", () => {
  const bomb = billionLaughs();
  const bombLines = bomb.split("\n").length - 1;
  const r = extractText(bomb + "---\n" + REAL);
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.message, /alias bomb|budget/);
  assert.equal(r.errors[0]!.line, 1);
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["service real"]);
  assert.equal(r.workloads[0]!.mounts[0]!.at?.line, bombLines + 1 + 5);
});

test("absurd nesting (flow and block) is refused with a clear error, without a stack overflow", () => {
  const flow = extractText("services:\n  a:\n    labels: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n");
  assert.equal(flow.workloads.length, 0);
  assert.deepEqual(flow.errors.map((e) => e.line), [3]);
  assert.match(flow.errors[0]!.message, /nested deeper than 400/);
  const lines = ["services:", "  a:", "    x:"];
  for (let i = 0; i < 3000; i++) lines.push(" ".repeat(6 + 2 * i) + "k:");
  const block = extractText(lines.join("\n") + "\n");
  assert.equal(block.workloads.length, 0);
  assert.equal(block.errors.length, 1);
  // Indentation passes 800 columns at nesting step i = 398 (6 + 2*398 = 802 spaces), line 3 + 399.
  assert.equal(block.errors[0]!.line, 402);
  assert.match(block.errors[0]!.message, /indented deeper than 800/);
  // 150 levels of real nesting is fine (deep, but within the reader's limits).
  const ok = extractText("services:\n  a:\n    image: x\n    labels:\n      deep: " + "[".repeat(150) + "]".repeat(150) + "\n");
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.workloads.length, 1);
});

test("binary content and non-mapping documents are errors, not crashes; an empty file is nothing", () => {
  const bin = extractText("\u0000\u0001ELF\u0002\u00ff");
  assert.deepEqual(bin.workloads, []);
  assert.deepEqual(bin.errors.map((e) => [e.line, /binary/.test(e.message)]), [[1, true]]);
  const list = extractText("- a\n- b\n");
  assert.deepEqual(list.errors.map((e) => [e.line, /not a mapping/.test(e.message)]), [[1, true]]);
  const svc = extractText("services:\n  - web\n");
  assert.deepEqual(svc.errors.map((e) => [e.line, /`services` is not a mapping/.test(e.message)]), [[2, true]]);
  assert.deepEqual(extractText(""), { workloads: [], errors: [] });
  assert.deepEqual(extractText("# only a comment\n"), { workloads: [], errors: [] });
});

test("a broken included file is an error against that file; the including file's services are still extracted", () => {
  const r = extractText("include:\n  - other.yml\n" + REAL, "docker-compose.yml", { "other.yml": "services:\n  o:\n    image: [\n" });
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["service real"]);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.file, "other.yml");
  assert.match(r.errors[0]!.message, /YAML syntax error/);
});

test("extract never throws and always returns arrays, whatever the text (property)", () => {
  const tokens = ["services:", "\n", "  ", "a:", "- ", "&x ", "*x", "<<: ", "${V", "}", "$$", "[", "]", "{", "}", ":", "'", '"', "\t", "---\n", "volumes:", "/var/run/docker.sock", "extends: a", "include:", "volumes_from: [a]", "\u0000", "#"];
  const yamlish = fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((a) => a.join(""));
  fc.assert(
    fc.property(fc.oneof(yamlish, fc.string({ maxLength: 200 })), (text) => {
      const r = composeSource.extract({ path: "docker-compose.yml", text }, { readFile: () => text, exists: () => false });
      assert.ok(Array.isArray(r.workloads) && Array.isArray(r.errors));
      for (const e of r.errors) assert.equal(typeof e.message, "string");
      assert.equal(typeof composeSource.detect({ path: "x.yaml", text }), "boolean");
    }),
    { numRuns: 300, seed: 20261128 },
  );
});
