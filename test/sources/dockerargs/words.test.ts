import { test } from "node:test";
import assert from "node:assert/strict";
import { tokenizeShell, resolveWord } from "../../../src/sources/dockerargs/words.js";

/** Commands as arrays of word values, for readable expectations. */
function cmds(text: string, make = false): string[][] {
  return tokenizeShell(text, { make }).commands.map((c) => c.words.map((w) => w.value));
}

test("separators split commands: && ; | || & newline", () => {
  assert.deepEqual(cmds("a 1 && b 2; c | d || e & f\ng"), [["a", "1"], ["b", "2"], ["c"], ["d"], ["e"], ["f"], ["g"]]);
});

test("quotes and escapes are removed, quoted separators are not separators", () => {
  assert.deepEqual(cmds(`echo 'a; b' "c && d" e\\ f \\;`), [["echo", "a; b", "c && d", "e f", ";"]]);
});

test("double quotes keep \\$ and \\\" escapes, other backslashes stay", () => {
  assert.deepEqual(cmds(`x "a\\$b\\"c\\d"`), [["x", 'a$b"c\\d']]);
});

test("backslash-newline continues the command; each word keeps its own line", () => {
  const r = tokenizeShell("docker run \\\n  -v /a:/b \\\n  img");
  assert.equal(r.commands.length, 1);
  const ws = r.commands[0]!.words;
  assert.deepEqual(ws.map((w) => [w.value, w.line, w.column]), [
    ["docker", 1, 1], ["run", 1, 8], ["-v", 2, 3], ["/a:/b", 2, 6], ["img", 3, 3],
  ]);
});

test("comments are dropped, but # inside a word is literal", () => {
  assert.deepEqual(cmds("a b # docker run -v /var/run/docker.sock:/x\nc d#e"), [["a", "b"], ["c", "d#e"]]);
});

test("heredoc bodies are skipped (<<, <<-, quoted delimiter), the command line itself is kept", () => {
  const text = "cat <<EOF > out\ndocker run -v /:/h img\nEOF\ncat <<-'X'\n\tdocker run --privileged y\n\tX\nafter";
  assert.deepEqual(cmds(text), [["cat"], ["cat"], ["after"]]);
});

test("redirections and their targets are not arguments; 2>&1 is not an argument", () => {
  assert.deepEqual(cmds("docker run img > /dev/null 2>&1 < in"), [["docker", "run", "img"]]);
});

test("$VAR, ${VAR:-d}, $(cmd) and backticks are kept as expansion parts", () => {
  const r = tokenizeShell('x $A "${B:-/d}" $(pwd)/p `id`');
  const ws = r.commands.find((c) => c.words[0]!.value === "x")!.words;
  assert.deepEqual(ws.map((w) => w.parts.map((p) => p.kind)), [["lit"], ["var"], ["var"], ["cmd", "lit"], ["cmd"]]);
  assert.equal(resolveWord(ws[2]!).value, "/d");
  assert.match(resolveWord(ws[2]!).uncertain!, /default/);
  assert.match(resolveWord(ws[1]!).uncertain!, /\$A is not known/);
  assert.equal(resolveWord(ws[1]!, (n) => (n === "A" ? { value: "/run" } : undefined)).value, "/run");
});

test("command substitutions are tokenized too, with positions in the outer text", () => {
  const r = tokenizeShell("CID=$(docker run -d img)\necho `podman ps`");
  const inner = r.commands.filter((c) => c.depth === 1).map((c) => c.words.map((w) => [w.value, w.line, w.column]));
  assert.deepEqual(inner, [[["docker", 1, 7], ["run", 1, 14], ["-d", 1, 18], ["img", 1, 21]], [["podman", 2, 7], ["ps", 2, 14]]]);
});

test("make mode: $(VAR) is a make variable, $$ reaches the shell as $", () => {
  const r = tokenizeShell("docker run -v $(SOCK):/s $$HOME", { make: true });
  const ws = r.commands[0]!.words;
  const p = ws[3]!.parts[0]!;
  assert.equal(p.kind, "var");
  assert.equal(p.kind === "var" && p.make, true);
  assert.equal(p.kind === "var" && p.name, "SOCK");
  const home = ws[4]!.parts[0]!;
  assert.equal(home.kind === "var" && home.name, "HOME");
});

test("unterminated quotes: a diagnostic with the line, no throw", () => {
  const r = tokenizeShell("ok\necho 'never closed\nmore");
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0]!.line, 2);
  const r2 = tokenizeShell('a "x');
  assert.match(r2.diagnostics[0]!.message, /unterminated double quote/);
});

test("deeply nested substitutions do not blow the stack", () => {
  const depth = 100_000;
  const text = "$(".repeat(depth) + "docker run x" + ")".repeat(depth);
  const r = tokenizeShell(text);
  assert.ok(r.commands.length >= 1);
});
