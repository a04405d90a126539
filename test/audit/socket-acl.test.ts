/**
 * POSIX ACLs on runtime sockets (issue 4: "owner, group, mode, ACLs; who can open each").
 * Real socket files, real `setfacl`, read back with the real `getfacl` through readAcl(), then
 * judged by whoCanOpen(). Expected accounts are worked out by hand from acl(5)'s access check:
 * owner entry for the owner; a named user entry (masked) decides for that uid even if a group
 * would allow; else any matching group entry (owning or named, masked) with `w`; else other.
 * connect() needs `w`. Tests run as root (chown/setfacl on any file).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aclAllows, aclFromMode, parseGetfacl, readAcl, readAcls } from "../../src/audit/acl.js";
import { collectHostFacts, parseGroup, parsePasswd, whoCanOpen } from "../../src/audit/host.js";
import { evaluate } from "../../src/rules/evaluate.js";
import { defaultPolicy } from "../../src/policy/types.js";

// A small world of accounts. docker (999) has alice as member; ci (2000) has bob and carol; dave
// is in no extra group; erin's primary group is docker.
const users = parsePasswd(
  "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/:/bin/sh\nbob:x:1001:1001::/:/bin/sh\ncarol:x:1002:1002::/:/bin/sh\ndave:x:1003:1003::/:/bin/sh\nerin:x:1004:999::/:/bin/sh\n",
);
const groups = parseGroup("root:x:0:\ndocker:x:999:alice\nci:x:2000:bob,carol\n");

let dir: string;
const servers: Server[] = [];
async function sock(name: string, acl: string | undefined): Promise<string> {
  const p = join(dir, name);
  const s = createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(p, r));
  chownSync(p, 0, 999);
  chmodSync(p, 0o660);
  if (acl) execFileSync("setfacl", ["-m", acl, p]);
  return p;
}
async function who(p: string) {
  const r = await readAcl(p);
  assert.ok(r.ok, r.ok ? "" : r.error);
  const st = statSync(p);
  const w = whoCanOpen({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }, users, groups, r.acl);
  return { users: [...w.users].sort(), viaAcl: [...(w.viaAcl ?? [])].sort(), mode: (st.mode & 0o777).toString(8) };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "swd-acl-"));
});
after(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

test("no ACL: the mode bits decide (root, docker's member alice, erin whose primary group is docker)", async () => {
  const p = await sock("plain.sock", undefined);
  assert.deepEqual(await who(p), { users: ["alice", "erin", "root"], viaAcl: [], mode: "660" });
});

test("named user and named group entries with rw let dave and ci's members in, marked via ACL", async () => {
  const p = await sock("named.sock", "u:1003:rw,g:2000:rw");
  // mask becomes rw: dave (named user), bob and carol (ci), plus alice and erin by the owning group.
  assert.deepEqual(await who(p), { users: ["alice", "bob", "carol", "dave", "erin", "root"], viaAcl: ["bob", "carol", "dave"], mode: "660" });
});

test("a mask without w shuts out named entries and the owning group alike (ls shows 0640)", async () => {
  const p = await sock("masked.sock", "u:1003:rw,g:2000:rw,m::r");
  assert.deepEqual(await who(p), { users: ["root"], viaAcl: [], mode: "640" });
});

test("a named user entry without w decides for that user even when one of its groups has rw", async () => {
  // bob has u:1001:r and is in ci (g:2000:rw): the named user entry matches first → denied.
  const p = await sock("userfirst.sock", "u:1001:r,g:2000:rw");
  assert.deepEqual(await who(p), { users: ["alice", "carol", "erin", "root"], viaAcl: ["carol"], mode: "660" });
});

test("the owning group entry without w: the mode bits show the mask (rw) but docker's members cannot open it", async () => {
  const p = await sock("groupro.sock", "g::r,g:2000:rw");
  // mode group bits = mask = rw, yet group:: is r: alice and erin are out; ci's members are in.
  assert.deepEqual(await who(p), { users: ["bob", "carol", "root"], viaAcl: ["bob", "carol"], mode: "660" });
});

test("a named group nobody is known to hold is still named (a container's --group-add can hold it)", async () => {
  const p = await sock("lonely.sock", "g:4242:rw");
  assert.deepEqual(await who(p), { users: ["alice", "erin", "group 4242", "root"], viaAcl: ["group 4242"], mode: "660" });
});

test("parseGetfacl and aclAllows on getfacl's own text", () => {
  const acl = parseGetfacl("user::rw-\nuser:1003:rw-\t#effective:r--\ngroup::rw-\t#effective:r--\nmask::r--\nother::---\n");
  assert.deepEqual(acl, [
    { tag: "user", perms: "rw" },
    { tag: "user", id: 1003, perms: "rw" },
    { tag: "group", perms: "rw" },
    { tag: "mask", perms: "r" },
    { tag: "other", perms: "" },
  ]);
  assert.deepEqual(aclAllows(acl, { uid: 0, gid: 999 }, { uid: 1003, gids: [] }, "w"), { allowed: false, by: "user:1003" });
  assert.deepEqual(aclAllows(acl, { uid: 0, gid: 999 }, { uid: 1003, gids: [] }, "r"), { allowed: true, by: "user:1003" });
  // The owner entry is not masked.
  assert.deepEqual(aclAllows(acl, { uid: 5, gid: 999 }, { uid: 5, gids: [999] }, "w"), { allowed: true, by: "owner" });
  assert.deepEqual(aclFromMode(0o640), [{ tag: "user", perms: "rw" }, { tag: "group", perms: "r" }, { tag: "other", perms: "" }]);
  assert.throws(() => parseGetfacl("# file: x\nuser:alice:rw-\nother::---\n"), /non-numeric|user::/);
});

test("getfacl missing: readAcl says so instead of pretending there is no ACL", async () => {
  const p = await sock("nogetfacl.sock", undefined);
  const r = await readAcl(p, { getfacl: join(dir, "no-such-getfacl") });
  assert.deepEqual(r, { ok: false, error: "getfacl is not installed (Debian package acl), so ACLs were not read" });
  const bad = await readAcl(join(dir, "missing.sock"));
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? "" : bad.error, /^getfacl failed: .*No such file/);
});

test("host facts and the socket-access finding name an account let in by an ACL on this machine (nobody, uid 65534)", async () => {
  const p = await sock("host.sock", undefined);
  chownSync(p, 0, 0);
  chmodSync(p, 0o600);
  execFileSync("setfacl", ["-m", "u:65534:rw", p]);
  const hf = await collectHostFacts({ host: "acl-test", extraSockets: [p], probeListeners: false });
  const s = hf.facts.sockets.find((x) => x.path === p);
  assert.ok(s, "the socket is in the host facts");
  // root:root 0600 would be root only; the ACL adds nobody. The mask is rw (setfacl recomputes it).
  assert.deepEqual([...s.openableBy!].sort(), ["nobody", "root"]);
  assert.deepEqual(s.openableViaAcl, ["nobody"]);
  assert.deepEqual(s.acl, ["user::rw-", "user:nobody:rw-", "group::---", "mask::rw-", "other::---"]);
  assert.equal(s.aclError, undefined);
  const f = evaluate({ workloads: [], hosts: [{ ...hf.facts, sockets: [s], listeners: [], persistence: [] }] }, defaultPolicy()).filter((x) => x.rule === "host-socket-access");
  assert.equal(f.length, 1);
  assert.equal(f[0]!.severity, "high");
  assert.match(f[0]!.message, /can be opened by nobody \(via ACL\): that account is root on this host in effect\. ACL: user::rw-,user:nobody:rw-,group::---,mask::rw-,other::---\./);
});

test("getfacl missing on the host: the socket's facts and finding say the ACL is unknown", async () => {
  const p = await sock("host2.sock", undefined);
  chownSync(p, 0, 0);
  chmodSync(p, 0o600);
  const path = process.env.PATH;
  process.env.PATH = join(dir, "empty-path");
  let hf;
  try {
    hf = await collectHostFacts({ host: "acl-test", extraSockets: [p], probeListeners: false });
  } finally {
    process.env.PATH = path;
  }
  const s = hf.facts.sockets.find((x) => x.path === p)!;
  assert.match(s.aclError ?? "", /getfacl is not installed/);
  assert.deepEqual(s.openableBy, ["root"]);
  const f = evaluate({ workloads: [], hosts: [{ ...hf.facts, sockets: [s], listeners: [], persistence: [] }] }, defaultPolicy()).filter((x) => x.rule === "host-socket-access");
  assert.deepEqual(f.map((x) => x.severity), ["info"]);
  assert.match(f[0]!.message, /opens only for root by its mode bits\. Its ACL could not be read \(getfacl is not installed/);
});

test("one getfacl for several sockets: each path gets its own answer, odd names and missing files included", async () => {
  const a = await sock("batch-a.sock", "u:1003:rw");
  const b = await sock("batch b\\x.sock", undefined); // a space and a backslash: getfacl escapes the backslash
  const missing = join(dir, "batch-missing.sock");
  const m = await readAcls([a, b, missing]);
  assert.equal(m.size, 3);
  const ra = m.get(a)!;
  assert.ok(ra.ok && ra.acl.some((e) => e.tag === "user" && e.id === 1003 && e.perms === "rw"), JSON.stringify(ra));
  const rb = m.get(b)!;
  assert.ok(rb.ok && rb.acl.length === 3, JSON.stringify(rb)); // user::, group::, other:: only
  const rm = m.get(missing)!;
  assert.equal(rm.ok, false);
  assert.match(rm.ok ? "" : rm.error, /^getfacl failed: .*batch-missing\.sock: No such file or directory/);
  assert.deepEqual(await readAcls([a], { getfacl: join(dir, "nope") }), new Map([[a, { ok: false, error: "getfacl is not installed (Debian package acl), so ACLs were not read" }]]));
});
