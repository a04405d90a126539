/**
 * On a real private dockerd: permission denied as an unprivileged user, `--from-disk` equals the
 * API audit, and `sockwarden inside` (Node and the POSIX sh script) in real busybox containers.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import { run, startDockerd, type Dockerd } from "../harness/dockerd.js";
import { auditDetailed } from "../../src/audit/index.js";
import { insideScript } from "../../src/audit/inside.js";
import { defaultPolicy } from "../../src/policy/types.js";
import type { Finding } from "../../src/model/finding.js";
import type { Report } from "../../src/model/report.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
let d: Dockerd;
let work: string;

before(async () => {
  d = await startDockerd();
  work = mkdtempSync(join(tmpdir(), "swd-live-"));
  chmodSync(work, 0o755);
  const S = d.socket;
  await d.docker(["volume", "create", "--opt", "type=none", "--opt", "o=bind", "--opt", `device=${d.dir}`, "dirvol"]);
  const run_ = (name: string, args: string[], cmd = ["sleep", "600"]) => d.docker(["run", "-d", "--name", name, "--network", "none", ...args, "mini:latest", ...cmd]);
  const create = (name: string, args: string[]) => d.docker(["create", "--name", name, "--network", "none", ...args, "mini:latest", "sleep", "600"]);
  await Promise.all([
    run_("l-sock", ["-v", `${S}:/var/run/docker.sock:ro`]),
    run_("l-vol", ["-v", "dirvol:/v", "-u", "1000"]),
    create("l-priv", ["--privileged", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined"]),
    create("l-holder", ["-v", `${S}:/s`]),
    run_("l-exited", ["-v", "/etc:/hostetc"], ["true"]),
    run_("l-pidhost", ["--pid", "host"]),
  ]);
  await Promise.all([run_("l-vf", ["--volumes-from", "l-holder", "--group-add", "4242"]), run_("l-join", ["--pid", "container:l-pidhost"])]);
  await d.docker(["wait", "l-exited"]);
});

after(async () => {
  await d?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What identifies a container finding, independent of how the facts were read. */
function key(f: Finding): string {
  return [f.object, f.rule, f.severity, f.message].join(" | ");
}
const containerFindings = (r: Report) => r.findings.filter((f) => f.object.startsWith("container:")).map(key).sort();

test("--from-disk reads the daemon's state files and gives the same container findings as the API", async () => {
  const [api, disk] = await Promise.all([
    auditDetailed({ flags: { host: d.host }, env: d.env, all: true, policy: defaultPolicy(), events: false, probeListeners: false }),
    auditDetailed({ fromDisk: join(d.dir, "data"), all: true, policy: defaultPolicy(), probeListeners: false }),
  ]);
  assert.equal(api.report.summary.containersAudited, 8);
  assert.equal(disk.report.summary.containersAudited, 8);
  assert.deepEqual(disk.report.errors, []);
  const a = containerFindings(api.report);
  const b = containerFindings(disk.report);
  // Not vacuous: the socket, the volume bind, privileged, volumes-from, the pid join and /etc are all there.
  for (const [obj, rule] of [["l-sock", "runtime-socket-mount"], ["l-vol", "resolved-socket-mount"], ["l-priv", "privileged-container"], ["l-vf", "runtime-socket-mount"], ["l-join", "host-namespace"], ["l-exited", "sensitive-host-path"]]) {
    assert.ok(a.some((k) => k.startsWith(`container:${obj} | ${rule}`)), `${obj} ${rule} in the API audit:\n${a.join("\n")}`);
  }
  assert.deepEqual(b, a);
  // Without --all only running containers, in both.
  const [apiR, diskR] = await Promise.all([
    auditDetailed({ flags: { host: d.host }, env: d.env, policy: defaultPolicy(), events: false, probeListeners: false }),
    auditDetailed({ fromDisk: join(d.dir, "data"), policy: defaultPolicy(), probeListeners: false }),
  ]);
  assert.equal(apiR.report.summary.containersAudited, 5); // l-sock, l-vol, l-pidhost, l-vf, l-join
  assert.deepEqual(containerFindings(diskR.report), containerFindings(apiR.report));
});

test("--from-disk on containerd's task bundles (OCI config.json): running containers give the same socket and namespace findings", async () => {
  const [api, oci] = await Promise.all([
    auditDetailed({ flags: { host: d.host }, env: d.env, policy: defaultPolicy(), events: false, probeListeners: false }),
    // The private dockerd's managed containerd keeps its bundles under <exec-root>/containerd/daemon.
    auditDetailed({ fromDisk: join(d.dir, "exec"), policy: defaultPolicy(), probeListeners: false }),
  ]);
  assert.equal(oci.report.summary.containersAudited, 5);
  const byId = (r: typeof api, c: string) =>
    r.report.findings
      .filter((f) => f.concern === c && f.location.container)
      .map((f) => `${f.location.container!.id} ${f.severity}`)
      .sort();
  // l-sock (root, :ro socket) critical; l-vf (root, socket through VolumesFrom) critical; l-vol (uid 1000, the
  // volume's bind of the socket's directory) high; l-pidhost host pid; l-join host pid (joins l-pidhost).
  assert.equal(byId(api, "socket-mount").length, 3);
  assert.deepEqual(byId(oci, "socket-mount"), byId(api, "socket-mount"));
  assert.deepEqual(byId(oci, "host-namespace"), byId(api, "host-namespace"));
});

test("--from-disk on a host root mounted elsewhere (the node DaemonSet's /host) finds <dir>/var/lib/docker", async () => {
  const hostRoot = join(work, "hostroot");
  mkdirSync(join(hostRoot, "var", "lib"), { recursive: true });
  symlinkSync(join(d.dir, "data"), join(hostRoot, "var", "lib", "docker"));
  const [direct, viaRoot] = await Promise.all([
    auditDetailed({ fromDisk: join(d.dir, "data"), all: true, policy: defaultPolicy(), probeListeners: false }),
    auditDetailed({ fromDisk: hostRoot, all: true, policy: defaultPolicy(), probeListeners: false }),
  ]);
  assert.equal(viaRoot.report.summary.containersAudited, 8);
  assert.deepEqual(containerFindings(viaRoot.report), containerFindings(direct.report));
});

test("--from-disk on a directory that is not a Docker data root is a clear error", async () => {
  await assert.rejects(auditDetailed({ fromDisk: work, policy: defaultPolicy(), probeListeners: false }), /no such directory \(is this a Docker data root/);
});

test("permission denied: an unprivileged user gets a report saying so (socket present, cannot open), not a crash", async () => {
  // Let others traverse the private dir so the socket itself (root:docker 0660) is what refuses.
  chmodSync(d.dir, 0o711);
  const script = join(work, "audit-as-user.mjs");
  writeFileSync(
    script,
    `import { audit } from ${JSON.stringify(join(repo, "src/audit/index.ts"))};
import { defaultPolicy } from ${JSON.stringify(join(repo, "src/policy/types.ts"))};
const r = await audit({ flags: { host: process.argv[2] }, env: {}, policy: defaultPolicy(), probeListeners: false });
process.stdout.write(JSON.stringify(r));
`,
  );
  chmodSync(script, 0o644);
  const r = await run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--import", "tsx", script, d.host], {
    env: { PATH: process.env.PATH, HOME: "/nonexistent", TSX_TSCONFIG_PATH: join(repo, "tsconfig.json") },
    timeoutMs: 60_000,
  });
  chmodSync(d.dir, 0o700);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.summary.containersAudited, 0);
  assert.ok(report.errors.some((e) => /permission denied/.test(e.message)), JSON.stringify(report.errors));
  const f = report.findings.find((x) => x.rule === "host-socket-access" && /present but this user cannot open it/.test(x.message));
  assert.ok(f, JSON.stringify(report.findings.map((x) => x.message)));
  assert.equal(f.object, "host");
});

async function runInside(args: string[], cmd: string[]): Promise<{ code: number; stdout: string }> {
  const r = await d.docker(["run", "--rm", "--network", "none", ...args, "mini:latest", ...cmd], { allowFail: true });
  return { code: r.code, stdout: r.stdout };
}

test("inside --print-sh on busybox: root with the socket → can control; uid 1000 → one step away; renamed bind found; none → no path", async () => {
  const sh = join(work, "inside.sh");
  writeFileSync(sh, insideScript());
  const m = ["-v", `${sh}:/inside.sh:ro`];
  const [rootSock, userSock, renamed, none] = await Promise.all([
    runInside([...m, "-v", `${d.socket}:/var/run/docker.sock`], ["sh", "/inside.sh"]),
    runInside([...m, "-u", "1000", "-v", `${d.socket}:/var/run/docker.sock`], ["sh", "/inside.sh"]),
    runInside([...m, "-v", `${d.socket}:/opt/app/data.bin`], ["sh", "/inside.sh"]),
    runInside([...m, "-u", "1000"], ["sh", "/inside.sh"]),
  ]);
  assert.equal(rootSock.code, 2, rootSock.stdout);
  assert.match(rootSock.stdout, /^socket: \/var\/run\/docker\.sock \(well-known path\) writable-by-me$/m);
  assert.match(rootSock.stdout, /^VERDICT: can control the host$/m);
  assert.match(rootSock.stdout, /^container: yes/m);
  assert.equal(userSock.code, 1, userSock.stdout);
  assert.match(userSock.stdout, /^uid: 1000$/m);
  assert.match(userSock.stdout, /^VERDICT: one step away$/m);
  assert.equal(renamed.code, 2, renamed.stdout);
  assert.match(renamed.stdout, /^socket: \/opt\/app\/data\.bin \(bind mount\) writable-by-me$/m);
  assert.equal(none.code, 0, none.stdout);
  assert.match(none.stdout, /^VERDICT: no path to a runtime API found$/m);
});

test("inside (Node) in a busybox container: asks the socket /_ping and /version, decodes its capabilities", async () => {
  const entry = join(work, "inside-entry.ts");
  writeFileSync(entry, `import { inside } from ${JSON.stringify(join(repo, "src/audit/inside.ts"))};\nconsole.log(JSON.stringify(await inside({ searchBudget: 3000 })));\n`);
  const out = join(work, "inside.mjs");
  buildSync({ entryPoints: [entry], bundle: true, platform: "node", format: "esm", target: "node20", outfile: out, logLevel: "silent" });
  const node = realpathSync(process.execPath);
  // Node is dynamically linked: lend it the host's libraries, read-only.
  const m = ["-v", `${out}:/inside.mjs:ro`, "-v", `${node}:/node:ro`, "-v", "/lib:/lib:ro", "-v", "/lib64:/lib64:ro", "-v", "/usr/lib:/usr/lib:ro"];
  const [withSock, userSock, without] = await Promise.all([
    runInside([...m, "-v", `${d.socket}:/var/run/docker.sock`], ["/node", "/inside.mjs"]),
    runInside([...m, "-u", "1000", "-v", `${d.socket}:/var/run/docker.sock`], ["/node", "/inside.mjs"]),
    runInside([...m, "--cap-add", "SYS_ADMIN"], ["/node", "/inside.mjs"]),
  ]);
  const a = JSON.parse(withSock.stdout);
  assert.equal(a.inContainer, true);
  assert.equal(a.uid, 0);
  assert.equal(a.verdict, "can-control-host");
  const s = a.sockets.find((x: { path: string }) => x.path === "/var/run/docker.sock");
  assert.equal(s.answers, true);
  assert.equal(s.apiVersion, "1.41");
  assert.match(s.serverVersion, /^20\.10\./);
  // Docker's default capability set includes CHOWN but not SYS_ADMIN.
  assert.ok(a.capabilities.includes("CHOWN") && !a.capabilities.includes("SYS_ADMIN"));
  const b = JSON.parse(userSock.stdout);
  assert.equal(b.uid, 1000);
  assert.equal(b.verdict, "one-step-away");
  assert.equal(b.sockets.find((x: { path: string }) => x.path === "/var/run/docker.sock").error, "EACCES");
  const c = JSON.parse(without.stdout);
  assert.deepEqual(c.sockets, []);
  assert.ok(c.capabilities.includes("SYS_ADMIN"));
  assert.equal(c.verdict, "one-step-away");
});

test("a remote daemon (ssh://, here through the real `docker system dial-stdio`): no host to stat, names and volume options still judged", async () => {
  const fake = join(work, "ssh");
  // Stands in for the system ssh only; the daemon side is the real dial-stdio of the docker CLI.
  writeFileSync(fake, `#!/bin/sh\nexec /usr/local/bin/docker -H "${d.host}" system dial-stdio\n`);
  chmodSync(fake, 0o755);
  const r = await auditDetailed({ flags: { host: "ssh://ops@remote-host" }, env: {}, all: true, policy: defaultPolicy(), sshCommand: fake, events: false });
  assert.equal(r.endpoint?.transport, "ssh");
  assert.equal(r.hosts.length, 0, "no local host facts for a remote daemon");
  assert.equal(r.report.summary.containersAudited, 8);
  const vol = r.workloads.find((w) => w.source.container?.name === "l-vol")!.mounts.find((m) => m.target === "/v")!;
  assert.equal(vol.hostPath, d.dir);
  assert.equal(vol.resolved, undefined);
  assert.match(vol.via ?? "", /named volume `dirvol` \(driver options device=.*,o=bind,type=none\)/);
  const sock = r.report.findings.find((f) => f.object === "container:l-sock" && f.concern === "socket-mount");
  assert.equal(sock?.severity, "critical");
});
