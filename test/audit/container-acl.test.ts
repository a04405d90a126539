/**
 * A POSIX ACL on the daemon socket decides who in a container can open it, not the mode bits:
 * `setfacl -m u:1000:rw` lets uid 1000 in without any group; `g::r` shuts the owning group out
 * while `ls -l` (whose group bits show the mask) still says 0660; a mask without `w` shuts every
 * named entry out. Real private dockerd, real setfacl on its socket, real containers. Expected
 * severities worked out by hand with acl(5)'s access check (connect() needs `w`).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { auditDetailed, type AuditResult } from "../../src/audit/index.js";
import { defaultPolicy } from "../../src/policy/types.js";

let d: Dockerd;
let gid: number;
let first: AuditResult;
let masked: AuditResult;
let modeBeforeMask: string;

const audit = () => auditDetailed({ flags: { host: d.host }, env: d.env, policy: defaultPolicy(), events: false, probeListeners: false });

before(async () => {
  d = await startDockerd();
  gid = statSync(d.socket).gid;
  // uid 1000 by name; gid 4343 by name; the owning group (docker) reduced to r.
  execFileSync("setfacl", ["-m", "u:1000:rw,g:4343:rw,g::r", d.socket]);
  const S = `${d.socket}:/var/run/docker.sock`;
  const r = (n: string, args: string[]) => d.docker(["run", "-d", "--name", n, "--network", "none", ...args, "-v", S, "mini:latest", "sleep", "600"]);
  await Promise.all([
    r("a-user", ["-u", "1000"]),
    r("a-none", ["-u", "1001"]),
    r("a-namedgroup", ["-u", "1002", "--group-add", "4343"]),
    r("a-owninggroup", ["-u", "1003", "--group-add", String(gid)]),
  ]);
  first = await audit();
  modeBeforeMask = (statSync(d.socket).mode & 0o777).toString(8);
  // Now a mask without w: named entries and the owning group lose w (ls shows 0640).
  execFileSync("setfacl", ["-m", "m::r", d.socket]);
  masked = await audit();
});

after(async () => {
  await d?.stop();
});

const sev = (r: AuditResult, name: string, rule: string) => r.report.findings.filter((f) => f.rule === rule && f.object === `container:${name}`).map((f) => f.severity);

test("the ACL, not the mode bits, decides reachability for containers", () => {
  // u:1000:rw (mask rw) → critical; 1001 matches nothing, other --- → high;
  // --group-add 4343 matches g:4343:rw → critical; --group-add <socket gid> matches group::r → high,
  // although the mode bits (group = mask = rw) alone would have said critical.
  assert.equal(modeBeforeMask, "660");
  assert.deepEqual(
    ["a-user", "a-none", "a-namedgroup", "a-owninggroup"].map((n) => [n, sev(first, n, "runtime-socket-mount"), sev(first, n, "socket-holder-user")]),
    [
      ["a-user", ["critical"], ["high"]],
      ["a-none", ["high"], []],
      ["a-namedgroup", ["critical"], ["high"]],
      ["a-owninggroup", ["high"], []],
    ],
  );
  const u = first.report.findings.find((f) => f.rule === "socket-holder-user" && f.object === "container:a-user")!;
  assert.match(u.message, /an ACL entry on .*docker\.sock \(user:1000:rw-\) lets uid 1000 in\. Drop that ACL entry/);
  const g = first.report.findings.find((f) => f.rule === "socket-holder-user" && f.object === "container:a-namedgroup")!;
  assert.match(g.message, /gid 4343, named in an ACL entry of .*docker\.sock, comes from --group-add 4343\. Drop that group/);
});

test("a mask without w shuts out named ACL entries: every non-root container is one step away", () => {
  assert.equal((statSync(d.socket).mode & 0o777).toString(8), "640");
  for (const n of ["a-user", "a-none", "a-namedgroup", "a-owninggroup"]) {
    assert.deepEqual(sev(masked, n, "runtime-socket-mount"), ["high"], n);
    assert.deepEqual(sev(masked, n, "socket-holder-user"), [], n);
  }
});

test("host facts: the same socket lists the accounts its ACL lets in", () => {
  const s = first.hosts[0]!.sockets.find((x) => x.path === d.socket)!;
  const name1000 = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.split(":")[2] === "1000")?.split(":")[0] ?? "uid 1000";
  assert.ok(s.openableBy!.includes(name1000) && s.openableBy!.includes("group 4343"), JSON.stringify(s));
  assert.deepEqual([...s.openableViaAcl!].sort(), [name1000, "group 4343"].sort());
  // group::r: no member of the socket's own group can open it.
  const docker = readFileSync("/etc/group", "utf8").split("\n").find((l) => l.split(":")[2] === String(gid))?.split(":")[3] ?? "";
  for (const m of docker.split(",").filter(Boolean)) assert.ok(!s.openableBy!.includes(m), m);
});
