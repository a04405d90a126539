import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parsePolicy, loadPolicy, PolicyError, parseDuration, parseEndpoint } from "../../src/policy/load.js";
import { defaultPolicy, type Policy } from "../../src/policy/types.js";
import { normalizeCapability, LINUX_CAPABILITIES } from "../../src/policy/capabilities.js";

/** Parse expecting failure; return the PolicyError. */
function fails(text: string, file = "sockwarden.yaml"): PolicyError {
  try {
    parsePolicy(text, file);
  } catch (e) {
    assert.ok(e instanceof PolicyError, `expected PolicyError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a PolicyError");
}

/** Assert that one line of the error message starts with `file:line: ` and contains `fragment`. */
function hasProblem(err: PolicyError, fileLine: string, fragment: string): void {
  const lines = err.message.split("\n");
  assert.ok(
    lines.some((l) => l.startsWith(fileLine + ": ") && l.includes(fragment)),
    `no line "${fileLine}: …${fragment}…" in:\n${err.message}`,
  );
}

test("issue 2's example plus the door sections of issues 5, 6 and 7 parse to the expected policy", () => {
  const text = [
    "version: 1", // 1
    "rules: { host-path: warn, capabilities: deny }    # deny | warn | off per concern", // 2
    "allow:", // 3
    "  hostPaths: [/srv/data]                          # bind sources treated as safe", // 4
    '  capabilities: [NET_BIND_SERVICE, cap_net_raw]', // 5
    '  images: ["registry.example.com/*"]', // 6
    "exceptions:", // 7
    "  - concern: socket-mount", // 8  ← the exception starts here
    '    match: { file: "deploy/traefik/*.yml", object: traefik }', // 9
    "    reason: ingress reads container events until the socket proxy is deployed", // 10
    "    owner: platform-team", // 11
    "    expires: 2027-03-31", // 12
    "proxy:", // 13
    "  preset: guarded", // 14
    '  endpoints: { allow: ["GET /containers/{id}/logs"], deny: ["post /build"] }', // 15
    "  redact: [env]", // 16
    "  ownership: label", // 17
    "  auditLog: /var/log/sockwarden/proxy.jsonl", // 18
    "webhook:", // 19
    "  breakGlass:", // 20
    "    - namespace: node-debug", // 21  ← the break-glass entry starts here
    "      reason: on-call node debugging", // 22
    "      owner: sre", // 23
    "      expires: 2027-01-31", // 24
    "watch:", // 25
    "  sinks: [stdout, file=/var/log/sockwarden.jsonl, webhook=https://alerts.example/hook]", // 26
    "  interval: 10m", // 27
  ].join("\n");
  const want: Policy = {
    version: 1,
    rules: { "host-path": "warn", capabilities: "deny" },
    // cap_net_raw is normalized to the Docker spelling NET_RAW
    allow: { hostPaths: ["/srv/data"], capabilities: ["NET_BIND_SERVICE", "NET_RAW"], images: ["registry.example.com/*"] },
    exceptions: [
      {
        concern: "socket-mount",
        match: { file: "deploy/traefik/*.yml", object: "traefik" },
        reason: "ingress reads container events until the socket proxy is deployed",
        owner: "platform-team",
        expires: "2027-03-31", // a string: YAML 1.2 has no timestamp type
        source: "sockwarden.yaml",
        line: 8,
      },
    ],
    proxy: {
      preset: "guarded",
      endpoints: { allow: ["GET /containers/{id}/logs"], deny: ["POST /build"] }, // method upper-cased
      redact: ["env"],
      ownership: "label",
      auditLog: "/var/log/sockwarden/proxy.jsonl",
    },
    webhook: { breakGlass: [{ namespace: "node-debug", reason: "on-call node debugging", owner: "sre", expires: "2027-01-31", line: 21 }] },
    watch: { sinks: ["stdout", "file=/var/log/sockwarden.jsonl", "webhook=https://alerts.example/hook"], interval: "10m" },
    file: "sockwarden.yaml",
  };
  assert.deepEqual(parsePolicy(text, "sockwarden.yaml"), want);
});

test("minimal policy is the default policy plus its file", () => {
  assert.deepEqual(parsePolicy("version: 1\n", "p.yaml"), { ...defaultPolicy(), file: "p.yaml" });
});

test("scan and audit sections", () => {
  const p = parsePolicy("version: 1\nscan:\n  exclude: [vendor/**]\n  failOn: medium\n  maxFileSize: 1048576\naudit: {}\n", "s.yaml");
  assert.deepEqual(p.scan, { exclude: ["vendor/**"], failOn: "medium", maxFileSize: 1048576 });
  assert.deepEqual(p.audit, {});
});

test("exception concern *, every match key, numbers as text", () => {
  const p = parsePolicy(
    [
      "version: 1",
      "exceptions:",
      "  - concern: '*'",
      "    match: {file: a, object: b, container: c, image: d, label: 'k=v', namespace: e, name: f, kind: Pod, host: h}",
      "    reason: r",
      "    owner: 1234",
      "    expires: 2027-01-01",
    ].join("\n"),
    "x.yaml",
  );
  assert.equal(p.exceptions[0]!.concern, "*");
  assert.deepEqual(p.exceptions[0]!.match, { file: "a", object: "b", container: "c", image: "d", label: "k=v", namespace: "e", name: "f", kind: "Pod", host: "h" });
  assert.equal(p.exceptions[0]!.owner, "1234");
});

// [name, text, expected "file:line", wording fragment] — the line is counted by hand in the text.
const errors: [string, string, string, string][] = [
  ["empty file", "", "sockwarden.yaml:1", "empty policy file: `version: 1` is required"],
  ["comments only", "# nothing\n", "sockwarden.yaml:1", "empty policy file"],
  ["missing version", "rules: {}\n", "sockwarden.yaml:1", "`version: 1` is required"],
  ["wrong version", "\nversion: 2\n", "sockwarden.yaml:2", "version must be 1, got 2"],
  ["version as string", 'version: "1"\n', "sockwarden.yaml:1", 'version must be 1, got "1"'],
  ["not a map", "- a\n- b\n", "sockwarden.yaml:1", "the policy must be a map"],
  ["YAML syntax error (tab indentation)", "version: 1\n\tx: 1\n", "sockwarden.yaml:2", "YAML syntax error: Tabs are not allowed as indentation"],
  ["YAML syntax error (misaligned items)", "version: 1\nrules:\n  - a\n  b: c\n", "sockwarden.yaml:4", "YAML syntax error: All mapping items must start at the same column"],
  ["two documents", "version: 1\n---\nversion: 1\n", "sockwarden.yaml:3", "one YAML document"],
  ["unknown top-level key with suggestion", "version: 1\nexception: []\n", "sockwarden.yaml:2", 'unknown top-level key "exception" (did you mean "exceptions"?)'],
  ["duplicate top-level key", "version: 1\nrules: {}\nrules: {}\n", "sockwarden.yaml:3", 'duplicate key "rules" (first at line 2)'],
  ["duplicate nested key", "version: 1\nrules:\n  host-path: warn\n  host-path: off\n", "sockwarden.yaml:4", 'duplicate key "host-path" (first at line 3)'],
  ["unknown concern in rules", "version: 1\nrules:\n  host-paths: warn\n", "sockwarden.yaml:3", 'rules: unknown concern "host-paths" (did you mean "host-path"?)'],
  ["bad rule setting", "version: 1\nrules:\n  privileged: block\n", "sockwarden.yaml:3", 'rules.privileged: must be deny, warn or off, got "block"'],
  ["boolean rule setting", "version: 1\nrules:\n  privileged: false\n", "sockwarden.yaml:3", "rules.privileged: must be deny, warn or off, got false"],
  ["rules not a map", "version: 1\nrules: [a]\n", "sockwarden.yaml:2", "rules: must be a map, got a list"],
  ["unknown allow key", "version: 1\nallow:\n  hostpaths: [/srv]\n", "sockwarden.yaml:3", 'allow: unknown key "hostpaths" (did you mean "hostPaths"?)'],
  ["relative host path", "version: 1\nallow:\n  hostPaths:\n    - /srv/data\n    - data\n", "sockwarden.yaml:5", 'allow.hostPaths[1]: must be an absolute host path (starting with /), got "data"'],
  ["allow-listed socket", "version: 1\nallow:\n  hostPaths: [/var/run/docker.sock]\n", "sockwarden.yaml:3", '"/var/run/docker.sock" is a runtime socket (docker); an allow-list cannot cover a runtime socket'],
  ["allow-listed socket parent", "version: 1\nallow:\n  hostPaths: [/]\n", "sockwarden.yaml:3", 'allow.hostPaths[0]: "/" contains runtime sockets'],
  ["hostPaths not a list", "version: 1\nallow:\n  hostPaths: /srv\n", "sockwarden.yaml:3", 'allow.hostPaths: must be a list, got "/srv"'],
  ["unknown capability", "version: 1\nallow:\n  capabilities: [NET_BIND]\n", "sockwarden.yaml:3", 'allow.capabilities[0]: unknown capability "NET_BIND"'],
  ["empty image", 'version: 1\nallow:\n  images: [""]\n', "sockwarden.yaml:3", "allow.images[0]: must not be empty"],
  ["exceptions not a list", "version: 1\nexceptions: {}\n", "sockwarden.yaml:2", "exceptions: must be a list, got a map"],
  ["exception not a map", "version: 1\nexceptions:\n  - socket-mount\n", "sockwarden.yaml:3", 'exceptions[0]: must be a map, got "socket-mount"'],
];

// One complete valid exception; each case below breaks one thing (lines: item starts on 3).
const EXC = ["version: 1", "exceptions:", "  - concern: socket-mount", "    match: {object: traefik}", "    reason: r", "    owner: o", "    expires: 2027-03-31"];
const without = (prefix: string) => EXC.filter((l) => !l.trimStart().replace(/^- /, "").startsWith(prefix)).join("\n");
const replaced = (prefix: string, line: string) => EXC.map((l) => (l.trimStart().replace(/^- /, "").startsWith(prefix) ? line : l)).join("\n");
errors.push(
  ["exception without reason", without("reason"), "sockwarden.yaml:3", 'exceptions[0]: missing "reason"'],
  ["exception without owner", without("owner"), "sockwarden.yaml:3", 'exceptions[0]: missing "owner"'],
  ["exception without expires", without("expires"), "sockwarden.yaml:3", 'exceptions[0]: missing "expires"'],
  ["exception without match", without("match"), "sockwarden.yaml:3", 'exceptions[0]: missing "match"'],
  ["exception without concern", EXC.slice(0, 2).concat(["  - match: {object: traefik}", ...EXC.slice(4)]).join("\n"), "sockwarden.yaml:3", 'exceptions[0]: missing "concern"'],
  ["exception with empty reason", replaced("reason", "    reason:"), "sockwarden.yaml:5", 'exceptions[0]: missing "reason"'],
  ["exception with blank reason", replaced("reason", '    reason: "  "'), "sockwarden.yaml:5", "exceptions[0].reason: must not be empty"],
  ["exception with unknown concern", replaced("concern", "  - concern: socket-mounts"), "sockwarden.yaml:3", 'exceptions[0].concern: unknown concern "socket-mounts" (did you mean "socket-mount"?)'],
  ["exception with impossible date", replaced("expires", "    expires: 2027-02-30"), "sockwarden.yaml:7", 'exceptions[0].expires: must be a date YYYY-MM-DD, got "2027-02-30"'],
  ["exception with sloppy date", replaced("expires", "    expires: 31/03/2027"), "sockwarden.yaml:7", 'exceptions[0].expires: must be a date YYYY-MM-DD, got "31/03/2027"'],
  ["exception with empty match", replaced("match", "    match: {}"), "sockwarden.yaml:4", "exceptions[0].match: needs at least one of file, object, container, image, label, namespace, name, kind, host"],
  ["exception with unknown match key", replaced("match", "    match: {path: a.yml}"), "sockwarden.yaml:4", 'exceptions[0].match: unknown key "path"'],
  ["exception with bad label", replaced("match", "    match: {label: '=x'}"), "sockwarden.yaml:4", 'exceptions[0].match.label: must be "key=value" or "key", got "=x"'],
  ["exception with list as match value", replaced("match", "    match: {object: [a, b]}"), "sockwarden.yaml:4", "exceptions[0].match.object: must be a string, got a list"],
  ["exception with unknown key", EXC.concat(["    expiry: 2027-01-01"]).join("\n"), "sockwarden.yaml:8", 'exceptions[0]: unknown key "expiry"'],
  ["proxy unknown preset", "version: 1\nproxy:\n  preset: trafik\n", "sockwarden.yaml:3", 'proxy.preset: unknown preset "trafik" (did you mean "traefik"?)'],
  ["proxy bad endpoint method", "version: 1\nproxy:\n  endpoints:\n    allow: ['FETCH /x']\n", "sockwarden.yaml:4", 'proxy.endpoints.allow[0]: unknown HTTP method "FETCH"'],
  ["proxy endpoint without path", "version: 1\nproxy:\n  endpoints:\n    deny: ['GET']\n", "sockwarden.yaml:4", 'proxy.endpoints.deny[0]: must be "METHOD /path"'],
  ["proxy endpoints unknown key", "version: 1\nproxy:\n  endpoints:\n    permit: []\n", "sockwarden.yaml:4", 'proxy.endpoints: unknown key "permit"'],
  ["proxy unknown redaction", "version: 1\nproxy:\n  redact: [env, labels]\n", "sockwarden.yaml:3", 'proxy.redact[1]: unknown redaction "labels" (known: env)'],
  ["proxy bad ownership", "version: 1\nproxy:\n  ownership: owner\n", "sockwarden.yaml:3", 'proxy.ownership: must be label or none, got "owner"'],
  ["proxy listen not a string", "version: 1\nproxy:\n  listen: {tcp: 1}\n", "sockwarden.yaml:3", "proxy.listen: must be a string, got a map"],
  ["proxy unknown key", "version: 1\nproxy:\n  upstreams: unix:///var/run/docker.sock\n", "sockwarden.yaml:3", 'proxy: unknown key "upstreams" (did you mean "upstream"?)'],
  ["proxy busyPoll without unit", "version: 1\nproxy:\n  busyPoll: 250\n", "sockwarden.yaml:3", 'proxy.busyPoll: must be a duration such as 250us or 1ms, or off; got "250"'],
  ["proxy busyPoll in seconds", "version: 1\nproxy:\n  busyPoll: 1s\n", "sockwarden.yaml:3", 'proxy.busyPoll: must be a duration such as 250us or 1ms, or off; got "1s"'],
  ["proxy busyPoll too long", "version: 1\nproxy:\n  busyPoll: 11ms\n", "sockwarden.yaml:3", 'proxy.busyPoll: at most 10ms'],
  ["break-glass without owner", "version: 1\nwebhook:\n  breakGlass:\n    - namespace: node-debug\n      reason: r\n      expires: 2027-01-31\n", "sockwarden.yaml:4", 'webhook.breakGlass[0]: missing "owner"'],
  ["break-glass without namespace", "version: 1\nwebhook:\n  breakGlass:\n    - reason: r\n      owner: o\n      expires: 2027-01-31\n", "sockwarden.yaml:4", 'webhook.breakGlass[0]: missing "namespace"'],
  ["break-glass bad namespace", "version: 1\nwebhook:\n  breakGlass:\n    - namespace: Node_Debug\n      reason: r\n      owner: o\n      expires: 2027-01-31\n", "sockwarden.yaml:4", 'webhook.breakGlass[0].namespace: "Node_Debug" is not a Kubernetes namespace name'],
  ["break-glass bad date", "version: 1\nwebhook:\n  breakGlass:\n    - namespace: a\n      reason: r\n      owner: o\n      expires: soon\n", "sockwarden.yaml:7", 'webhook.breakGlass[0].expires: must be a date YYYY-MM-DD, got "soon"'],
  ["webhook unknown key", "version: 1\nwebhook:\n  breakglass: []\n", "sockwarden.yaml:3", 'webhook: unknown key "breakglass" (did you mean "breakGlass"?)'],
  ["watch bad interval", "version: 1\nwatch:\n  interval: 10 minutes\n", "sockwarden.yaml:3", 'watch.interval: must be a positive duration such as 30s, 10m or 1h30m, got "10 minutes"'],
  ["watch zero interval", "version: 1\nwatch:\n  interval: 0s\n", "sockwarden.yaml:3", 'watch.interval: must be a positive duration'],
  ["watch unknown sink", "version: 1\nwatch:\n  sinks: [stdout, slack]\n", "sockwarden.yaml:3", 'watch.sinks[1]: unknown sink "slack"'],
  ["watch webhook sink not http", "version: 1\nwatch:\n  sinks:\n    - webhook=ftp://x\n", "sockwarden.yaml:4", "watch.sinks[0]: webhook sink needs an http(s) URL"],
  ["watch file sink without path", "version: 1\nwatch:\n  sinks: ['file=']\n", "sockwarden.yaml:3", "watch.sinks[0]: file sink needs a path"],
  ["scan bad failOn", "version: 1\nscan:\n  failOn: severe\n", "sockwarden.yaml:3", 'scan.failOn: must be one of info, low, medium, high, critical, got "severe"'],
  ["scan bad maxFileSize", "version: 1\nscan:\n  maxFileSize: 5MiB\n", "sockwarden.yaml:3", 'scan.maxFileSize: must be a positive whole number of bytes, got "5MiB"'],
  ["audit has no keys yet", "version: 1\naudit:\n  hosts: []\n", "sockwarden.yaml:3", 'audit: unknown key "hosts" (this section has no settings yet)'],
  ["door section not a map", "version: 1\nproxy: traefik\n", "sockwarden.yaml:2", 'proxy: must be a map, got "traefik"'],
);

for (const [name, text, fileLine, fragment] of errors) {
  test(`policy error: ${name}`, () => {
    hasProblem(fails(text), fileLine, fragment);
  });
}

test("all problems are reported together, sorted by line, and the error carries them", () => {
  const err = fails("version: 2\nrules:\n  privileged: nope\nextra: 1\n", "cfg/p.yaml");
  assert.equal(err.file, "cfg/p.yaml");
  assert.equal(err.line, 1);
  assert.deepEqual(
    err.problems.map((p) => p.line),
    [1, 3, 4],
  );
  assert.match(err.message, /^cfg\/p\.yaml:1: version must be 1, got 2\ncfg\/p\.yaml:3: rules\.privileged: .*\ncfg\/p\.yaml:4: unknown top-level key "extra"/);
});

test("an alias bomb is a policy error, not a hang", () => {
  const bomb = ["version: 1", "a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
  // 10^9 nodes if expanded; the budget stops it.
  hasProblem(fails(bomb.join("\n")), "sockwarden.yaml:1", "budget exceeded");
});

test("capabilities: CAP_ prefix and case are normalized; the list is complete", () => {
  assert.equal(normalizeCapability("cap_sys_admin"), "SYS_ADMIN");
  assert.equal(normalizeCapability(" Net_Bind_Service "), "NET_BIND_SERVICE");
  assert.equal(normalizeCapability("all"), "ALL");
  assert.equal(normalizeCapability("CAP_CHECKPOINT_RESTORE"), "CHECKPOINT_RESTORE");
  assert.equal(normalizeCapability("SYS_ADMINS"), undefined);
  // Linux defines capabilities 0 (CHOWN) … 40 (CHECKPOINT_RESTORE).
  assert.equal(LINUX_CAPABILITIES.length, 41);
});

test("parseDuration and parseEndpoint", () => {
  assert.equal(parseDuration("10m"), 600_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("10"), undefined);
  assert.equal(parseDuration("m"), undefined);
  assert.deepEqual(parseEndpoint("get /containers/json"), { method: "GET", path: "/containers/json" });
  assert.deepEqual(parseEndpoint("* /_ping"), { method: "*", path: "/_ping" });
  assert.equal(typeof parseEndpoint("GET /a /b"), "string");
});

/* ---------------- discovery ---------------- */

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "sw-policy-"));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return dir;
}
const P = (rule: string) => `version: 1\nrules: { ${rule}: warn }\n`;

test("loadPolicy: discovery at the root, walking up to the git top, and its limits", (t) => {
  const dir = tree({
    ".git/HEAD": "ref: refs/heads/main\n",
    "sockwarden.yaml": P("devices"),
    "svc/a/compose.yml": "services: {}\n",
    "svc/b/.sockwarden.yaml": P("privileged"),
    "svc/c/sockwarden.yml": P("host-path"),
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = {};
  // svc/a has none: the repository top's file applies, named relative to the root.
  const a = loadPolicy({ root: path.join(dir, "svc/a"), env });
  assert.deepEqual(a.rules, { devices: "warn" });
  assert.equal(a.file, "../../sockwarden.yaml");
  assert.deepEqual(loadPolicy({ root: path.join(dir, "svc/b"), env }).rules, { privileged: "warn" });
  assert.equal(loadPolicy({ root: path.join(dir, "svc/b"), env }).file, ".sockwarden.yaml");
  assert.deepEqual(loadPolicy({ root: path.join(dir, "svc/c"), env }).rules, { "host-path": "warn" });
  assert.equal(loadPolicy({ root: dir, env }).file, "sockwarden.yaml");
  // A file as the root (scanning one file): discovery starts in its directory.
  assert.deepEqual(loadPolicy({ root: path.join(dir, "svc/c/sockwarden.yml"), env }).rules, { "host-path": "warn" });
  assert.equal(loadPolicy({ root: path.join(dir, "svc/a/compose.yml"), env }).file, "../../sockwarden.yaml");
});

test("loadPolicy: outside a git repository only the root is searched; none → default policy", (t) => {
  const dir = tree({ "sockwarden.yaml": P("devices"), "sub/x.yml": "a: 1\n" });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Unless the machine's temp dir is itself inside a git repository with a policy, the parent's
  // file is not used (this temp dir has no .git, so the walk only looks at sub/).
  assert.deepEqual(loadPolicy({ root: path.join(dir, "sub"), env: {} }), defaultPolicy());
});

test("loadPolicy: --policy wins over SOCKWARDEN_POLICY which wins over discovery", (t) => {
  const dir = tree({ ".git/HEAD": "x\n", "sockwarden.yaml": P("devices"), "flag.yaml": P("privileged"), "env.yaml": P("host-path") });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { SOCKWARDEN_POLICY: path.join(dir, "env.yaml") };
  assert.deepEqual(loadPolicy({ root: dir, file: path.join(dir, "flag.yaml"), env }).rules, { privileged: "warn" });
  assert.deepEqual(loadPolicy({ root: dir, env }).rules, { "host-path": "warn" });
  assert.deepEqual(loadPolicy({ root: dir, env: { SOCKWARDEN_POLICY: "" } }).rules, { devices: "warn" });
});

test("loadPolicy: errors name the file as given", (t) => {
  const dir = tree({ ".git/HEAD": "x\n", "bad.yaml": "version: 1\nrulez: {}\n", "sockwarden.yaml": P("devices"), ".sockwarden.yaml": P("devices") });
  writeFileSync(path.join(dir, "bin.yaml"), Buffer.from([0x76, 0x3a, 0x20, 0xff, 0x0a])); // "v: <0xff>\n": 0xff is never valid UTF-8
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = path.join(dir, "nope.yaml");
  assert.throws(() => loadPolicy({ file: missing, env: {} }), (e: unknown) => e instanceof PolicyError && e.message === `${missing}: policy file not found`);
  assert.throws(() => loadPolicy({ env: { SOCKWARDEN_POLICY: missing } }), (e: unknown) => e instanceof PolicyError && e.message === `${missing}: policy file not found`);
  const bad = path.join(dir, "bad.yaml");
  assert.throws(() => loadPolicy({ file: bad, env: {} }), (e: unknown) => e instanceof PolicyError && e.message.startsWith(`${bad}:2: unknown top-level key "rulez"`));
  assert.throws(() => loadPolicy({ file: dir, env: {} }), /policy path is not a regular file/);
  assert.throws(() => loadPolicy({ file: path.join(dir, "bin.yaml"), env: {} }), /bin\.yaml: policy file is not valid UTF-8/);
  assert.throws(() => loadPolicy({ root: dir, env: {} }), (e: unknown) => e instanceof PolicyError && e.message === "sockwarden.yaml: more than one policy file in the same directory (sockwarden.yaml, .sockwarden.yaml): keep one, so it is clear which applies");
});
