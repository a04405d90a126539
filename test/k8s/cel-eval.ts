/**
 * Test helper: evaluate generated ValidatingAdmissionPolicies the way the API server does
 * (matchConstraints, binding namespaceSelector, matchConditions, variables in order,
 * validations; failurePolicy Fail: an error denies) with a real CEL implementation,
 * @marcbachmann/cel-js. Only what our generated policies use is implemented.
 */
import { parse } from "@marcbachmann/cel-js";

type Obj = Record<string, any>;
export interface VapOutcome {
  /** Concerns (from the `[concern]` tag of each message) violated in a Deny-bound policy. */
  denied: Set<string>;
  warned: Set<string>;
  /** Expressions that raised an error, with the error (a Deny-bound error denies). */
  errors: string[];
}

const cache = new Map<string, (ctx: Obj) => unknown>();
function compiled(expr: string): (ctx: Obj) => unknown {
  let f = cache.get(expr);
  if (!f) {
    f = parse(expr) as unknown as (ctx: Obj) => unknown;
    cache.set(expr, f);
  }
  return f;
}

function concernOf(message: string): string {
  return /\[([a-z-]+)\]/.exec(message)?.[1] ?? "unknown";
}

function matchesResource(policy: Obj, req: Obj): boolean {
  const resource = req.subResource ? `${req.resource.resource}/${req.subResource}` : req.resource.resource;
  return (policy.spec.matchConstraints.resourceRules as Obj[]).some(
    (r) => r.apiGroups.includes(req.resource.group) && r.operations.includes(req.operation) && r.resources.includes(resource),
  );
}

function bindingSelects(binding: Obj, req: Obj): boolean {
  const exprs: Obj[] = binding.spec.matchResources?.namespaceSelector?.matchExpressions ?? [];
  return exprs.every((e) => (e.operator === "NotIn" ? !e.values.includes(req.namespace) : e.values.includes(req.namespace)));
}

export function evaluateVap(docs: Obj[], review: Obj): VapOutcome {
  const out: VapOutcome = { denied: new Set(), warned: new Set(), errors: [] };
  const req = review.request;
  const base = { object: req.object, oldObject: req.oldObject ?? null, request: req };
  for (const policy of docs.filter((d) => d.kind === "ValidatingAdmissionPolicy")) {
    const binding = docs.find((d) => d.kind === "ValidatingAdmissionPolicyBinding" && d.spec.policyName === policy.metadata.name);
    if (!binding) continue;
    const deny = binding.spec.validationActions.includes("Deny");
    const target = deny ? out.denied : out.warned;
    if (!matchesResource(policy, req) || !bindingSelects(binding, req)) continue;
    let skip = false;
    for (const mc of policy.spec.matchConditions ?? []) {
      try {
        if (compiled(mc.expression)(base) !== true) skip = true;
      } catch (e) {
        out.errors.push(`matchCondition ${mc.name}: ${(e as Error).message}`);
        target.add("error");
      }
    }
    if (skip) continue;
    const variables: Obj = {};
    const failed = new Map<string, string>();
    for (const v of policy.spec.variables ?? []) {
      try {
        variables[v.name] = compiled(v.expression)({ ...base, variables });
      } catch (e) {
        failed.set(v.name, (e as Error).message.split("\n")[0]!);
      }
    }
    for (const val of policy.spec.validations) {
      const broken = [...failed].find(([n]) => new RegExp(`variables\\.${n}\\b`).test(val.expression));
      if (broken) {
        out.errors.push(`${concernOf(val.message)}: variable ${broken[0]}: ${broken[1]}`);
        target.add(concernOf(val.message));
        continue;
      }
      try {
        const r = compiled(val.expression)({ ...base, variables });
        if (r !== true) target.add(concernOf(val.message));
      } catch (e) {
        out.errors.push(`${concernOf(val.message)}: ${(e as Error).message.split("\n")[0]}`);
        target.add(concernOf(val.message));
      }
    }
  }
  return out;
}
