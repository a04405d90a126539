/**
 * What only a watcher can see: facts about *events* (an exec into a container that holds a
 * runtime socket, a container gone before it could be inspected, a gap in the event stream, an
 * image or plugin arriving). Container, volume and plugin *configurations* are judged by the
 * shared rules (`evaluate`); these metas only describe the event-level alerts, built with the
 * engine's own `toFinding` so they carry meaning, decision, fingerprint and the policy's action
 * like every other finding.
 */
import type { RuleMeta, RuleHit } from "../rules/types.js";
import type { Finding } from "../model/finding.js";
import type { FindingLocation } from "../model/location.js";
import type { Policy } from "../policy/types.js";
import { toFinding, setting } from "../rules/evaluate.js";
import { exceptionMatches, isExpired, type MatchSubject } from "../policy/match.js";

const DOCS = "watch";

export const execIntoSocketHolder: RuleMeta = {
  id: "watch-exec-into-socket-holder",
  concern: "event",
  defaultSeverity: "high",
  title: "Command executed inside a container that holds a runtime socket",
  anchor: `${DOCS}-exec-into-socket-holder`,
  meaning:
    "`docker exec` into a container that has the runtime socket gives the exec'd process the same reach: it can ask the runtime for a " +
    "privileged container with the host's / mounted. It is how an attacker who got an exec (CI job, compromised dashboard, leaked API) moves on to the host.",
  decision:
    "Check who ran the exec and why (daemon logs, audit logs, the proxy's log). Remove the socket from the container, or put a filtering proxy in front of it.",
};

export const inspectRace: RuleMeta = {
  id: "watch-container-gone-before-inspect",
  concern: "event",
  defaultSeverity: "medium",
  title: "Container removed before its configuration could be read",
  anchor: `${DOCS}-container-gone-before-inspect`,
  meaning:
    "A container was created and removed so fast (or while the watcher was away) that its configuration could not be read. " +
    "Short-lived containers are how socket and host-root abuse hides from periodic audits.",
  decision: "Look at the daemon's logs around that time and at who can reach the API; keep the watcher running close to the daemon.",
};

export const streamGap: RuleMeta = {
  id: "watch-event-gap",
  concern: "event",
  defaultSeverity: "medium",
  title: "The event stream was interrupted: events may have been missed",
  anchor: `${DOCS}-event-gap`,
  meaning:
    "The watcher lost its connection to the daemon's event stream. It asked the daemon to replay everything since the last event it saw, " +
    "but the daemon keeps only its last 256 events in memory and forgets them when it restarts; a full audit ran on reconnect to catch what still exists.",
  decision: "Find out why the stream dropped (daemon restart, network, the watcher was stopped). Containers created and removed during the gap cannot be seen any more.",
};

export const imageNew: RuleMeta = {
  id: "watch-image-new",
  concern: "image",
  defaultSeverity: "info",
  title: "Image new to this host",
  anchor: `${DOCS}-image-new`,
  meaning: "An image appeared on the host that the watcher had not seen before (pulled, imported, loaded, committed or tagged).",
  decision: "Expected for deployments; unexpected images (imported tarballs, odd names) are worth a look.",
};

export const imageNotAllowed: RuleMeta = {
  id: "watch-image-not-allowed",
  concern: "image",
  defaultSeverity: "medium",
  title: "Image outside the policy's allow.images",
  anchor: `${DOCS}-image-not-allowed`,
  meaning: "The policy lists the images allowed on this host (`allow.images`); this one matches none of them.",
  decision: "Remove the image or the container, or add the image to `allow.images` in sockwarden.yaml.",
};

export const pluginInstalled: RuleMeta = {
  id: "watch-plugin-installed",
  concern: "event",
  defaultSeverity: "medium",
  title: "Docker plugin installed or enabled",
  anchor: `${DOCS}-plugin-installed`,
  meaning:
    "Docker plugins run as root on the host with the privileges they ask for at install time (host mounts, devices, capabilities, host network). " +
    "Installing one is as powerful as starting a privileged container.",
  decision: "Make sure the install was intended and the privileges it was granted are needed; remove it otherwise (`docker plugin rm`).",
};

export const WATCH_METAS: readonly RuleMeta[] = [execIntoSocketHolder, inspectRace, streamGap, imageNew, imageNotAllowed, pluginInstalled];

/**
 * A finding for a watcher-level fact, with the policy applied the way `evaluate` applies it:
 * `off` → none; `warn`/`deny` → the action; a live exception that matches → suppressed.
 */
export function watchFinding(meta: RuleMeta, hit: RuleHit, policy: Policy, place: { location: FindingLocation; object: string; subjectKey: string; subject?: Partial<MatchSubject> }, now: Date): Finding | undefined {
  if (setting(policy, meta.concern) === "off") return undefined;
  const f = toFinding(meta, hit, policy, place);
  const subject: MatchSubject = { concern: f.concern, object: place.object, ...(place.subject ?? {}) };
  for (const e of policy.exceptions) {
    if (isExpired(e.expires, now)) continue;
    if (e.concern !== "*" && e.concern !== f.concern) continue;
    if (!exceptionMatches(e, subject)) continue;
    f.suppressed = true;
    f.suppression = { kind: "exception", reason: e.reason, owner: e.owner, expires: e.expires, source: e.line ? `${e.source}:${e.line}` : e.source };
    break;
  }
  return f;
}
