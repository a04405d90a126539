/**
 * The `user` concern (rule socket-holder-user): who the process of a socket-holding container
 * runs as. Real containers on a private dockerd (socket root:<docker gid> 0660) for what a daemon
 * can show; hand-made workloads through evaluate() for daemon settings the private daemon cannot
 * take here (userns-remap needs /etc/subuid changes on the machine, rootless a user session).
 * Expected findings are worked out from the rule's stated semantics.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, copyFileSync, chmodSync, symlinkSync, writeFileSync, statSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startDockerd, run, BUSYBOX, type Dockerd } from "../harness/dockerd.js";
import { auditDetailed, type AuditResult } from "../../src/audit/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { evaluate } from "../../src/rules/evaluate.js";
import { emptyWorkload, type Workload } from "../../src/model/workload.js";
import { located } from "../../src/model/location.js";
import type { Finding } from "../../src/model/finding.js";

let d: Dockerd;
let gid: number;
let res: AuditResult;

before(async () => {
  d = await startDockerd();
  gid = statSync(d.socket).gid;
  assert.notEqual(gid, 0);
  // An image whose /etc/group puts `app` in a group with the socket's gid.
  const root = join(d.dir, "rootfs-u");
  mkdirSync(join(root, "bin"), { recursive: true });
  mkdirSync(join(root, "etc"));
  copyFileSync(BUSYBOX, join(root, "bin", "busybox"));
  chmodSync(join(root, "bin", "busybox"), 0o755);
  for (const a of ["sh", "sleep"]) symlinkSync("busybox", join(root, "bin", a));
  writeFileSync(join(root, "etc", "passwd"), "root:x:0:0::/:/bin/sh\napp:x:1000:1000::/:/bin/sh\n");
  writeFileSync(join(root, "etc", "group"), `root:x:0:\napp:x:1000:\nsockets:x:${gid}:app\n`);
  const t = await run("tar", ["-C", root, "-cf", join(d.dir, "u.tar"), "."]);
  assert.equal(t.code, 0, t.stderr);
  await d.docker(["import", "--change", "ENV PATH=/bin", join(d.dir, "u.tar"), "users:latest"]);
  rmSync(root, { recursive: true, force: true });

  const S = `${d.socket}:/var/run/docker.sock`;
  const r = (n: string, args: string[], image = "mini:latest") => d.docker(["run", "-d", "--name", n, "--network", "none", ...args, image, "sleep", "600"]);
  await Promise.all([
    r("c-root", ["-v", S]),
    r("c-uid0", ["-u", "0:0", "-v", S]),
    r("c-groupadd", ["-u", "1000", "--group-add", String(gid), "-v", S]),
    r("c-member", ["-u", "app", "-v", S], "users:latest"),
    r("c-nonroot", ["-u", "1000", "-v", S]),
    r("c-nosock", []),
    r("c-uid1000-nosock", ["-u", "1000", "--group-add", String(gid)]),
    d.docker(["create", "--name", "c-created", "--network", "none", "-v", S, "mini:latest", "sleep", "600"]),
  ]);
  // Joins c-root's pid namespace: its socket is reachable through /proc/<pid>/root; runs as root.
  await r("c-pidjoin", ["--pid", "container:c-root"]);
  res = await auditDetailed({ flags: { host: d.host }, env: d.env, all: true, policy: defaultPolicy(), events: false, probeListeners: false });
});

after(async () => {
  await d?.stop();
});

function userFindings(name: string): Finding[] {
  return res.report.findings.filter((f) => f.concern === "user" && f.object === `container:${name}`);
}

test("root socket holders get a user finding; non-root users the socket does not let in, and containers without a socket, do not", () => {
  const got = Object.fromEntries(
    ["c-root", "c-uid0", "c-groupadd", "c-member", "c-nonroot", "c-nosock", "c-uid1000-nosock", "c-created", "c-pidjoin"].map((n) => [n, userFindings(n).map((f) => f.severity)]),
  );
  assert.deepEqual(got, {
    "c-root": ["high"], // no user: uid 0, socket reachable
    "c-uid0": ["high"], // explicit 0:0
    "c-groupadd": ["high"], // uid 1000, but --group-add <socket gid>
    "c-member": ["high"], // app is a member of the socket's gid in the image's /etc/group
    "c-nonroot": [], // uid 1000 without the group: socket-mount says "one step away"
    "c-nosock": [], // root, but nothing to reach
    "c-uid1000-nosock": [], // the group, but no socket
    "c-created": ["medium"], // root holder, dormant
    "c-pidjoin": ["high"], // root, reaches c-root's socket through the pid namespace
  });
});

test("messages say who the process is, where the socket's group came from, and what to change", () => {
  const sock = d.socket.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  assert.match(userFindings("c-root")[0]!.message, new RegExp(`^Runs as root \\(no user is set in the container or its image, so the runtime starts uid 0\\) with no user-namespace remap, and reaches the docker socket ${sock} \\(0:${gid} 0660\\)`));
  assert.match(userFindings("c-root")[0]!.message, new RegExp(`Give it a non-root uid outside the socket's group \\(gid ${gid}\\), e\\.g\\. \`--user 10001:10001\``));
  assert.match(userFindings("c-uid0")[0]!.message, /^Runs as root \(user: 0:0\)/);
  assert.match(userFindings("c-groupadd")[0]!.message, new RegExp(`^Runs as non-root uid 1000 \\(user: 1000 → uid 1000, gid 1000, groups ${gid} by the container's own /etc/passwd and /etc/group\\), but the socket lets it in: gid ${gid}, the group of ${sock}, comes from --group-add ${gid}\\. Drop that group`));
  assert.match(userFindings("c-member")[0]!.message, new RegExp(`gid ${gid}, the group of ${sock}, comes from membership of app in group sockets \\(the container's /etc/group\\)`));
  assert.match(userFindings("c-created")[0]!.message, /The container is created: this holds from its next `docker start`\./);
  // The socket-mount finding is still there and still says the reachability; the user finding does not repeat it.
  const mount = res.report.findings.find((f) => f.rule === "runtime-socket-mount" && f.object === "container:c-groupadd")!;
  assert.equal(mount.severity, "critical");
  assert.ok(!/Runs as/.test(mount.message));
});

function holder(opts: { user?: string; groups?: string[]; mode?: number; state?: string }): Workload {
  const w = emptyWorkload({ door: "audit", object: "container:h", container: { id: "h1", name: "h", state: opts.state ?? "running" }, host: "h" });
  w.facts = { userChecked: true };
  if (opts.user !== undefined) w.user = located(opts.user);
  for (const g of opts.groups ?? []) w.groups.push(located(g));
  w.mounts.push({
    type: "bind",
    source: "/run/docker.sock",
    hostPath: "/run/docker.sock",
    target: "/var/run/docker.sock",
    readOnly: false,
    resolved: { realPath: "/run/docker.sock", kind: "socket", sockets: [{ path: "/run/docker.sock", uid: 0, gid: 999, mode: opts.mode ?? 0o660, runtime: "docker" }], isDaemonSocket: true },
  });
  return w;
}
const userOf = (w: Workload) => evaluate({ workloads: [w] }, defaultPolicy()).filter((f) => f.concern === "user");

test("daemon settings: userns-remap silences root unless --userns=host; rootless silences it; world-writable is not about the user", () => {
  assert.equal(userOf(holder({})).length, 1);
  // A door that does not vouch for the user (watch, proxy, files): not judged by this rule.
  const unvouched = holder({});
  unvouched.facts = {};
  assert.equal(userOf(unvouched).length, 0);
  const remapped = holder({});
  remapped.facts = { userChecked: true, daemonUsernsRemap: true };
  assert.equal(userOf(remapped).length, 0);
  const optOut = holder({});
  optOut.facts = { userChecked: true, daemonUsernsRemap: true };
  optOut.namespaces.userns = located({ mode: "host", raw: "host" });
  const o = userOf(optOut);
  assert.equal(o.length, 1);
  assert.match(o[0]!.message, /`--userns=host` opts it out of the daemon's userns-remap/);
  const rootless = holder({});
  rootless.facts = { userChecked: true, daemonRootless: true };
  assert.equal(userOf(rootless).length, 0);
  // Non-root on a 0666 socket: anyone opens it, host-socket-access's business; root on it still counts.
  assert.equal(userOf(holder({ user: "1000", mode: 0o666 })).length, 0);
  assert.equal(userOf(holder({ user: "0", mode: 0o666 })).length, 1);
  // The user spec's group part counts as the primary group; a group without g+w does not.
  assert.match(userOf(holder({ user: "1000:999" }))[0]!.message, /comes from the group part of user 1000:999/);
  assert.equal(userOf(holder({ user: "1000:999", mode: 0o640 })).length, 0);
  // A name the audit could not resolve: no claim either way here.
  assert.equal(userOf(holder({ user: "app" })).length, 0);
});
