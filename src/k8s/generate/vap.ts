/**
 * ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1,
 * Kubernetes ≥ 1.30): one policy whose binding denies (`deny` concerns) and one that warns
 * (`warn` concerns). Pure.
 */
import type { Policy } from "../../policy/types.js";
import { celLimitValidation, celUnchangedUpdate, celValidations, celVariables, celStr, CEL_MAX_INDEX } from "./cel.js";
import { GENERATED_CONCERNS, WORKLOAD_RESOURCES, genFacts, type GenFacts, type GenerateOptions, type GeneratedConcern } from "./facts.js";
import { exceptionsNote, breakGlassNote, limitsNote, resourceRules } from "./notes.js";
import type { OutDoc } from "./render.js";

export const VAP_API_VERSION = "admissionregistration.k8s.io/v1";

export interface VapOptions extends GenerateOptions {
  /** Namespaces the policies never judge (the webhook configuration excludes the same). */
  excludeNamespaces?: string[];
}

export function vapDocuments(policy: Policy, opts: VapOptions = {}): OutDoc[] {
  const facts = genFacts(policy, opts);
  const prefix = opts.name ?? "sockwarden";
  const exclude = opts.excludeNamespaces ?? ["kube-system"];
  const validations = celValidations(facts);
  const docs: OutDoc[] = [];
  for (const action of ["deny", "warn"] as const) {
    const concerns = GENERATED_CONCERNS.filter((c) => facts.settings[c] === action);
    if (concerns.length === 0) continue;
    const name = `${prefix}-${action}`;
    const vals = concerns.flatMap((c) => validations[c].map((v) => ({ ...v, reason: "Forbidden" })));
    const pathConcern = concerns.find((c) => c === "socket-mount") ?? concerns.find((c) => c === "host-path");
    if (pathConcern) vals.push({ ...celLimitValidation(pathConcern), reason: "Forbidden" });
    const matchConditions: { name: string; expression: string }[] = [];
    const nodeComments: OutDoc["nodeComments"] = [];
    if (action === "deny") {
      if (facts.breakGlass.length) {
        matchConditions.push({ name: "not-break-glass", expression: `!(request.namespace in [${facts.breakGlass.map((b) => celStr(b.namespace)).join(", ")}])` });
        nodeComments.push({ path: ["spec", "matchConditions", matchConditions.length - 1], comment: breakGlassNote(facts) });
      }
      matchConditions.push({ name: "pod-spec-changed", expression: celUnchangedUpdate() });
      nodeComments.push({
        path: ["spec", "matchConditions", matchConditions.length - 1],
        comment: "An UPDATE that leaves the pod spec unchanged is not judged (the webhook admits it with a warning):\nscaling, labelling or deleting a workload that predates the policy keeps working.",
      });
    }
    nodeComments.push({ path: ["spec", "variables"], comment: limitsNote() });
    docs.push({
      comment: `${action === "deny" ? "Denies" : "Warns about"}: ${concerns.join(", ")} (set to ${action} in the policy file${action === "deny" ? ", or not set" : ""}).` + (action === "deny" ? `\n${exceptionsNote(facts)}` : ""),
      nodeComments,
      obj: {
        apiVersion: VAP_API_VERSION,
        kind: "ValidatingAdmissionPolicy",
        metadata: { name, labels: { "app.kubernetes.io/managed-by": "sockwarden" } },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: { resourceRules: resourceRules() },
          ...(matchConditions.length ? { matchConditions } : {}),
          variables: celVariables(),
          validations: vals,
        },
      },
    });
    docs.push({
      obj: {
        apiVersion: VAP_API_VERSION,
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name, labels: { "app.kubernetes.io/managed-by": "sockwarden" } },
        spec: {
          policyName: name,
          validationActions: action === "deny" ? ["Deny"] : ["Warn"],
          ...(exclude.length
            ? { matchResources: { namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: exclude }] } } }
            : {}),
        },
      },
    });
  }
  return docs;
}

export { WORKLOAD_RESOURCES, CEL_MAX_INDEX };
export type { GenFacts, GeneratedConcern };
