/**
 * `-v/--volume` and `--mount` specs as the docker CLI reads them (cli/compose/loader/volume.go
 * for `-v`, opts/mount.go for `--mount`). Pure: text in, `Mount` out; never throws.
 */
import type { Mount } from "../../model/workload.js";
import type { Pos } from "../../model/location.js";

const DRIVE = /^[a-zA-Z]:[\\/]/;
const PIPE = /^[\\/]{2}\.[\\/]pipe[\\/]/i;

/** Does a `-v` source look like a host path (rather than a named volume)? `$X` counts: it is a
 *  path far more often than a volume name (`$PWD`, `$HOME`, `${SOCK}`). */
function looksLikeHostPath(src: string): boolean {
  return src.startsWith("/") || src.startsWith("~") || src.startsWith(".") || src.startsWith("$") || src.startsWith("\\") || DRIVE.test(src);
}

/** Split `src:dst:mode` the way docker does on Linux, keeping a Windows drive letter or named pipe whole. */
function splitVolumeSpec(spec: string): string[] {
  const parts: string[] = [];
  let rest = spec;
  while (rest.length) {
    let head = "";
    if (DRIVE.test(rest)) {
      head = rest.slice(0, 2);
      rest = rest.slice(2);
    }
    const k = rest.indexOf(":");
    if (k < 0) {
      parts.push(head + rest);
      break;
    }
    parts.push(head + rest.slice(0, k));
    rest = rest.slice(k + 1);
    if (!rest.length) parts.push("");
  }
  return parts;
}

/** `-v SPEC`. `uncertain` is passed through from word resolution. */
export function parseVolumeSpec(spec: string, at: Pos | undefined, uncertain?: string): Mount {
  const parts = splitVolumeSpec(spec);
  let src: string | undefined;
  let dst: string | undefined;
  let mode = "";
  if (parts.length === 1) dst = parts[0];
  else if (parts.length === 2) [src, dst] = parts;
  else {
    src = parts[0];
    dst = parts[1];
    mode = parts.slice(2).join(":");
  }
  const modes = mode.split(",").map((m) => m.trim().toLowerCase());
  const readOnly = modes.includes("ro") || modes.includes("readonly");
  const m: Mount = { type: "volume", readOnly };
  if (dst !== undefined && dst !== "") m.target = dst;
  if (src !== undefined && src !== "") {
    m.source = src;
    if (PIPE.test(src)) {
      m.type = "npipe";
      m.hostPath = src;
    } else if (looksLikeHostPath(src)) {
      m.type = "bind";
      m.hostPath = src;
    }
  }
  if (at) m.at = at;
  if (uncertain) m.uncertain = uncertain;
  return m;
}

/** Split a `--mount` value: comma-separated fields, `"` quoting as in Go's encoding/csv. */
export function splitCsv(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += c;
    } else if (c === '"') q = true;
    else if (c === ",") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function truthy(v: string | undefined): boolean {
  if (v === undefined) return true;
  const s = v.trim().toLowerCase();
  return s === "" || s === "true" || s === "1" || s === "yes";
}

/** `--mount type=bind,src=…,dst=…,readonly` (every key spelling docker and podman accept). */
export function parseMountSpec(spec: string, at: Pos | undefined, uncertain?: string): Mount {
  let type = "volume";
  let src: string | undefined;
  let dst: string | undefined;
  let readOnly = false;
  let driver: string | undefined;
  const volOpts: Record<string, string> = {};
  for (const field of splitCsv(spec)) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    switch (key) {
      case "type":
        type = (val ?? "").trim().toLowerCase();
        break;
      case "source":
      case "src":
        src = val;
        break;
      case "target":
      case "destination":
      case "dst":
        dst = val;
        break;
      case "readonly":
      case "ro":
        readOnly = truthy(val);
        break;
      case "rw":
        readOnly = !truthy(val);
        break;
      case "volume-driver":
        driver = val;
        break;
      case "volume-opt": {
        const v = val ?? "";
        const k = v.indexOf("=");
        if (k > 0) volOpts[v.slice(0, k).trim()] = v.slice(k + 1);
        break;
      }
      default:
        break;
    }
  }
  const m: Mount = { type: "unknown", readOnly };
  if (type === "bind") m.type = "bind";
  else if (type === "volume") m.type = "volume";
  else if (type === "tmpfs" || type === "ramfs") m.type = "tmpfs";
  else if (type === "npipe") m.type = "npipe";
  else if (type === "image") m.type = "image";
  if (src !== undefined && src !== "") m.source = src;
  if (dst !== undefined && dst !== "") m.target = dst;
  if ((m.type === "bind" || m.type === "npipe") && src) m.hostPath = src;
  if (m.type === "volume") {
    if (driver) m.driver = driver;
    // A local volume with `o=bind` and `device=/path` is a bind mount of that host path.
    const o = (volOpts["o"] ?? "").split(",").map((x) => x.trim());
    const device = volOpts["device"];
    if (device && (o.includes("bind") || o.includes("rbind")) && (!driver || driver === "local")) {
      m.hostPath = device;
      m.via = `volume-opt device=${device}`;
    }
  }
  if (type !== "bind" && type !== "volume" && type !== "tmpfs" && type !== "npipe" && type !== "image" && type !== "ramfs") {
    // podman `type=glob`/`devpts` or a typo: keep what it binds when it names a host source.
    if (src && (type === "glob" || type === "")) m.hostPath = src;
  }
  if (at) m.at = at;
  if (uncertain) m.uncertain = uncertain;
  return m;
}
