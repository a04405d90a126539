// Brings up what the test suites need on a fresh machine of this kind, then builds.
// Tests use real parts (../shared/TESTING.md): a private dockerd per suite, a busybox image
// imported from Debian's busybox-static. Installs them with apt-get when missing.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const need = [];
const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
if (!has("dockerd") || !existsSync("/usr/bin/docker")) need.push("docker.io");
if (!existsSync("/bin/busybox")) need.push("busybox-static");
if (!has("setpriv")) need.push("util-linux");
if (!has("sshd") && !existsSync("/usr/sbin/sshd")) need.push("openssh-server", "openssh-client");
if (!has("openssl")) need.push("openssl");
// The audit reads runtime sockets' POSIX ACLs with getfacl; the ACL test sets them with setfacl.
if (!has("getfacl") || !has("setfacl")) need.push("acl");
// The proxy names Unix clients in its audit log from `ss -xpnH` (peer inode -> process).
if (!has("ss")) need.push("iproute2");
// The HTML report test drives Debian's chromium through playwright-core (no browser download).
if (!existsSync("/usr/bin/chromium")) need.push("chromium");

if (need.length > 0) {
  if (process.getuid?.() !== 0) {
    console.error(`pretest: missing ${need.join(", ")} and not root: install them (apt-get install -y ${need.join(" ")})`);
    process.exit(1);
  }
  console.log(`pretest: installing ${need.join(", ")} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...need], { stdio: "inherit", env });
}
execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
