/**
 * Docker `/events` messages → one normalized shape. Reads only the fields every API version
 * sends (`Type`, `Action`, `Actor.ID`, `Actor.Attributes`, `time`, `timeNano`): API ≥ 1.52
 * dropped the legacy `status`/`id`/`from` (REFERENCE.md §2.4).
 *
 * `timeNano` is parsed from the raw line, not from `JSON.parse`: 1.8e18 is beyond 2^53, and a
 * rounded value would make `since=` skip or repeat events on reconnect.
 */

/** Event types the watcher follows (the `type` filter sent to the daemon). */
export const WATCHED_TYPES = ["container", "image", "volume", "plugin", "network"] as const;

export interface EngineEvent {
  type: string;
  /** The action word only: `exec_create: sh -c …` → `exec_create` (the command may hold secrets). */
  action: string;
  actorId: string;
  /** Actor attributes (`name`, `image`, `execID`, `driver`, labels). */
  attributes: Record<string, string>;
  /** Exact nanoseconds since the epoch, as the daemon sent them. */
  timeNano: bigint;
  scope?: string;
}

const TIME_NANO = /"timeNano"\s*:\s*(\d{1,25})\b/;

/** Parse one line of the stream. Returns undefined for a line that is not an event object. */
export function parseEventLine(line: string): EngineEvent | undefined {
  const t = line.replace(/^\x1e/, "").trim();
  if (!t) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!o || typeof o !== "object" || Array.isArray(o)) return undefined;
  const rec = o as Record<string, unknown>;
  const type = typeof rec.Type === "string" ? rec.Type : "";
  const rawAction = typeof rec.Action === "string" ? rec.Action : "";
  if (!type || !rawAction) return undefined;
  const actor = (rec.Actor && typeof rec.Actor === "object" ? rec.Actor : {}) as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  if (actor.Attributes && typeof actor.Attributes === "object") {
    for (const [k, v] of Object.entries(actor.Attributes as Record<string, unknown>)) if (typeof v === "string") attributes[k] = v;
  }
  let timeNano: bigint;
  const m = TIME_NANO.exec(t);
  if (m) timeNano = BigInt(m[1]!);
  else if (typeof rec.time === "number" && Number.isFinite(rec.time)) timeNano = BigInt(Math.trunc(rec.time)) * 1_000_000_000n;
  else return undefined;
  const ev: EngineEvent = { type, action: actionWord(rawAction), actorId: typeof actor.ID === "string" ? actor.ID : "", attributes, timeNano };
  if (typeof rec.scope === "string") ev.scope = rec.scope;
  return ev;
}

/** `exec_create: sh -c x` → `exec_create`; `health_status: healthy` → `health_status`. */
export function actionWord(action: string): string {
  const i = action.indexOf(":");
  return (i < 0 ? action : action.slice(0, i)).trim();
}

/** The daemon's `since`/`until` syntax: `<seconds>.<nanoseconds>` (9 digits). */
export function timestampParam(timeNano: bigint): string {
  const s = timeNano / 1_000_000_000n;
  const ns = timeNano % 1_000_000_000n;
  return `${s}.${ns.toString().padStart(9, "0")}`;
}

export function nanoToIso(timeNano: bigint): string {
  return new Date(Number(timeNano / 1_000_000n)).toISOString();
}

export function msToNano(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 1_000_000n;
}

/** Identity of one event, to drop the repeat a `since=<last timeNano>` replay sends back
 *  (the daemon replays events with `timeNano >= since`). */
export function eventKey(e: EngineEvent): string {
  return `${e.timeNano}\u0000${e.type}\u0000${e.action}\u0000${e.actorId}\u0000${e.attributes.execID ?? ""}`;
}

/** The `filters` query value. */
export function eventFilters(): string {
  return JSON.stringify({ type: [...WATCHED_TYPES] });
}

/** Actions that make an image appear on the host (`create` only from API 1.46). */
export const IMAGE_ARRIVAL_ACTIONS = new Set(["pull", "import", "load", "tag", "create", "commit"]);
/** Plugin actions that give a plugin its privileges. */
export const PLUGIN_INSTALL_ACTIONS = new Set(["install", "create", "enable", "upgrade"]);

/** A metric label value from an action: known words only, so a label never carries data. */
export function actionLabel(action: string): string {
  return /^[a-z_]{1,32}$/.test(action) ? action : "other";
}
