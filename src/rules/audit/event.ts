import type { HostRule, RuleHit } from "../types.js";
import type { Workload } from "../../model/workload.js";
import { MINER_IMAGE, containerLabel, isRisky } from "./util.js";
import { execProgram } from "./exec-program.js";

/**
 * Recent daemon events (`/events?since&until`; dockerd keeps only the last 256): exec into containers
 * that can take over the host, and containers that came and went inside the window (the audit can no
 * longer see their configuration). Indicators to review.
 */
export const recentEvents: HostRule = {
  kind: "host",
  meta: {
    id: "recent-events",
    concern: "event",
    defaultSeverity: "medium",
    title: "Recent daemon events worth a look",
    anchor: "recent-events",
    meaning:
      "An `exec` into a container that holds the runtime socket (or is privileged) is how the socket is used by hand; a container created and removed " +
      "within minutes is how an attacker with API access runs a one-off privileged container and leaves little behind. The daemon keeps only its last 256 events.",
    decision: "Find out who ran these commands (daemon logs, shell history, CI logs); run `sockwarden watch` to keep a record and alert as it happens.",
  },
  check(h, ctx) {
    const hits: RuleHit[] = [];
    const byId = new Map<string, Workload>();
    for (const w of ctx.siblings) if (w.source.container) byId.set(w.source.container.id, w);
    const created = new Map<string, { time: number; image?: string; name?: string }>();
    for (const e of h.events) {
      if (e.type !== "container") continue;
      const action = e.action.split(":")[0]!.trim();
      const when = new Date(e.time * 1000).toISOString();
      if (action === "exec_create" || action === "exec_start") {
        const w = byId.get(e.actor);
        const risky = w ? isRisky(w) : undefined;
        if (w && risky && action === "exec_start") {
          // The program's name only: the rest of the command line may hold secrets (see exec-program.ts).
          const prog = execProgram(e.action);
          hits.push({ key: `exec:${e.actor}:${e.time}`, severity: "medium", message: `At ${when} someone ran a command${prog ? ` (program ${prog})` : ""} inside container ${containerLabel(w)}, which ${risky}.` });
        }
      } else if (action === "create") {
        created.set(e.actor, { time: e.time, ...(e.attributes?.image ? { image: e.attributes.image } : {}), ...(e.attributes?.name ? { name: e.attributes.name } : {}) });
      } else if (action === "destroy") {
        const c = created.get(e.actor);
        if (!c) continue;
        const image = c.image ?? e.attributes?.image ?? "?";
        const miner = MINER_IMAGE.test(image);
        hits.push({
          key: `gone:${e.actor}`,
          severity: miner ? "high" : "low",
          message: `Container ${c.name ?? e.actor.slice(0, 12)} (image ${image}) was created at ${new Date(c.time * 1000).toISOString()} and removed at ${when}: its configuration can no longer be audited.${miner ? " Its image is named like a cryptominer." : ""}`,
        });
      }
    }
    return hits;
  },
};
