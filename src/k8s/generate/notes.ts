/** Text shared by the generators: what a target cannot do, said in the generated file. */
import { CEL_MAX_INDEX } from "./cel.js";
import { WORKLOAD_RESOURCES, type GenFacts } from "./facts.js";

export function breakGlassNote(facts: GenFacts): string {
  const lines = facts.breakGlass.map((b) => `break-glass: namespace ${b.namespace}: ${b.reason} (owner ${b.owner}, expires ${b.expires})`);
  lines.push(
    "CEL has no clock at admission, so an expiry cannot be enforced by the policy itself: entries",
    `already expired on ${facts.now.toISOString().slice(0, 10)} were left out when this file was generated` +
      (facts.expiredBreakGlass.length ? ` (${facts.expiredBreakGlass.map((b) => `${b.namespace}, expired ${b.expires}`).join("; ")})` : "") +
      ".",
    "Regenerate at least daily (or at each expiry) so an expired entry stops admitting.",
  );
  return lines.join("\n");
}

export function exceptionsNote(facts: GenFacts): string {
  const line = (e: GenFacts["exceptions"][number]) => `  - ${e.concern} ${JSON.stringify(e.match)} (${e.reason}; owner ${e.owner}; expires ${e.expires})`;
  const out: string[] = [];
  if (facts.carriedExceptions.length) {
    out.push(
      `Exceptions carried (namespace/name/kind globs; CEL has no clock, so each stops only when this file is regenerated after its expiry):`,
      ...facts.carriedExceptions.map(line),
    );
  }
  if (facts.exceptions.length) {
    out.push(
      `The policy file's other ${facts.exceptions.length} exception(s) are NOT carried into this file: matches on container, image,`,
      "file, object, label or host (or other glob syntax) have no faithful translation here, so this policy is stricter",
      "than `sockwarden webhook` for the objects they cover:",
      ...facts.exceptions.map(line),
    );
  }
  if (facts.expiredExceptions.length) out.push(`Expired exceptions left out: ${facts.expiredExceptions.map((e) => `${e.concern} ${JSON.stringify(e.match)} (expired ${e.expires})`).join("; ")}.`);
  return out.length ? out.join("\n") : "The policy file has no exceptions.";
}

export function limitsNote(): string {
  return [
    "Path normalization in CEL (as sockwarden's normalizeHostPath): trim, `//` and `/./` collapse, trailing `/`",
    "dropped, `..` resolved (never above `/`), `/var/run` read as `/run`. CEL has no loops: segments are",
    `indexed through the literal list \`variables.idx\` (0…${CEL_MAX_INDEX - 1}); a pod with more hostPath mounts or a path`,
    "with more segments is denied (fail closed). Nested lists are flattened with join/split on NUL.",
  ].join("\n");
}

/** admissionregistration resource rules for every kind the webhook judges, CREATE and UPDATE. */
export function resourceRules(): { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const r of WORKLOAD_RESOURCES) {
    const list = groups.get(r.group) ?? [];
    list.push(r.resource);
    if (r.resource === "pods") list.push("pods/ephemeralcontainers");
    groups.set(r.group, list);
  }
  return [...groups].map(([g, resources]) => ({ apiGroups: [g], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources }));
}
