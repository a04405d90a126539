/**
 * POSIX ACLs on runtime sockets: `setfacl -m u:ci:rw /var/run/docker.sock` gives `ci` the daemon
 * (root on the host) without any group membership and without changing the mode bits an `ls -l`
 * shows. Read with `getfacl` (Debian package `acl`) and judged with the POSIX.1e access check.
 */
import { execFile } from "node:child_process";
import type { AclEntry } from "../model/posix-acl.js";

export { aclAllows, aclFromMode, isExtended, type AccessResult, type AclEntry } from "../model/posix-acl.js";

export class AclParseError extends Error {}

/**
 * `getfacl -cpn` output → entries. Numeric ids (`-n`), no header (`-c`); `#effective:` comments
 * are dropped (the mask is applied by `aclAllows`, not taken from getfacl's comment).
 */
export function parseGetfacl(text: string): AclEntry[] {
  const out: AclEntry[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const m = /^(user|group|mask|other|u|g|m|o):([^:]*):([rwx-]{3})$/.exec(line);
    if (!m) throw new AclParseError(`unexpected getfacl line: ${JSON.stringify(raw.slice(0, 80))}`);
    const tag = ({ u: "user", g: "group", m: "mask", o: "other" } as Record<string, AclEntry["tag"]>)[m[1]!] ?? (m[1] as AclEntry["tag"]);
    const q = m[2]!;
    if (q !== "" && !/^\d+$/.test(q)) throw new AclParseError(`non-numeric ACL qualifier ${JSON.stringify(q)} (getfacl must run with -n)`);
    const e: AclEntry = { tag, perms: m[3]!.replace(/-/g, "") };
    if (q !== "") e.id = Number(q);
    out.push(e);
  }
  if (!out.some((e) => e.tag === "user" && e.id === undefined) || !out.some((e) => e.tag === "other")) throw new AclParseError("getfacl output has no user:: or other:: entry");
  return out;
}

export type AclRead = { ok: true; acl: AclEntry[] } | { ok: false; error: string };

/**
 * Read a file's access ACL with `getfacl -cpn --absolute-names <path>` (argv array, no shell;
 * bounded time and output). Never throws: a missing `getfacl` or a failure is returned as an
 * error the host facts carry, so "no ACL" is never assumed silently.
 */
export function readAcl(path: string, opts: { timeoutMs?: number; getfacl?: string } = {}): Promise<AclRead> {
  return new Promise((resolve) => {
    execFile(
      opts.getfacl ?? "getfacl",
      ["-cpn", "--absolute-names", "--", path],
      { timeout: opts.timeoutMs ?? 3000, maxBuffer: 64 * 1024, encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" } },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT") return resolve({ ok: false, error: "getfacl is not installed (Debian package acl), so ACLs were not read" });
          if ((err as { killed?: boolean }).killed) return resolve({ ok: false, error: `getfacl did not answer within ${opts.timeoutMs ?? 3000} ms` });
          return resolve({ ok: false, error: `getfacl failed: ${(stderr || err.message).trim().split("\n")[0]}` });
        }
        try {
          resolve({ ok: true, acl: parseGetfacl(stdout) });
        } catch (e) {
          resolve({ ok: false, error: `getfacl output not understood: ${(e as Error).message}` });
        }
      },
    );
  });
}

/** getfacl's escaping of names in `# file:` headers: `\ooo` octal bytes and `\\`. */
function unescapeGetfacl(s: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, "utf8");
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x5c && i + 3 < raw.length && /^[0-7]{3}$/.test(raw.subarray(i + 1, i + 4).toString("latin1"))) {
      bytes.push(parseInt(raw.subarray(i + 1, i + 4).toString("latin1"), 8));
      i += 3;
    } else if (raw[i] === 0x5c && raw[i + 1] === 0x5c) {
      bytes.push(0x5c);
      i += 1;
    } else bytes.push(raw[i]!);
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * Several files' ACLs with one `getfacl -pn --absolute-names -- <paths…>` (one process for all a
 * host's runtime sockets: a spawn costs ~15 ms on these machines). Each path gets its own answer;
 * a path getfacl could not read gets its error line.
 */
export function readAcls(paths: readonly string[], opts: { timeoutMs?: number; getfacl?: string } = {}): Promise<Map<string, AclRead>> {
  const out = new Map<string, AclRead>();
  if (!paths.length) return Promise.resolve(out);
  return new Promise((resolve) => {
    execFile(
      opts.getfacl ?? "getfacl",
      ["-pn", "--absolute-names", "--", ...paths],
      { timeout: opts.timeoutMs ?? 3000, maxBuffer: 256 * 1024, encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" } },
      (err, stdout, stderr) => {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === "ENOENT") {
          for (const p of paths) out.set(p, { ok: false, error: "getfacl is not installed (Debian package acl), so ACLs were not read" });
          return resolve(out);
        }
        if ((err as { killed?: boolean } | null)?.killed) {
          for (const p of paths) out.set(p, { ok: false, error: `getfacl did not answer within ${opts.timeoutMs ?? 3000} ms` });
          return resolve(out);
        }
        for (const block of stdout.split(/\n\s*\n/)) {
          const m = /^# file: (.*)$/m.exec(block);
          if (!m) continue;
          const path = unescapeGetfacl(m[1]!);
          try {
            out.set(path, { ok: true, acl: parseGetfacl(block.split("\n").filter((l) => !l.startsWith("#")).join("\n")) });
          } catch (e) {
            out.set(path, { ok: false, error: `getfacl output not understood: ${(e as Error).message}` });
          }
        }
        const errLines = stderr.split("\n").filter(Boolean);
        for (const p of paths) {
          if (out.has(p)) continue;
          const line = errLines.find((l) => l.includes(p)) ?? errLines[0] ?? (err ? err.message : "no answer for this file");
          out.set(p, { ok: false, error: `getfacl failed: ${line.trim()}` });
        }
        resolve(out);
      },
    );
  });
}

/** `user:65534:rw-` style text for messages and host facts, with names when known. */
export function formatAclEntry(e: AclEntry, names: { user(uid: number): string | undefined; group(gid: number): string | undefined }): string {
  const q = e.id === undefined ? "" : e.tag === "user" ? (names.user(e.id) ?? String(e.id)) : (names.group(e.id) ?? String(e.id));
  const p = ["r", "w", "x"].map((c) => (e.perms.includes(c) ? c : "-")).join("");
  return `${e.tag}:${q}:${p}`;
}
