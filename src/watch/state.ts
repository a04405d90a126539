/**
 * The watcher's memory across restarts: first-seen times of images and findings (so alerts can
 * say "new since" and a restart does not re-alert what was already reported) and the last event
 * time (so a restarted watcher asks the daemon to replay what happened while it was down).
 * One section per daemon endpoint. Written atomically (temp file + rename), never half-written.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, unlinkSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface FindingMemo {
  firstSeen: string;
  alertId: string;
  severity: string;
  /** `container:<id>`, `volume:<name>`, `plugin:<id>`, `image:<id>`, `watcher`: lets the watcher
   *  forget a removed container's findings (its id never comes back). */
  subject: string;
}

export interface ImageMemo {
  firstSeen: string;
  names: string[];
}

export interface DaemonState {
  /** Last event seen, ns since the epoch (decimal string: beyond 2^53). */
  lastEventTimeNano?: string;
  /** True once the host's images were recorded, so later images are "new". */
  imagesSeeded?: boolean;
  images: Record<string, ImageMemo>;
  findings: Record<string, FindingMemo>;
}

export interface WatchStateFile {
  version: 1;
  daemons: Record<string, DaemonState>;
}

export function emptyDaemonState(): DaemonState {
  return { images: {}, findings: {} };
}

/** `$XDG_STATE_HOME/sockwarden/watch-state.json`, else `~/.local/state/sockwarden/watch-state.json`. */
export function defaultStatePath(env: Record<string, string | undefined> = process.env, home = homedir()): string {
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec: a relative value is invalid and must be ignored.
  const base = xdg && xdg.startsWith("/") ? xdg : join(home, ".local", "state");
  return join(base, "sockwarden", "watch-state.json");
}

/** Check the shape; anything unexpected becomes an empty state rather than a crash later. */
export function parseState(text: string): WatchStateFile {
  const j = JSON.parse(text) as unknown;
  if (!j || typeof j !== "object" || (j as { version?: unknown }).version !== 1) throw new Error("not a sockwarden watch state file (version 1)");
  const daemons: Record<string, DaemonState> = {};
  const raw = (j as { daemons?: unknown }).daemons;
  if (raw && typeof raw === "object") {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (!v || typeof v !== "object") continue;
      const d = v as Record<string, unknown>;
      const st = emptyDaemonState();
      if (typeof d.lastEventTimeNano === "string" && /^\d{1,25}$/.test(d.lastEventTimeNano)) st.lastEventTimeNano = d.lastEventTimeNano;
      if (d.imagesSeeded === true) st.imagesSeeded = true;
      if (d.images && typeof d.images === "object") {
        for (const [id, m] of Object.entries(d.images as Record<string, unknown>)) {
          const mm = m as Partial<ImageMemo>;
          if (mm && typeof mm.firstSeen === "string") st.images[id] = { firstSeen: mm.firstSeen, names: Array.isArray(mm.names) ? mm.names.filter((x): x is string => typeof x === "string") : [] };
        }
      }
      if (d.findings && typeof d.findings === "object") {
        for (const [fp, m] of Object.entries(d.findings as Record<string, unknown>)) {
          const mm = m as Partial<FindingMemo>;
          if (mm && typeof mm.firstSeen === "string" && typeof mm.alertId === "string") st.findings[fp] = { firstSeen: mm.firstSeen, alertId: mm.alertId, severity: String(mm.severity ?? ""), subject: String(mm.subject ?? "") };
        }
      }
      daemons[k] = st;
    }
  }
  return { version: 1, daemons };
}

export interface LoadedState {
  state: WatchStateFile;
  /** Set when the file existed but could not be used (it was moved aside). */
  problem?: string;
}

/** Read the state file. Missing → empty. Unreadable or corrupt → empty, the bad file renamed to
 *  `<path>.corrupt-<ms>` (kept for a person to look at) and the problem returned for the log. */
export function loadState(path: string): LoadedState {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { state: { version: 1, daemons: {} } };
    throw new Error(`cannot read watch state file ${path}: ${(e as Error).message}`);
  }
  try {
    return { state: parseState(text) };
  } catch (e) {
    const aside = `${path}.corrupt-${Date.now()}`;
    try {
      renameSync(path, aside);
    } catch {
      /* leave it; we will overwrite it */
    }
    return { state: { version: 1, daemons: {} }, problem: `watch state file ${path} is unusable (${(e as Error).message}); moved it to ${aside} and starting fresh` };
  }
}

/** Atomic write: a temp file beside the target, then rename over it. */
export function saveState(path: string, state: WatchStateFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(state) + "\n", { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw e;
  }
}
