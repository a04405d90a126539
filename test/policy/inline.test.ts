import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInlineSuppressions, findInlineSuppression, annotationSuppressions } from "../../src/policy/inline.js";

// Each case: the text, and the suppressions expected, worked out by hand from the grammar
// `(#|//) sockwarden:ignore <concern>[,<concern>] -- <reason>` (trailing → own line; alone → next code line).
const cases: { name: string; text: string; want: unknown[] }[] = [
  {
    name: "trailing YAML comment applies to its own line",
    text: "services:\n  traefik:\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock # sockwarden:ignore socket-mount -- reads events\n",
    want: [{ line: 4, commentLine: 4, concerns: ["socket-mount"], reason: "reads events" }],
  },
  {
    name: "comment alone applies to the next line that is not blank or a comment",
    // line 1 comment, line 2 blank, line 3 another comment, line 4 the code line
    text: "# sockwarden:ignore privileged -- GPU agent, reviewed\n\n# unrelated note\nprivileged: true\n",
    want: [{ line: 4, commentLine: 1, concerns: ["privileged"], reason: "GPU agent, reviewed" }],
  },
  {
    name: "// comment above a Jenkinsfile line",
    text: "stage('t') {\n  // sockwarden:ignore socket-mount -- CI VM is throwaway\n  sh 'docker run -v /var/run/docker.sock:/var/run/docker.sock x'\n}\n",
    want: [{ line: 3, commentLine: 2, concerns: ["socket-mount"], reason: "CI VM is throwaway" }],
  },
  {
    name: "trailing // comment",
    text: "sh 'docker run --privileged x' // sockwarden:ignore privileged -- dind test\n",
    want: [{ line: 1, commentLine: 1, concerns: ["privileged"], reason: "dind test" }],
  },
  {
    name: "no reason: reason undefined and a problem stated",
    text: "privileged: true # sockwarden:ignore privileged\n",
    want: [{ line: 1, commentLine: 1, concerns: ["privileged"], problem: 'no reason given (add " -- <reason>")' }],
  },
  {
    name: "empty reason after --",
    text: "privileged: true # sockwarden:ignore privileged --   \n",
    want: [{ line: 1, commentLine: 1, concerns: ["privileged"], problem: 'empty reason after " -- "' }],
  },
  {
    name: "multiple concerns, spaces after commas, upper case folded",
    text: "x: 1 # sockwarden:ignore Privileged, devices,host-path -- node agent\n",
    want: [{ line: 1, commentLine: 1, concerns: ["privileged", "devices", "host-path"], reason: "node agent" }],
  },
  {
    name: "* and all mean every concern",
    text: "a: 1 # sockwarden:ignore * -- lab\nb: 2 #sockwarden:ignore all -- lab too\n",
    want: [
      { line: 1, commentLine: 1, concerns: ["*"], reason: "lab" },
      { line: 2, commentLine: 2, concerns: ["*"], reason: "lab too" },
    ],
  },
  {
    name: "reason may contain -- and colons; CRLF line endings",
    text: "# sockwarden:ignore socket-mount -- ticket: OPS-1 -- temporary\r\n  - /run/docker.sock:/x\r\n",
    want: [{ line: 2, commentLine: 1, concerns: ["socket-mount"], reason: "ticket: OPS-1 -- temporary" }],
  },
  {
    name: "unknown concern kept and listed",
    text: "a: 1 # sockwarden:ignore socket-mnt -- typo\n",
    // a malformed comment never carries a reason, so it cannot suppress and is reported
    want: [{ line: 1, commentLine: 1, concerns: ["socket-mnt"], unknownConcerns: ["socket-mnt"], problem: 'unknown concern "socket-mnt"' }],
  },
  {
    name: "one unknown concern in a list spoils the whole comment",
    text: "a: 1 # sockwarden:ignore privileged,devics,foo -- x\n",
    want: [{ line: 1, commentLine: 1, concerns: ["privileged", "devics", "foo"], unknownConcerns: ["devics", "foo"], problem: 'unknown concerns "devics", "foo"' }],
  },
  {
    name: "text without -- is not a reason",
    text: "a: 1 # sockwarden:ignore socket-mount traefik needs it\n",
    want: [{ line: 1, commentLine: 1, concerns: ["socket-mount"], problem: 'unexpected text "traefik needs it" after the concern list (the reason must follow " -- ")' }],
  },
  {
    name: "no concern",
    text: "a: 1 # sockwarden:ignore -- why\n",
    want: [{ line: 1, commentLine: 1, concerns: [], problem: 'no concern named (write "sockwarden:ignore <concern> -- <reason>", or "*" for every concern)' }],
  },
  {
    name: "## comment alone on its line is not trailing",
    text: "## sockwarden:ignore devices -- x\ndevices: [/dev/kvm]\n",
    want: [{ line: 2, commentLine: 1, concerns: ["devices"], reason: "x" }],
  },
  {
    name: "comment at the end of the file applies to its own line",
    text: "a: 1\n# sockwarden:ignore devices -- x\n",
    want: [{ line: 2, commentLine: 2, concerns: ["devices"], reason: "x" }],
  },
  {
    name: "marker outside a comment is ignored (prose, a#b, URL)",
    text: "Use sockwarden:ignore to silence.\nkey: a#sockwarden:ignore devices -- x\nurl: http://sockwarden:ignore\n",
    want: [],
  },
  {
    name: "marker glued to other text is malformed, not a suppression",
    text: "a: 1 # sockwarden:ignore:privileged -- x\n",
    want: [{ line: 1, commentLine: 1, concerns: [], problem: 'expected "sockwarden:ignore <concern> -- <reason>", got "sockwarden:ignore:privileged -- x"' }],
  },
  { name: "no marker at all", text: "services: {}\n", want: [] },
];

for (const c of cases) {
  test(`inline: ${c.name}`, () => {
    assert.deepEqual(parseInlineSuppressions(c.text), c.want);
  });
}

test("inline: two stacked comments both apply to the same code line", () => {
  const text = "# sockwarden:ignore privileged -- a\n# sockwarden:ignore devices -- b\nprivileged: true\n";
  const got = parseInlineSuppressions(text);
  assert.deepEqual(got.map((s) => [s.line, s.commentLine, s.concerns[0]]), [[3, 1, "privileged"], [3, 2, "devices"]]);
});

test("findInlineSuppression: by line and concern, * matches all, reasoned entry preferred", () => {
  const list = parseInlineSuppressions(
    [
      "a: 1 # sockwarden:ignore privileged", // line 1, no reason
      "b: 2 # sockwarden:ignore * -- lab", // line 2
      "# sockwarden:ignore privileged", // applies to line 5, no reason
      "# sockwarden:ignore privileged -- ok", // applies to line 5, with reason
      "c: 3",
    ].join("\n"),
  );
  assert.equal(findInlineSuppression(list, 1, "privileged")?.reason, undefined);
  assert.equal(findInlineSuppression(list, 1, "privileged")?.commentLine, 1);
  assert.equal(findInlineSuppression(list, 1, "devices"), undefined);
  assert.equal(findInlineSuppression(list, 2, "socket-mount")?.reason, "lab");
  assert.equal(findInlineSuppression(list, 3, "privileged"), undefined);
  assert.equal(findInlineSuppression(list, 5, "privileged")?.reason, "ok");
  assert.equal(findInlineSuppression(list, 5, "privileged")?.commentLine, 4);
});

test("annotationSuppressions: both forms", () => {
  const got = annotationSuppressions({
    "sockwarden.io/ignore.socket-mount": "node exporter reads docker state",
    "sockwarden.io/ignore.Privileged": "  ",
    "sockwarden.io/ignore.all": "lab cluster",
    "sockwarden.io/ignore": "host-path, devices: GPU agent\nhost-namespace -- needs hostPID\ncapabilities",
    "sockwarden.io/ignored": "not ours",
    "other.io/ignore.privileged": "not ours",
    "app": "x",
  });
  assert.deepEqual(got, [
    { concern: "socket-mount", reason: "node exporter reads docker state", key: "sockwarden.io/ignore.socket-mount" },
    { concern: "privileged", key: "sockwarden.io/ignore.Privileged" },
    { concern: "*", reason: "lab cluster", key: "sockwarden.io/ignore.all" },
    { concern: "host-path", reason: "GPU agent", key: "sockwarden.io/ignore" },
    { concern: "devices", reason: "GPU agent", key: "sockwarden.io/ignore" },
    { concern: "host-namespace", reason: "needs hostPID", key: "sockwarden.io/ignore" },
    { concern: "capabilities", key: "sockwarden.io/ignore" },
  ]);
  assert.deepEqual(annotationSuppressions(undefined), []);
});

test("inline: a large marker-free text yields no suppressions", () => {
  // Functional check only (no timing): the result for a big marker-free text is empty.
  const big = "services:\n  a:\n    image: x\n".repeat(50_000);
  assert.deepEqual(parseInlineSuppressions(big), []);
});
