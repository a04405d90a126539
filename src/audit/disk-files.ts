/**
 * A container's /etc/passwd and /etc/group read from the daemon's own overlay2 layers, read-only,
 * as the merged root filesystem: the container's upper layer (`overlay2/<mount-id>/diff`), then its
 * lower layers in order (`overlay2/<mount-id>/lower`). Mounts are not applied, on purpose: moby
 * resolves the user from the container's root filesystem before any mount is set up, so a bind
 * over /etc/group does not change the ids (checked against `id` in a real container). Whiteouts (a 0/0 character device) delete,
 * symbolic links are followed inside the container's root (never on the host), and every path
 * component is checked inside each layer so a link in a layer cannot lead out of it. Opaque
 * directories (an xattr Node cannot read) are not honoured: a lower layer's file under a
 * directory deleted and recreated above would still be seen. Other storage drivers: not read.
 */
import { lstat, open, readFile, readlink } from "node:fs/promises";
import { join, posix } from "node:path";
import type { ContainerFileReader, FileRead } from "./container-files.js";

const MAX_HOPS = 16;

type Entry = { kind: "file" | "dir" | "symlink" | "other"; path: string; size: number } | undefined;

/** What layer `layer` holds at `logical` ("/etc/passwd"): absent (look lower), hidden (stop), or an entry. */
async function layerEntry(layer: string, logical: string): Promise<"absent" | "hidden" | Entry> {
  const parts = logical.split("/").filter(Boolean);
  let cur = layer;
  for (let i = 0; i < parts.length; i++) {
    cur = join(cur, parts[i]!);
    let st;
    try {
      st = await lstat(cur);
    } catch {
      return "absent";
    }
    if (st.isCharacterDevice() && st.rdev === 0) return "hidden"; // whiteout: deleted in this layer
    const last = i === parts.length - 1;
    if (!last) {
      if (st.isDirectory()) continue;
      return "hidden"; // a non-directory here hides whatever lower layers have below it
    }
    const kind = st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : "other";
    return { kind, path: cur, size: st.size };
  }
  return { kind: "dir", path: layer, size: 0 };
}

async function mergedEntry(layers: string[], logical: string): Promise<Entry> {
  for (const l of layers) {
    const e = await layerEntry(l, logical);
    if (e === "absent") continue;
    if (e === "hidden") return undefined;
    return e;
  }
  return undefined;
}

async function readBounded(path: string, maxBytes: number, shown: string): Promise<FileRead> {
  const fh = await open(path, "r");
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { ok: false, error: `${shown} is not a regular file in the container` };
    // Worded like the archive reader's refusal, so both doors say the same.
    if (st.size > maxBytes) return { ok: false, error: `refused: ${shown} is ${st.size} bytes, over the ${maxBytes}-byte limit` };
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buf, 0, st.size, 0);
    return { ok: true, text: buf.subarray(0, bytesRead).toString("utf8") };
  } finally {
    await fh.close();
  }
}

/** Resolve `path` in the union of `layers` (container-root semantics) and read it. */
export async function readFromLayers(layers: string[], path: string, maxBytes = 1024 * 1024): Promise<FileRead> {
  let todo = posix.normalize(path).split("/").filter(Boolean);
  let cur = "/";
  for (let hops = 0; todo.length; ) {
    const comp = todo.shift()!;
    if (comp === "..") {
      cur = posix.dirname(cur);
      continue;
    }
    const next = posix.join(cur, comp);
    const e = await mergedEntry(layers, next);
    if (!e) return { ok: false, missing: true, error: `${path} does not exist in the container's layers` };
    if (e.kind === "symlink") {
      if (++hops > MAX_HOPS) return { ok: false, error: `${path}: more than ${MAX_HOPS} symbolic links` };
      const target = await readlink(e.path);
      // Interpreted in the container's root, as the runtime would see it.
      todo = [...target.split("/").filter(Boolean), ...todo];
      if (target.startsWith("/")) cur = "/";
      continue;
    }
    if (todo.length && e.kind !== "dir") return { ok: false, missing: true, error: `${path} does not exist in the container's layers` };
    if (!todo.length) {
      if (e.kind !== "file") return { ok: false, error: `${path} is not a regular file in the container` };
      return readBounded(e.path, maxBytes, path);
    }
    cur = next;
  }
  return { ok: false, error: `${path} is a directory in the container` };
}

/** A reader over `<dockerRoot>` (overlay2): the container's root filesystem without its mounts. */
export function diskFileReader(dockerRoot: string, opts: { maxBytes?: number } = {}): ContainerFileReader {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const layersOf = new Map<string, Promise<string[]>>();
  const layers = (id: string) => {
    let p = layersOf.get(id);
    if (!p) {
      p = (async () => {
        if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`unexpected container id ${JSON.stringify(id)}`);
        const mountId = (await readFile(join(dockerRoot, "image", "overlay2", "layerdb", "mounts", id, "mount-id"), "utf8").catch(() => {
          throw new Error("no overlay2 layer record for this container (another storage driver?): not read");
        })).trim();
        if (!/^[0-9a-f]{64}$/.test(mountId)) throw new Error(`unexpected overlay2 mount id ${JSON.stringify(mountId.slice(0, 80))}`);
        const base = join(dockerRoot, "overlay2");
        const lower = (await readFile(join(base, mountId, "lower"), "utf8").catch(() => "")).trim();
        const lowers = lower ? lower.split(":").filter((l) => /^l\/[A-Z0-9]+$/.test(l)).map((l) => join(base, l)) : [];
        return [join(base, mountId, "diff"), ...lowers];
      })();
      layersOf.set(id, p);
    }
    return p;
  };
  return {
    async read(id, path) {
      try {
        return await readFromLayers(await layers(id), path, maxBytes);
      } catch (e) {
        return { ok: false, error: (e as Error).message };
      }
    },
    close() {},
  };
}
