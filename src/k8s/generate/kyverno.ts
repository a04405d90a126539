/**
 * Kyverno ClusterPolicy (kyverno.io/v1) whose rules carry the same CEL as the
 * ValidatingAdmissionPolicy (validate.cel, Kyverno ≥ 1.11; per-rule failureAction, ≥ 1.13).
 * Kyverno's JMESPath patterns cannot resolve `..`, collapse `//` or read `/var/run` as `/run`
 * (wildcard patterns only), which is why the CEL form is generated. Pure.
 */
import type { Policy } from "../../policy/types.js";
import { celLimitValidation, celUnchangedUpdate, celValidations, celVariables } from "./cel.js";
import { GENERATED_CONCERNS, WORKLOAD_RESOURCES, genFacts, type GenerateOptions } from "./facts.js";
import { breakGlassNote, exceptionsNote, limitsNote } from "./notes.js";
import type { OutDoc } from "./render.js";

export interface KyvernoOptions extends GenerateOptions {
  excludeNamespaces?: string[];
}

export function kyvernoDocuments(policy: Policy, opts: KyvernoOptions = {}): OutDoc[] {
  const facts = genFacts(policy, opts);
  const validations = celValidations(facts);
  const exclude = opts.excludeNamespaces ?? ["kube-system"];
  const kinds = WORKLOAD_RESOURCES.flatMap((r) => (r.kind === "Pod" ? ["Pod", "Pod/ephemeralcontainers"] : [r.kind]));
  const rules: Record<string, unknown>[] = [];
  const nodeComments: OutDoc["nodeComments"] = [];
  for (const action of ["deny", "warn"] as const) {
    const concerns = GENERATED_CONCERNS.filter((c) => facts.settings[c] === action);
    if (concerns.length === 0) continue;
    const expressions = concerns.flatMap((c) => validations[c]);
    const pathConcern = concerns.find((c) => c === "socket-mount") ?? concerns.find((c) => c === "host-path");
    if (pathConcern) expressions.push(celLimitValidation(pathConcern));
    const excluded = [...new Set([...exclude, ...(action === "deny" ? facts.breakGlass.map((b) => b.namespace) : [])])];
    const i = rules.length;
    rules.push({
      name: `sockwarden-${action}`,
      match: { any: [{ resources: { kinds, operations: ["CREATE", "UPDATE"] } }] },
      ...(excluded.length ? { exclude: { any: [{ resources: { namespaces: excluded } }] } } : {}),
      ...(action === "deny" ? { celPreconditions: [{ name: "pod-spec-changed", expression: celUnchangedUpdate() }] } : {}),
      validate: {
        failureAction: action === "deny" ? "Enforce" : "Audit",
        cel: { variables: celVariables(), expressions },
      },
    });
    nodeComments.push({ path: ["spec", "rules", i, "validate", "cel", "variables"], comment: limitsNote() });
    if (action === "deny" && facts.breakGlass.length) nodeComments.push({ path: ["spec", "rules", i, "exclude"], comment: breakGlassNote(facts) });
  }
  if (rules.length === 0) return [];
  return [
    {
      comment: `Kyverno ≥ 1.13. Enforce: ${GENERATED_CONCERNS.filter((c) => facts.settings[c] === "deny").join(", ") || "none"}; warn (Audit + emitWarning): ${GENERATED_CONCERNS.filter((c) => facts.settings[c] === "warn").join(", ") || "none"}.\n${exceptionsNote(facts)}`,
      nodeComments,
      obj: {
        apiVersion: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: {
          name: opts.name ?? "sockwarden",
          annotations: {
            // The kinds are listed explicitly; Kyverno must not add its own pod-controller rules.
            "pod-policies.kyverno.io/autogen-controllers": "none",
            "policies.kyverno.io/title": "sockwarden: runtime sockets and host escapes",
            "policies.kyverno.io/category": "Pod Security",
            "policies.kyverno.io/subject": "Pod",
          },
          labels: { "app.kubernetes.io/managed-by": "sockwarden" },
        },
        spec: { background: false, emitWarning: true, rules },
      },
    },
  ];
}
