import { test } from "node:test";
import assert from "node:assert/strict";
import { extractFixture, extractText, service, at } from "./helpers.js";
import { interpolateString } from "../../../src/sources/compose/interpolate.js";
import { parseDotenv } from "../../../src/sources/compose/dotenv.js";

test("interpolation from the .env beside the file (fixtures/compose/interpolation)", () => {
  const r = extractFixture("interpolation/compose.yml");
  assert.deepEqual(r.errors, []);
  const w = service(r.workloads, "app");
  assert.equal(w.image?.value, "registry/app:latest");
  assert.equal(w.image?.uncertain, undefined);
  assert.equal(w.user?.value, "1000:1000");
  assert.deepEqual(w.privileged, { value: true, at: { line: 21, column: 17 } });
  const m = w.mounts;
  assert.equal(m.length, 10);
  assert.deepEqual([m[0]!.type, m[0]!.hostPath, m[0]!.uncertain, at(m[0]!.at)], ["bind", "/var/run/docker.sock", undefined, "23:9"]);
  assert.deepEqual([m[1]!.type, m[1]!.source, m[1]!.hostPath, m[1]!.target, at(m[1]!.at)], ["unknown", "${UNSET_SOCK}", undefined, "/var/run/docker.sock", "24:9"]);
  assert.match(m[1]!.uncertain ?? "", /`\$\{UNSET_SOCK\}` is not set in interpolation\/\.env; assumed/);
  assert.deepEqual([m[2]!.type, m[2]!.hostPath, at(m[2]!.at)], ["bind", "${MISSING_DIR}/docker.sock", "25:9"]);
  assert.match(m[2]!.uncertain ?? "", /MISSING_DIR/);
  assert.deepEqual([m[3]!.hostPath, m[3]!.uncertain], ["/", undefined]);
  assert.deepEqual([m[4]!.hostPath, m[4]!.target], ["/var/run", "/run-dir"]);
  assert.deepEqual([m[5]!.hostPath, m[5]!.target], ["/opt/default", "/opt"]);
  assert.deepEqual([m[6]!.source, m[6]!.target, at(m[6]!.at)], ["${REQ:?must be set}", "/req", "29:9"]);
  assert.match(m[6]!.uncertain ?? "", /required but not set/);
  assert.deepEqual([m[7]!.hostPath, m[8]!.hostPath, m[9]!.hostPath], ["/srv/alt", "/srv/data/x", "/var/run/docker.sock"]);
  assert.deepEqual(w.env.map((e) => e.value), [{ name: "DOCKER_HOST", value: "tcp://docker:2375" }]);
  assert.deepEqual(w.labels, { price: "$5", quoted: "lit${X}" });
});

test("interpolation never reads the scanning machine's environment", () => {
  process.env.SOCKWARDEN_TEST_SOCK = "/var/run/docker.sock";
  try {
    const r = extractText("services:\n  a:\n    volumes:\n      - ${SOCKWARDEN_TEST_SOCK}/x:/x\n");
    assert.equal(r.workloads[0]!.mounts[0]!.hostPath, "${SOCKWARDEN_TEST_SOCK}/x");
    assert.match(r.workloads[0]!.mounts[0]!.uncertain ?? "", /not set in \.env/);
  } finally {
    delete process.env.SOCKWARDEN_TEST_SOCK;
  }
});

test("interpolateString: every operator, with and without the variable", () => {
  const env = new Map([["SET", "v"], ["EMPTY", ""]]);
  const cases: [string, string, number][] = [
    // input, expected value, number of uncertainty notes
    ["$$", "$", 0],
    ["a$$b", "a$b", 0],
    ["$${SET}", "${SET}", 0],
    ["${SET}", "v", 0],
    ["$SET/x", "v/x", 0],
    ["${UNSET}", "${UNSET}", 1],
    ["$UNSET", "$UNSET", 1],
    ["${UNSET:-d}", "d", 0],
    ["${EMPTY:-d}", "d", 0],
    ["${EMPTY-d}", "", 0],
    ["${UNSET-d}", "d", 0],
    ["${SET:-d}", "v", 0],
    ["${UNSET:?boom}", "${UNSET:?boom}", 1],
    ["${EMPTY:?boom}", "${EMPTY:?boom}", 1],
    ["${EMPTY?boom}", "", 0],
    ["${SET:+alt}", "alt", 0],
    ["${EMPTY:+alt}", "", 0],
    ["${EMPTY+alt}", "alt", 0],
    ["${UNSET+alt}", "", 0],
    ["${UNSET:-${SET}}", "v", 0],
    ["${UNSET:-${ALSO_UNSET:-deep}}", "deep", 0],
    ["${UNSET:-${ALSO_UNSET}}", "${ALSO_UNSET}", 1],
    ["${unclosed", "${unclosed", 1],
    ["${1BAD}", "${1BAD}", 1],
    ["cost: 5$", "cost: 5$", 0],
  ];
  for (const [input, value, notes] of cases) {
    const r = interpolateString(input, env);
    assert.equal(r.value, value, input);
    assert.equal(r.notes.length, notes, `${input}: ${r.notes.join(" | ")}`);
  }
});

test("parseDotenv: export, comments, quotes, escapes, multi-line, references to earlier keys", () => {
  const text = [
    "# comment",
    "export A=1",
    "B = two words # comment",
    "C='single ${A} $$ kept'",
    'D="double ${A}\\nnext"',
    'E="multi',
    'line"',
    "F=${A}/x",
    "G=",
    "H:colon",
    "not a line",
    "I=a#b",
  ].join("\n");
  const env = parseDotenv(text);
  assert.deepEqual(Object.fromEntries(env), {
    A: "1",
    B: "two words",
    C: "single ${A} $$ kept",
    D: "double 1\nnext",
    E: "multi\nline",
    F: "1/x",
    G: "",
    H: "colon",
    I: "a#b",
  });
});

test("CRLF line ends and a byte-order mark, in the compose file and in .env, change nothing", () => {
  const text = "\uFEFFservices:\r\n  a:\r\n    volumes:\r\n      - ${SOCK}:/s\r\n    privileged: true\r\n";
  const r = extractText(text, "x.yml", { ".env": "\uFEFFSOCK=/var/run/docker.sock\r\nOTHER='a'\r\n" });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads[0]!.mounts.map((m) => [m.hostPath, m.uncertain, m.at]), [["/var/run/docker.sock", undefined, { line: 4, column: 9 }]]);
  assert.deepEqual(r.workloads[0]!.privileged, { value: true, at: { line: 5, column: 17 } });
});
