import type { HostRule, RuleHit } from "../types.js";
import { containerLabel, isRisky } from "./util.js";

/** Host files that grant persistence (units, cron, authorized_keys, ld.so.preload, sudoers) modified
 *  after a container able to take over the host started. An indicator to review, never proof. */
export const persistenceSigns: HostRule = {
  kind: "host",
  meta: {
    id: "persistence-signs",
    concern: "persistence",
    defaultSeverity: "medium",
    title: "Persistence files changed after a risky container started",
    anchor: "persistence-signs",
    meaning:
      "Whoever controls a container with the runtime socket, a privileged flag or a writable host / can leave a systemd unit, a cron job, an SSH key, " +
      "an ld.so.preload library or a sudoers line behind. A change after such a container started is not proof (package upgrades and admins change these files too), but it is where to look first.",
    decision: "Review each file's change (content, package manager logs, who was logged in). If unexplained, treat the host as compromised.",
  },
  check(h, ctx) {
    const risky = ctx.siblings
      .map((w) => ({ w, why: isRisky(w), started: typeof w.facts?.startedAt === "string" ? Date.parse(w.facts.startedAt) : NaN }))
      .filter((x) => x.why && Number.isFinite(x.started))
      .sort((a, b) => a.started - b.started);
    if (!risky.length) return [];
    const first = risky[0]!;
    const hits: RuleHit[] = [];
    for (const p of h.persistence) {
      if (p.modified < first.started) continue;
      hits.push({
        key: `${p.path}:${p.modified}`,
        message: `${p.path} (${p.why}) was modified at ${new Date(p.modified).toISOString()}, after container ${containerLabel(first.w)} (which ${first.why}) started at ${new Date(first.started).toISOString()}. An indicator to review, not proof.`,
      });
    }
    return hits;
  },
};
