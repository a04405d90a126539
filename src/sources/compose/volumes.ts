/**
 * Compose volume syntax → `Mount`s: short (`src:dst[:opts]`, `dst`, `vol:dst`), long
 * (`type/source/target/read_only`), top-level named volumes whose `driver_opts` bind a host
 * directory, and service-level `tmpfs`. Paths are kept as written (rules normalize them through
 * hostpath.ts); only relative bind sources are joined to the directory of the file that wrote
 * them, and they stay relative: they point into the repository, not at the host's system.
 */
import { posix } from "node:path";
import type { Mount, MountType } from "../../model/workload.js";
import type { Pos } from "../../model/location.js";
import { yget, ystr, type YValue, type YMap } from "../yamldoc.js";
import { uncertainOf } from "./interpolate.js";
import { composeBool, joinNotes } from "./values.js";

export interface ShortVolume {
  source?: string;
  target?: string;
  options: string[];
}

/** Split like compose-go's ParseVolume: `:` separates fields, except right after a one-letter
 *  field (a Windows drive, `C:\data`). */
export function parseShortVolume(spec: string): ShortVolume {
  const fields: string[] = [];
  let buf = "";
  let braces = 0; // an unresolved `${VAR:-x}` kept as written is one piece
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i]!;
    if (ch === "$" && spec[i + 1] === "{") braces++;
    else if (ch === "}" && braces > 0) braces--;
    if (ch === ":" && braces === 0 && !(buf.length === 1 && /[A-Za-z]/.test(buf))) {
      fields.push(buf);
      buf = "";
    } else buf += ch;
  }
  fields.push(buf);
  if (fields.length === 1) return { target: fields[0], options: [] };
  const [source, target, mode] = fields;
  const options = mode ? mode.split(",").map((o) => o.trim()).filter(Boolean) : [];
  // More than three fields is a Compose error; keep what we can read, the rest as options.
  for (const extra of fields.slice(3)) options.push(extra);
  return { source, target, options };
}

/** compose-go's isFilePath: what makes a short-syntax source a bind rather than a volume name. */
export function isFilePath(source: string): boolean {
  if (!source) return false;
  if (source[0] === "." || source[0] === "/" || source[0] === "~") return true;
  if (source.startsWith("\\\\")) return true;
  return /^[A-Za-z]:/.test(source);
}

export interface MountContext {
  /** The file the workload is reported under. */
  file: string;
  /** Top-level `volumes:` of the project. */
  volumes?: YValue;
  fixPos(pos: Pos | undefined): Pos | undefined;
}

function dirOf(file: string): string {
  const d = posix.dirname(file);
  return d === "" ? "." : d;
}

/** Host side of a bind source as far as a file can tell. */
export function bindHostPath(source: string, writtenIn: string): { hostPath?: string; note?: string } {
  if (source.startsWith("~")) return { hostPath: source, note: "`~` is the home directory of whoever runs Compose" };
  if (source.startsWith("/") || source.startsWith("\\\\") || /^[A-Za-z]:[\\/]/.test(source)) return { hostPath: source };
  if (source.startsWith(".")) {
    // Inside the project: keep it relative to the scan root (it is repository content).
    const rel = posix.normalize(posix.join(dirOf(writtenIn), source));
    if (rel === ".." || rel.startsWith("../")) return { hostPath: rel, note: `relative path \`${source}\` leaves the scanned tree; where it lands depends on where the repository is checked out` };
    return { hostPath: rel };
  }
  if (source.includes("${") || source.includes("$")) {
    // An unresolved variable: a path if it has a slash (volume names cannot), else unknown.
    return source.includes("/") ? { hostPath: source } : {};
  }
  return { hostPath: source };
}

function isNamedPipe(s: string): boolean {
  return /^[\\/]{2}\.[\\/]pipe[\\/]/i.test(s);
}

/** One `volumes:` list item of a service. */
export function mountFromItem(item: YValue, mc: MountContext): Mount | undefined {
  if (item.kind === "scalar") return mountFromShort(item, mc);
  if (item.kind === "map") return mountFromLong(item, mc);
  return undefined;
}

function mountFromShort(item: YValue, mc: MountContext): Mount | undefined {
  const spec = ystr(item);
  if (spec === undefined) return undefined;
  const at = mc.fixPos(item.pos);
  const written = item.pos?.file ?? mc.file;
  const notes: (string | undefined)[] = [uncertainOf(item)];
  const sv = parseShortVolume(spec.trim());
  const readOnly = sv.options.includes("ro");
  const m: Mount = { type: "volume", readOnly };
  if (sv.target !== undefined) m.target = sv.target;
  if (at) m.at = at;
  if (!sv.source) {
    // Anonymous volume: no host side.
  } else if (isNamedPipe(sv.source)) {
    m.type = "npipe";
    m.source = sv.source;
    m.hostPath = sv.source;
  } else if (isFilePath(sv.source)) {
    m.type = "bind";
    m.source = sv.source;
    const h = bindHostPath(sv.source, written);
    if (h.hostPath !== undefined) m.hostPath = h.hostPath;
    notes.push(h.note);
  } else if (sv.source.includes("$")) {
    // `${SOCK}:/var/run/docker.sock` with SOCK unset: bind or volume depends on the value.
    const h = bindHostPath(sv.source, written);
    m.type = h.hostPath !== undefined ? "bind" : "unknown";
    m.source = sv.source;
    if (h.hostPath !== undefined) m.hostPath = h.hostPath;
  } else {
    m.source = sv.source;
    applyNamedVolume(m, sv.source, mc, notes);
  }
  const u = joinNotes(notes);
  if (u) m.uncertain = u;
  return m;
}

const LONG_TYPES: Record<string, MountType> = { bind: "bind", volume: "volume", tmpfs: "tmpfs", npipe: "npipe", image: "image" };

function mountFromLong(item: YMap, mc: MountContext): Mount | undefined {
  const srcV = yget(item, "source");
  const tgtV = yget(item, "target");
  const typeV = yget(item, "type");
  const source = ystr(srcV);
  const target = ystr(tgtV);
  const written = srcV?.pos?.file ?? item.pos?.file ?? mc.file;
  const notes: (string | undefined)[] = [uncertainOf(srcV), uncertainOf(typeV)];
  let typeStr = ystr(typeV);
  if (!typeStr) typeStr = source === undefined ? "volume" : isFilePath(source) ? "bind" : "volume";
  const type: MountType = LONG_TYPES[typeStr] ?? "unknown";
  const ro = composeBool(yget(item, "read_only"));
  const m: Mount = { type, readOnly: ro === true };
  if (source !== undefined) m.source = source;
  if (target !== undefined) m.target = target;
  const at = mc.fixPos(srcV?.pos ?? item.pos);
  if (at) m.at = at;
  if (type === "bind" && source !== undefined) {
    const h = bindHostPath(source, written);
    if (h.hostPath !== undefined) m.hostPath = h.hostPath;
    notes.push(h.note);
  } else if (type === "npipe" && source !== undefined) {
    m.hostPath = source;
  } else if (type === "volume" && source) {
    applyNamedVolume(m, source, mc, notes);
  }
  const u = joinNotes(notes);
  if (u) m.uncertain = u;
  return m;
}

/** A named volume: does its top-level definition bind a host directory? */
function applyNamedVolume(m: Mount, name: string, mc: MountContext, notes: (string | undefined)[]): void {
  const def = yget(mc.volumes, name);
  if (!def || def.kind !== "map") return; // undeclared or `name:` with no settings: a plain Docker volume
  const driver = ystr(yget(def, "driver"));
  if (driver) m.driver = driver;
  const ext = yget(def, "external");
  if (composeBool(ext) === true || ext?.kind === "map") {
    notes.push(`\`${name}\` is an external volume: how it was created (and whether it binds a host path) is not in this file`);
    return;
  }
  const opts = yget(def, "driver_opts");
  if (opts?.kind !== "map") return;
  const device = yget(opts, "device");
  const o = ystr(yget(opts, "o")) ?? "";
  const t = ystr(yget(opts, "type")) ?? "";
  const deviceStr = ystr(device);
  const bindOpt = o.split(",").some((x) => ["bind", "rbind"].includes(x.trim()));
  if (deviceStr && (bindOpt || t === "none") && !deviceStr.startsWith(":")) {
    // compose-go resolves a relative bind device against the project directory, as for binds.
    const h = bindHostPath(deviceStr, device?.pos?.file ?? mc.file);
    m.hostPath = h.hostPath ?? deviceStr;
    m.via = `named volume \`${name}\` (driver_opts device=${deviceStr})`;
    notes.push(uncertainOf(device), h.note);
    return;
  }
  // Plugin drivers such as local-persist take the host directory as `mountpoint`.
  const mp = yget(opts, "mountpoint");
  const mpStr = ystr(mp);
  if (mpStr) {
    m.hostPath = mpStr;
    m.via = `named volume \`${name}\` (driver_opts mountpoint=${mpStr})`;
    notes.push(uncertainOf(mp));
  }
}

/** Service-level `tmpfs: /run` or a list of them: memory, never a host path. */
export function tmpfsMounts(v: YValue | undefined, mc: MountContext): Mount[] {
  const items = v?.kind === "seq" ? v.items : v ? [v] : [];
  const out: Mount[] = [];
  for (const it of items) {
    const s = ystr(it);
    if (!s) continue;
    const m: Mount = { type: "tmpfs", target: s.split(":")[0]!, readOnly: false };
    const at = mc.fixPos(it.pos);
    if (at) m.at = at;
    out.push(m);
  }
  return out;
}

/** The container path a volume item mounts at (for merging `extends` by target). */
export function volumeTarget(item: YValue): string | undefined {
  if (item.kind === "scalar") {
    const s = ystr(item);
    return s === undefined ? undefined : parseShortVolume(s.trim()).target;
  }
  return ystr(yget(item, "target"));
}
