/**
 * Named users resolved through the container's own /etc/passwd and /etc/group, as runc's
 * GetExecUser / GetAdditionalGroups do it. Pure cases first (worked out from runc's rules), then a
 * real private dockerd with an imported image whose files put `app` in a group `docker` whose gid
 * equals the daemon socket's gid: reachability severity then follows the real ids.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, copyFileSync, chmodSync, symlinkSync, writeFileSync, statSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startDockerd, run, BUSYBOX, type Dockerd } from "../harness/dockerd.js";
import { getAdditionalGroups, getExecUser } from "../../src/audit/execuser.js";
import { firstTarEntry } from "../../src/audit/container-files.js";
import { resolveFromFiles } from "../../src/audit/users.js";
import { auditDetailed, type AuditResult } from "../../src/audit/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import type { Finding } from "../../src/model/finding.js";

const PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nother:x:1001:1001::/:/bin/sh\n  spaced:x:1002:1002::/:/bin/sh  \nbroken:x:oops:7::/:/bin/sh\n";
const GROUP = "root:x:0:\napp:x:1000:\nother:x:1001:\ndocker:x:999:app,spaced\nstaff:x:50:app\n";

test("GetExecUser: names from passwd, memberships only in the implicit form, numbers as they are", () => {
  // app: uid 1000, primary 1000, member of docker (999) and staff (50), in file order.
  const a = getExecUser("app", PASSWD, GROUP);
  assert.deepEqual([a.uid, a.gid, a.sgids.map((g) => g.gid)], [1000, 1000, [999, 50]]);
  // app:staff: explicit group → gid 50 and no supplementary groups at all.
  const b = getExecUser("app:staff", PASSWD, GROUP);
  assert.deepEqual([b.uid, b.gid, b.sgids.length], [1000, 50, 0]);
  // 1001:docker: numeric uid used as is (matches `other` for metadata), docker → 999.
  const c = getExecUser("1001:docker", PASSWD, GROUP);
  assert.deepEqual([c.uid, c.gid, c.sgids.length], [1001, 999, 0]);
  // A numeric uid that passwd does not know: used as is, gid stays the default 0.
  const d = getExecUser("4321", PASSWD, GROUP);
  assert.deepEqual([d.uid, d.gid, d.sgids.length], [4321, 0, 0]);
  // Passwd lines are trimmed: `spaced` is found; docker lists it.
  assert.deepEqual(getExecUser("spaced", PASSWD, GROUP).sgids.map((g) => g.gid), [999]);
  // A uid field that does not parse is 0 to the runtime: `broken` runs as root.
  assert.deepEqual([getExecUser("broken", PASSWD, GROUP).uid, getExecUser("broken", PASSWD, GROUP).gid], [0, 7]);
  // Unknown names fail as the runtime fails; so does a name with no passwd file at all.
  assert.throws(() => getExecUser("ghost", PASSWD, GROUP), /unable to find user ghost/);
  assert.throws(() => getExecUser("app:nogroup", PASSWD, GROUP), /unable to find group nogroup/);
  assert.throws(() => getExecUser("app", undefined, GROUP), /unable to find user app/);
  // No group file: app still resolves, just without supplementary groups.
  assert.deepEqual(getExecUser("app", PASSWD, undefined).sgids, []);
});

test("GetAdditionalGroups: names through /etc/group, numbers as is, unknown names and repeats fail", () => {
  assert.deepEqual(getAdditionalGroups(["docker", "4242"], GROUP).map((g) => g.gid), [999, 4242]);
  assert.deepEqual(getAdditionalGroups(["50"], GROUP).map((g) => g.gid), [50]);
  assert.throws(() => getAdditionalGroups(["nosuch"], GROUP), /unable to find group nosuch/);
  // runc quirk: a name given twice finds its gid taken the second time and then fails as a non-number.
  assert.throws(() => getAdditionalGroups(["docker", "docker"], GROUP), /unable to find group docker/);
  assert.throws(() => getAdditionalGroups(["docker"], undefined), /unable to find group docker/);
  // resolveFromFiles: supplementary groups first, then group-adds; a failure is a reason, not a throw.
  assert.deepEqual(resolveFromFiles("other", ["docker"], PASSWD, GROUP), {
    ok: true,
    uid: 1001,
    gid: 1001,
    gidFrom: "primary group of other in the container's /etc/passwd",
    groups: [{ gid: 999, from: "--group-add docker (gid 999 in the container's /etc/group)" }],
  });
  const bad = resolveFromFiles("ghost", [], PASSWD, GROUP);
  assert.equal(bad.ok, false);
});

test("firstTarEntry skips pax headers and reports symlinks", () => {
  const header = (name: string, type: string, size: number, link = "") => {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write(size.toString(8).padStart(11, "0") + "\0", 124);
    h.write(type, 156);
    h.write(link, 157);
    h.write("ustar\0", 257);
    return h;
  };
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
  const pax = Buffer.from("30 path=etc/passwd-with-long-name\n");
  const body = Buffer.from("root:x:0:0::/:/bin/sh\n");
  const tar = Buffer.concat([header("PaxHeaders/x", "x", pax.length), pad(pax), header("passwd", "0", body.length), pad(body), Buffer.alloc(1024)]);
  const e = firstTarEntry(tar);
  assert.equal(e.kind, "file");
  assert.equal(e.kind === "file" ? e.data.toString() : "", body.toString());
  assert.deepEqual(firstTarEntry(Buffer.concat([header("passwd", "2", 0, "../usr/lib/passwd"), Buffer.alloc(1024)])), { kind: "symlink", target: "../usr/lib/passwd" });
});

// ---- on the real private daemon ----

let d: Dockerd;
let sockGid: number;
let api: AuditResult;
let disk: AuditResult;

async function importImage(name: string, files: Record<string, string>, links: Record<string, string> = {}): Promise<void> {
  const root = join(d.dir, `rootfs-${name.replace(/\W/g, "")}`);
  mkdirSync(join(root, "bin"), { recursive: true });
  for (const sub of ["etc", "tmp", "proc", "sys", "dev", "usr/lib"]) mkdirSync(join(root, sub), { recursive: true });
  copyFileSync(BUSYBOX, join(root, "bin", "busybox"));
  chmodSync(join(root, "bin", "busybox"), 0o755);
  for (const a of ["sh", "sleep", "id"]) symlinkSync("busybox", join(root, "bin", a));
  for (const [p, text] of Object.entries(files)) writeFileSync(join(root, p), text);
  for (const [p, target] of Object.entries(links)) symlinkSync(target, join(root, p));
  const tar = join(d.dir, `${name.replace(/\W/g, "")}.tar`);
  const t = await run("tar", ["-C", root, "-cf", tar, "."]);
  if (t.code !== 0) throw new Error(t.stderr);
  await d.docker(["import", "--change", "ENV PATH=/bin", "--change", 'CMD ["sh"]', tar, name]);
  rmSync(root, { recursive: true, force: true });
  rmSync(tar, { force: true });
}

before(async () => {
  d = await startDockerd({ image: false });
  // The daemon made its socket root:<docker group> 0660; the image's `docker` group gets that very gid.
  sockGid = statSync(d.socket).gid;
  assert.notEqual(sockGid, 0, "the private daemon's socket should belong to a docker group");
  const passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/tmp:/bin/sh\nother:x:1001:1001::/tmp:/bin/sh\n";
  const group = `root:x:0:\napp:x:1000:\nother:x:1001:\ndocker:x:${sockGid}:app\n`;
  await importImage("users:latest", { "etc/passwd": passwd, "etc/group": group });
  // Same users, but /etc/passwd is a symlink into /usr/lib (as on some distributions).
  await importImage("users-link:latest", { "usr/lib/passwd": passwd, "etc/group": group }, { "etc/passwd": "../usr/lib/passwd" });
  // A group file over the 1 MiB bound: refused, never read whole.
  await importImage("users-big:latest", { "etc/passwd": passwd, "etc/group": group + `filler:x:7:${"a".repeat(1100 * 1024)}\n` });
  writeFileSync(join(d.dir, "group-nomember"), `root:x:0:\napp:x:1000:\ndocker:x:${sockGid}:\n`);
  const S = `${d.socket}:/var/run/docker.sock`;
  const runC = (n: string, args: string[], image = "users:latest") => d.docker(["run", "-d", "--name", n, "--network", "none", ...args, "-v", S, image, "sleep", "600"]);
  await Promise.all([
    runC("u-member", ["-u", "app"]),
    runC("u-notmember", ["-u", "other"]),
    runC("u-explicit", ["-u", "app:app"]),
    runC("u-groupadd", ["-u", "other", "--group-add", "docker"]),
    runC("u-primary", ["-u", "1001:docker"]),
    runC("u-link", ["-u", "app"], "users-link:latest"),
    // Numeric uid 1000 = app in the image: runc still adds app's memberships (the docker group).
    runC("u-numeric", ["-u", "1000"]),
    // A bind mount over /etc/group with no membership: the runtime still resolves from the image's
    // own file beneath it (moby reads the container's root filesystem before mounts exist).
    runC("u-bindgroup", ["-u", "app", "-v", `${join(d.dir, "group-nomember")}:/etc/group:ro`]),
    // The runtime cannot start a user it cannot find: created only.
    d.docker(["create", "--name", "u-ghost", "--network", "none", "-u", "ghost", "-v", S, "users:latest", "sleep", "600"]),
    d.docker(["create", "--name", "u-big", "--network", "none", "-u", "app", "-v", S, "users-big:latest", "sleep", "600"]),
    // A named user without a socket: nothing to decide, not read.
    d.docker(["run", "-d", "--name", "u-nosock", "--network", "none", "-u", "app", "users:latest", "sleep", "600"]),
  ]);
  [api, disk] = await Promise.all([
    auditDetailed({ flags: { host: d.host }, env: d.env, all: true, policy: defaultPolicy(), events: false, probeListeners: false }),
    auditDetailed({ fromDisk: join(d.dir, "data"), all: true, policy: defaultPolicy(), probeListeners: false }),
  ]);
});

after(async () => {
  await d?.stop();
});

function mountFinding(r: AuditResult, name: string): Finding {
  const f = r.report.findings.filter((x) => x.rule === "runtime-socket-mount" && x.object === `container:${name}`);
  assert.equal(f.length, 1, `${name}: ${JSON.stringify(r.report.findings.filter((x) => x.object === `container:${name}`).map((x) => x.rule))}`);
  return f[0]!;
}

test("the image's files decide: app in the socket's group → critical; other, or app:app (explicit group) → high", () => {
  // Worked out by hand from the image's files and runc's rules (socket root:<sockGid> 0660):
  //   app        uid 1000 gid 1000 + docker(sockGid) as a member → can open → critical
  //   other      uid 1001 gid 1001, no memberships              → cannot → high
  //   app:app    explicit group: gid 1000, memberships dropped   → cannot → high
  //   other + --group-add docker → sockGid from the container's /etc/group → critical
  //   1001:docker → primary gid sockGid                          → critical
  //   app via a symlinked /etc/passwd                             → critical
  //   -u 1000 (numeric, = app): memberships still apply           → critical
  //   app with /etc/group bind-mounted from a file without it: the image's file beneath counts → critical
  const expect: Record<string, string> = {
    "u-member": "critical",
    "u-notmember": "high",
    "u-explicit": "high",
    "u-groupadd": "critical",
    "u-primary": "critical",
    "u-link": "critical",
    "u-numeric": "critical",
    "u-bindgroup": "critical",
  };
  for (const [name, sev] of Object.entries(expect)) assert.equal(mountFinding(api, name).severity, sev, `${name}: ${mountFinding(api, name).message}`);
  assert.match(mountFinding(api, "u-member").message, new RegExp(`user: app → uid 1000, gid 1000, groups ${sockGid} by the container's own /etc/passwd and /etc/group\\) can open it`));
  assert.match(mountFinding(api, "u-notmember").message, /user: other → uid 1001, gid 1001 by the container's own .*cannot open it/);
  const w = api.workloads.find((x) => x.source.container?.name === "u-groupadd")!;
  assert.deepEqual(w.facts?.userResolution, {
    ok: true,
    uid: 1001,
    gid: 1001,
    gidFrom: "primary group of other in the container's /etc/passwd",
    groups: [{ gid: sockGid, from: `--group-add docker (gid ${sockGid} in the container's /etc/group)` }],
  });
});

test("the resolved ids are the ones the runtime really gave the process (`id` inside each container)", async () => {
  for (const name of ["u-member", "u-notmember", "u-explicit", "u-groupadd", "u-primary", "u-link", "u-numeric", "u-bindgroup"]) {
    const out = (await d.docker(["exec", name, "id", "-u"])).stdout.trim() + " " + (await d.docker(["exec", name, "id", "-G"])).stdout.trim();
    const r = api.workloads.find((x) => x.source.container?.name === name)!.facts?.userResolution as { uid: number; gid: number; groups: { gid: number }[] };
    const mine = `${r.uid} ${[r.gid, ...r.groups.map((g) => g.gid)].filter((g, i, a) => a.indexOf(g) === i).join(" ")}`;
    assert.equal(mine, out, name);
  }
});

test("what cannot be resolved is said so, and the audit goes on", () => {
  const ghost = mountFinding(api, "u-ghost");
  // Created (dormant) and unresolvable: high, with the runtime's own reason.
  assert.equal(ghost.severity, "high");
  assert.match(ghost.message, /user: ghost; its ids could not be resolved: unable to find user ghost: no matching entries in the container's \/etc\/passwd/);
  const big = mountFinding(api, "u-big");
  assert.equal(big.severity, "high");
  assert.match(big.message, /its ids could not be resolved: could not read \/etc\/group: refused: \/etc\/group is \d+ bytes, over the 1048576-byte limit/);
  // Not a socket holder: not read at all.
  assert.equal(api.workloads.find((x) => x.source.container?.name === "u-nosock")!.facts?.userResolution, undefined);
  assert.equal(api.report.errors.length, 0, JSON.stringify(api.report.errors));
});

test("--from-disk reads the same files from the daemon's overlay2 layers: same severities and messages as the API", () => {
  const holders = (r: AuditResult) =>
    r.report.findings
      .filter((f) => f.object.startsWith("container:u-") && (f.concern === "socket-mount" || f.concern === "user"))
      .map((f) => `${f.object} ${f.rule} ${f.severity} ${f.message}`)
      .sort();
  assert.deepEqual(holders(disk), holders(api));
  assert.equal(mountFinding(disk, "u-member").severity, "critical");
  assert.equal(mountFinding(disk, "u-link").severity, "critical");
  assert.equal(mountFinding(disk, "u-bindgroup").severity, "critical");
});

test("overlay2 union reads: whiteouts delete, links resolve inside the container's root, a link never leads onto the host", async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { execFileSync } = await import("node:child_process");
  const { readFromLayers } = await import("../../src/audit/disk-files.js");
  const base = mkdtempSync(join(tmpdir(), "swd-layers-"));
  try {
    const upper = join(base, "upper");
    const mid = join(base, "mid");
    const lower = join(base, "lower");
    for (const l of [upper, mid, lower]) mkdirSync(join(l, "etc"), { recursive: true });
    mkdirSync(join(lower, "usr", "lib"), { recursive: true });
    writeFileSync(join(lower, "etc", "group"), "lower-group\n");
    writeFileSync(join(lower, "usr", "lib", "passwd"), "lower-usr-lib-passwd\n");
    writeFileSync(join(lower, "etc", "passwd"), "lower-passwd\n");
    // mid: passwd becomes a relative link to ../usr/lib/passwd (found in lower).
    symlinkSync("../usr/lib/passwd", join(mid, "etc", "passwd"));
    // upper: group deleted (whiteout = character device 0/0).
    execFileSync("mknod", [join(upper, "etc", "group"), "c", "0", "0"]);
    assert.deepEqual(await readFromLayers([upper, mid, lower], "/etc/passwd"), { ok: true, text: "lower-usr-lib-passwd\n" });
    const g = await readFromLayers([upper, mid, lower], "/etc/group");
    assert.equal(g.ok, false);
    assert.equal(!g.ok && g.missing, true);
    // Without the upper layer the group file is there.
    assert.deepEqual(await readFromLayers([mid, lower], "/etc/group"), { ok: true, text: "lower-group\n" });
    // A layer whose /etc is an absolute link to /etc: resolved in the container's root (the layers),
    // never the host's /etc. Here that loops back to the same link, so it ends in an error, not in
    // the host's /etc/passwd.
    const evil = join(base, "evil");
    mkdirSync(evil);
    symlinkSync("/etc", join(evil, "etc"));
    const e = await readFromLayers([evil], "/etc/passwd");
    assert.equal(e.ok, false);
    assert.ok(!JSON.stringify(e).includes("root:x:0:0"), JSON.stringify(e));
    // Over the bound: refused.
    writeFileSync(join(lower, "etc", "big"), "x".repeat(2048));
    assert.match(JSON.stringify(await readFromLayers([lower], "/etc/big", 1024)), /refused: \/etc\/big is 2048 bytes, over the 1024-byte limit/);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("through the daemon's archive API (what a remote daemon gets) the ids are the same; a mount over /etc/group is not read that way", async () => {
  const { EngineClient, resolveEndpoint } = await import("../../src/engine/index.js");
  const { archiveReader } = await import("../../src/audit/container-files.js");
  const { resolveUsers } = await import("../../src/audit/users.js");
  const client = new EngineClient(resolveEndpoint({ flags: { host: d.host }, env: d.env }));
  const reader = archiveReader(client);
  try {
    // Fresh copies of the audited workloads, without the layer-based answers.
    const ws = api.workloads.filter((w) => w.source.container?.name?.startsWith("u-")).map((w) => ({ ...w, facts: { ...w.facts, userResolution: undefined } }));
    const n = await resolveUsers(ws, { archive: reader });
    assert.equal(n, 10); // every u-* socket holder (not u-nosock)
    const byName = (name: string) => ws.find((w) => w.source.container?.name === name)!.facts!.userResolution;
    const viaLayers = (name: string) => api.workloads.find((w) => w.source.container?.name === name)!.facts!.userResolution;
    for (const name of ["u-member", "u-notmember", "u-explicit", "u-groupadd", "u-primary", "u-link", "u-numeric", "u-ghost", "u-big"]) {
      assert.deepEqual(byName(name), viaLayers(name), name);
    }
    assert.deepEqual(byName("u-bindgroup"), {
      ok: false,
      reason: "a mount at /etc/group covers /etc/passwd or /etc/group: the runtime reads the image's files beneath it, which the daemon's archive API does not show",
    });
  } finally {
    reader.close();
    client.close();
  }
});

test("the archive API has a time budget: past it, containers are left unresolved and say why", async () => {
  const { resolveUsers } = await import("../../src/audit/users.js");
  const ws = api.workloads.filter((w) => w.source.container?.name === "u-member").map((w) => ({ ...w, facts: {} as Record<string, unknown> }));
  // A reader that would answer, but a budget of 0 ms is spent before the first read.
  let reads = 0;
  const reader = { read: async () => (reads++, { ok: true as const, text: "" }), close() {} };
  await resolveUsers(ws, { archive: reader }, { archiveBudgetMs: 0 });
  assert.equal(reads, 0);
  assert.deepEqual(ws[0]!.facts.userResolution, { ok: false, reason: "not read: the 0 s allowed for the daemon's archive API ran out (many containers to read)" });
});
