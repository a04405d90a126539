/**
 * Gatekeeper ConstraintTemplate + Constraint (templates.gatekeeper.sh/v1, Gatekeeper ≥ 3.16 with
 * the K8sNativeValidation (CEL) engine): the same CEL as the ValidatingAdmissionPolicy, one
 * template per action (the Constraint's enforcementAction is `deny` or `warn`). Pure.
 * No Rego is generated: it could not be executed in our tests (no Rego engine among our
 * dependencies), and an untested path normalizer would be a false promise.
 */
import type { Policy } from "../../policy/types.js";
import { celLimitValidation, celUnchangedUpdate, celValidations, celVariables } from "./cel.js";
import { GENERATED_CONCERNS, WORKLOAD_RESOURCES, genFacts, type GenerateOptions } from "./facts.js";
import { breakGlassNote, exceptionsNote, limitsNote } from "./notes.js";
import type { OutDoc } from "./render.js";

export interface GatekeeperOptions extends GenerateOptions {
  excludeNamespaces?: string[];
}

export function gatekeeperDocuments(policy: Policy, opts: GatekeeperOptions = {}): OutDoc[] {
  const facts = genFacts(policy, opts);
  const validations = celValidations(facts);
  const exclude = opts.excludeNamespaces ?? ["kube-system"];
  const prefix = opts.name ?? "sockwarden";
  const groups = new Map<string, string[]>();
  for (const r of WORKLOAD_RESOURCES) groups.set(r.group, [...(groups.get(r.group) ?? []), r.kind]);
  const docs: OutDoc[] = [];
  for (const action of ["deny", "warn"] as const) {
    const concerns = GENERATED_CONCERNS.filter((c) => facts.settings[c] === action);
    if (concerns.length === 0) continue;
    const vals = concerns.flatMap((c) => validations[c]);
    const pathConcern = concerns.find((c) => c === "socket-mount") ?? concerns.find((c) => c === "host-path");
    if (pathConcern) vals.push(celLimitValidation(pathConcern));
    const kind = `Sockwarden${action === "deny" ? "Deny" : "Warn"}`;
    const excluded = [...new Set([...exclude, ...(action === "deny" ? facts.breakGlass.map((b) => b.namespace) : [])])];
    docs.push({
      comment: `${action === "deny" ? "Denies" : "Warns about"}: ${concerns.join(", ")}. Gatekeeper ≥ 3.16 (K8sNativeValidation engine).` + (action === "deny" ? `\n${exceptionsNote(facts)}` : ""),
      nodeComments: [{ path: ["spec", "targets", 0, "code", 0, "source", "variables"], comment: limitsNote() }],
      obj: {
        apiVersion: "templates.gatekeeper.sh/v1",
        kind: "ConstraintTemplate",
        metadata: { name: kind.toLowerCase(), labels: { "app.kubernetes.io/managed-by": "sockwarden" } },
        spec: {
          crd: { spec: { names: { kind } } },
          targets: [
            {
              target: "admission.k8s.gatekeeper.sh",
              code: [
                {
                  engine: "K8sNativeValidation",
                  source: {
                    ...(action === "deny" ? { matchConditions: [{ name: "pod-spec-changed", expression: celUnchangedUpdate() }] } : {}),
                    variables: celVariables(),
                    validations: vals,
                  },
                },
              ],
            },
          ],
        },
      },
    });
    docs.push({
      ...(action === "deny" && facts.breakGlass.length ? { nodeComments: [{ path: ["spec", "match", "excludedNamespaces"], comment: breakGlassNote(facts) }] } : {}),
      obj: {
        apiVersion: "constraints.gatekeeper.sh/v1beta1",
        kind,
        metadata: { name: `${prefix}-${action}`, labels: { "app.kubernetes.io/managed-by": "sockwarden" } },
        spec: {
          enforcementAction: action,
          match: {
            kinds: [...groups].map(([g, kinds]) => ({ apiGroups: [g], kinds })),
            ...(excluded.length ? { excludedNamespaces: excluded } : {}),
          },
        },
      },
    });
  }
  return docs;
}
