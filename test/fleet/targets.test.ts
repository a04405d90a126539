/**
 * Endpoint selection and the hosts file (pure parts), the progress line, and the fleet's own
 * bookkeeping through the `auditHost` seam: the bound on hosts in flight, an audit that throws and
 * one that never ends are faults a real daemon cannot be made to show on demand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auditFleet, checkEndpoint, parseHostsFile, progressLine, readHostsFile, selectTargets, ttyProgress, FleetInputError } from "../../src/fleet/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import type { AuditOptions, AuditResult } from "../../src/audit/index.js";

test("hosts file: comments, blank lines, CRLF, and a line-numbered error per bad line", () => {
  const text = [
    "# production fleet", // 1 comment
    "", // 2 blank
    "unix:///run/docker.sock", // 3
    "ssh://ops@h1.example   # the bastion", // 4 trailing comment
    "tcp://10.0.0.5:2376\r", // 5 CRLF
    "prod-eu", // 6 no scheme
    "http://h:2375", // 7 wrong scheme
    "tcp://h:99999", // 8 bad port
    "ssh://a@h two", // 9 two words
    "ssh://-oProxyCommand=x", // 10 option-looking host
  ].join("\n");
  const { targets, errors } = parseHostsFile(text, "fleet.txt");
  assert.deepEqual(targets, [{ host: "unix:///run/docker.sock" }, { host: "ssh://ops@h1.example" }, { host: "tcp://10.0.0.5:2376" }]);
  assert.equal(errors.length, 5);
  assert.match(errors[0]!, /^fleet\.txt:6: "prod-eu" has no scheme/);
  assert.match(errors[1]!, /^fleet\.txt:7: unsupported scheme "http"/);
  assert.match(errors[2]!, /^fleet\.txt:8: invalid bind address format: tcp:\/\/h:99999 \(bad port\)/);
  assert.match(errors[3]!, /^fleet\.txt:9: one endpoint per line/);
  assert.equal(errors[4], `fleet.txt:10: invalid ssh host "-oProxyCommand=x": a host cannot start with "-"`);
});

test("readHostsFile: missing file, only comments, and a bad line are clear FleetInputErrors", () => {
  const dir = mkdtempSync(join(tmpdir(), "swhosts-"));
  try {
    assert.throws(() => readHostsFile(join(dir, "none.txt")), (e: Error) => e instanceof FleetInputError && /none\.txt: cannot read the hosts file: no such file/.test(e.message));
    writeFileSync(join(dir, "empty.txt"), "# nothing\n\n");
    assert.throws(() => readHostsFile(join(dir, "empty.txt")), /no endpoints in the hosts file/);
    writeFileSync(join(dir, "bad.txt"), "unix:///a.sock\nfoo\n");
    assert.throws(() => readHostsFile(join(dir, "bad.txt")), /bad\.txt:2: "foo" has no scheme/);
    writeFileSync(join(dir, "ok.txt"), "\uFEFFunix:///a.sock\nunix:///a.sock\nssh://b\n");
    // Duplicates are audited once.
    assert.deepEqual(selectTargets({ hostsFile: join(dir, "ok.txt") }).targets, [{ host: "unix:///a.sock" }, { host: "ssh://b" }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("selectTargets: bad --host / --context, nothing given", () => {
  assert.throws(() => selectTargets({}), /no endpoints to audit/);
  assert.throws(() => selectTargets({ hosts: ["nohost"] }), /--host "nohost" has no scheme/);
  assert.throws(() => selectTargets({ contexts: ["../etc"] }), /--context: invalid context name/);
  assert.deepEqual(checkEndpoint("tcp://h"), { url: "tcp://h:2375" });
  assert.ok("error" in checkEndpoint("unix:///a\u001b[2J"));
});

test("progress line: counts, failures, and no control characters from labels", () => {
  assert.equal(progressLine(0, 4, 0, undefined, 4), "sockwarden: [----] 0/4 hosts");
  assert.equal(progressLine(2, 4, 1, "h3: daemon-down", 4), "sockwarden: [##--] 2/4 hosts, 1 failed (h3: daemon-down)");
  let out = "";
  const p = ttyProgress({ write: (s: string) => void (out += s), columns: 200 });
  p.start(2);
  p.hostDone("ssh://x\u001b]0;pwn\u0007", true, "ssh");
  p.hostDone("ok", false);
  p.end();
  assert.ok(!out.includes("\u0007") && !out.includes("\u001b]"), "a label cannot smuggle terminal escapes");
  assert.match(out, /2\/2 hosts, 1 failed \(ssh:\/\/x\?\]0;pwn\?: ssh\)\n$/);
});

function fakeResult(label: string): AuditResult {
  return {
    report: { version: 1, tool: { name: "sockwarden", version: "0" }, kind: "audit", target: label, findings: [], errors: [], summary: { bySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 }, byConcern: {}, total: 0, suppressed: 0, errors: 0 } },
    workloads: [],
    hosts: [],
  };
}

test("at most `concurrency` hosts in flight; a throwing audit and a hanging one become error entries", async () => {
  let inFlight = 0;
  let peak = 0;
  const hosts = Array.from({ length: 10 }, (_, i) => ({ host: `unix:///h${i}.sock` }));
  const auditHost = async (o: AuditOptions): Promise<AuditResult> => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 20));
    inFlight--;
    const h = String((o.flags as { host: string }).host);
    if (h === "unix:///h3.sock") throw new TypeError("boom");
    if (h === "unix:///h7.sock") await new Promise(() => {}); // never settles
    return fakeResult(h);
  };
  const r = await auditFleet(hosts, { concurrency: 3, auditHost, policy: defaultPolicy(), progress: false, hostTimeoutMs: 300 });
  assert.equal(peak, 3);
  assert.equal(r.hosts!.length, 10);
  assert.deepEqual(
    r.errors.map((e) => [e.host, e.message]),
    [
      ["unix:///h3.sock", "audit failed: boom"],
      ["unix:///h7.sock", "timeout: the audit of unix:///h7.sock did not finish within 300 ms"],
    ],
  );
  await assert.rejects(auditFleet(hosts, { concurrency: 0, auditHost, policy: defaultPolicy(), progress: false }), /--concurrency must be a whole number of at least 1/);
  await assert.rejects(auditFleet([], { policy: defaultPolicy(), progress: false }), /no endpoints to audit/);
});
