/**
 * A container's user as the runtime starts it: runc's `user.GetExecUser` (uid, primary gid and
 * supplementary gids from a `user[:group]` spec and the container's own /etc/passwd and
 * /etc/group) and `user.GetAdditionalGroups` (moby resolves `--group-add` with it), reproduced
 * rule for rule, quirks included, because the audit must land on the ids the process really has:
 * - a numeric user or group is always an id (matched against the files for metadata only);
 * - a name must exist in the file, else the container cannot start ("unable to find user app");
 * - the user's supplementary groups (its memberships in /etc/group) apply only when the spec has
 *   no group part (`app`, not `app:docker`);
 * - numeric fields that do not parse count as 0 (Go's `Atoi` with the error ignored): a passwd
 *   line `app:x:oops:…` is uid 0;
 * - passwd lines are trimmed, group lines are not; empty lines are skipped, nothing else.
 * Pure: the files' text comes in (undefined = the file does not exist in the container).
 */

const MAX_ID = 2 ** 31 - 1;
/** bufio.Scanner's default token limit: a longer line makes the Go parser fail. */
const MAX_LINE = 64 * 1024;

interface PwEntry {
  name: string;
  uid: number;
  gid: number;
}
interface GrEntry {
  name: string;
  gid: number;
  list: string[];
}

/** Go's strconv.Atoi: optional sign and decimal digits. */
function atoi(s: string): { n: number; ok: boolean } {
  if (!/^[+-]?\d+$/.test(s)) return { n: 0, ok: false };
  const n = Number(s);
  return Number.isSafeInteger(n) ? { n, ok: true } : { n: n < 0 ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER, ok: false };
}

function lines(text: string, what: string): string[] {
  const out = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (out.some((l) => l.length > MAX_LINE)) throw new ExecUserError(`${what}: a line longer than ${MAX_LINE} bytes (the runtime's parser fails on it too)`);
  return out;
}

export function parsePasswdGo(text: string): PwEntry[] {
  const out: PwEntry[] = [];
  for (const raw of lines(text, "/etc/passwd")) {
    const line = raw.trim();
    if (!line) continue;
    const f = line.split(":");
    out.push({ name: f[0] ?? "", uid: atoi(f[2] ?? "").n, gid: atoi(f[3] ?? "").n });
  }
  return out;
}

export function parseGroupGo(text: string): GrEntry[] {
  const out: GrEntry[] = [];
  for (const line of lines(text, "/etc/group")) {
    if (!line) continue;
    const f = line.split(":");
    out.push({ name: f[0] ?? "", gid: atoi(f[2] ?? "").n, list: f[3] ? f[3].split(",") : [] });
  }
  return out;
}

export class ExecUserError extends Error {}

export interface ExecUser {
  uid: number;
  gid: number;
  /** Supplementary gids, in the order the runtime sets them, each with where it came from. */
  sgids: { gid: number; from: string }[];
  /** Where the primary gid came from (for messages). */
  gidFrom: string;
  /** The passwd entry matched, if any. */
  userName?: string;
}

/** runc GetExecUser(spec, defaults = uid 0 gid 0, passwd, group). Throws ExecUserError as the runtime would fail. */
export function getExecUser(spec: string, passwd: string | undefined, group: string | undefined): ExecUser {
  const parts = spec.split(":");
  const userArg = parts[0] ?? "";
  const groupArg = parts[1] ?? "";
  const uidArg = atoi(userArg);
  const gidArg = atoi(groupArg);
  const out: ExecUser = { uid: 0, gid: 0, sgids: [], gidFrom: "the default (0)" };
  const users = passwd === undefined ? [] : parsePasswdGo(passwd).filter((u) => (userArg === "" ? u.uid === 0 : uidArg.ok ? u.uid === uidArg.n : u.name === userArg));
  let matched = "";
  if (users.length) {
    const u = users[0]!; // first match wins
    matched = u.name;
    out.uid = u.uid;
    out.gid = u.gid;
    out.userName = u.name;
    out.gidFrom = `primary group of ${u.name} in the container's /etc/passwd`;
  } else if (userArg !== "") {
    if (!uidArg.ok) throw new ExecUserError(`unable to find user ${userArg}: no matching entries in ${passwd === undefined ? "passwd file (the container has no /etc/passwd)" : "the container's /etc/passwd"}`);
    if (uidArg.n < 0 || uidArg.n > MAX_ID) throw new ExecUserError(`uid ${userArg} out of range 0-${MAX_ID}`);
    out.uid = uidArg.n;
  }
  if (groupArg !== "" || matched !== "") {
    const groups =
      group === undefined
        ? []
        : parseGroupGo(group).filter((g) => (groupArg === "" ? g.list.includes(matched) : gidArg.ok ? g.gid === gidArg.n : g.name === groupArg));
    if (groupArg !== "") {
      if (groups.length) {
        out.gid = groups[0]!.gid;
        out.gidFrom = `group ${groupArg} of the user spec${gidArg.ok ? "" : " (the container's /etc/group)"}`;
      } else {
        if (!gidArg.ok) throw new ExecUserError(`unable to find group ${groupArg}: no matching entries in ${group === undefined ? "group file (the container has no /etc/group)" : "the container's /etc/group"}`);
        if (gidArg.n < 0 || gidArg.n > MAX_ID) throw new ExecUserError(`gid ${groupArg} out of range 0-${MAX_ID}`);
        out.gid = gidArg.n;
        out.gidFrom = `group ${groupArg} of the user spec`;
      }
    } else {
      // Supplementary groups only in the implicit form (no group part).
      out.sgids = groups.map((g) => ({ gid: g.gid, from: `membership of ${matched} in group ${g.name} (the container's /etc/group)` }));
    }
  }
  return out;
}

/** runc GetAdditionalGroups (moby's `--group-add`): names and numbers matched against /etc/group. */
export function getAdditionalGroups(list: readonly string[], group: string | undefined): { gid: number; from: string }[] {
  const groups = group === undefined ? [] : parseGroupGo(group).filter((g) => list.some((ag) => g.name === ag || String(g.gid) === ag));
  const seen = new Map<number, string>();
  for (const ag of list) {
    let found = false;
    for (const g of groups) {
      if ((g.name === ag || String(g.gid) === ag) && !seen.has(g.gid)) {
        seen.set(g.gid, g.name === ag && !/^\d+$/.test(ag) ? `--group-add ${ag} (gid ${g.gid} in the container's /etc/group)` : `--group-add ${ag}`);
        found = true;
        break;
      }
    }
    if (!found) {
      // Not in /etc/group (or already taken): only a number can stand on its own. As in runc, a
      // name listed twice lands here too and fails.
      if (!/^[+-]?\d+$/.test(ag)) throw new ExecUserError(`unable to find group ${ag}${group === undefined ? " (the container has no /etc/group)" : " in the container's /etc/group"}`);
      const n = Number(ag);
      if (n < 0 || n > MAX_ID) throw new ExecUserError(`gid ${ag} out of range 0-${MAX_ID}`);
      if (!seen.has(n)) seen.set(n, `--group-add ${ag}`);
    }
  }
  return [...seen].map(([gid, from]) => ({ gid, from }));
}

/**
 * Does knowing this container's ids need its /etc/passwd and /etc/group? Yes for a name anywhere
 * (user, its group part, a `--group-add`), and for a numeric non-root uid without a group part:
 * runc still looks that uid up and adds the groups its passwd name is a member of (`-u 1000` with
 * `docker:x:999:app` in the image's /etc/group runs with gid 999).
 */
export function needsFiles(user: string | undefined, groupAdd: readonly string[]): boolean {
  const [u = "", g = ""] = (user ?? "").split(":");
  const numeric = (s: string) => /^[+-]?\d+$/.test(s);
  const named = (s: string) => s !== "" && !numeric(s);
  if (named(u) || named(g) || groupAdd.some(named)) return true;
  return numeric(u) && Number(u) !== 0 && g === "";
}
