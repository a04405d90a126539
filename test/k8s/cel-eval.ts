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

interface CelRule {
  deny: boolean;
  matchConditions: { name: string; expression: string }[];
  variables: { name: string; expression: string }[];
  validations: { expression: string; message: string }[];
}

/** One policy/rule/template as the engines evaluate it: match conditions (false skips), the
 *  variables in order (an error only breaks the validations that read it), the validations
 *  (false or error: a violation, failurePolicy Fail). */
function runRule(rule: CelRule, base: Obj, out: VapOutcome): void {
  const target = rule.deny ? out.denied : out.warned;
  for (const mc of rule.matchConditions) {
    try {
      if (compiled(mc.expression)(base) !== true) return;
    } catch (e) {
      out.errors.push(`matchCondition ${mc.name}: ${(e as Error).message}`);
      target.add("error");
      return;
    }
  }
  const variables: Obj = {};
  const failed = new Map<string, string>();
  for (const v of rule.variables) {
    try {
      variables[v.name] = compiled(v.expression)({ ...base, variables });
    } catch (e) {
      failed.set(v.name, (e as Error).message.split("\n")[0]!);
    }
  }
  for (const val of rule.validations) {
    const broken = [...failed].find(([n]) => new RegExp(`variables\\.${n}\\b`).test(val.expression));
    if (broken) {
      out.errors.push(`${concernOf(val.message)}: variable ${broken[0]}: ${broken[1]}`);
      target.add(concernOf(val.message));
      continue;
    }
    try {
      if (compiled(val.expression)({ ...base, variables }) !== true) target.add(concernOf(val.message));
    } catch (e) {
      out.errors.push(`${concernOf(val.message)}: ${(e as Error).message.split("\n")[0]}`);
      target.add(concernOf(val.message));
    }
  }
}

function baseOf(review: Obj): Obj {
  const req = review.request;
  return { object: req.object, oldObject: req.oldObject ?? null, request: req };
}

/** ValidatingAdmissionPolicy + Binding. */
export function evaluateVap(docs: Obj[], review: Obj): VapOutcome {
  const out: VapOutcome = { denied: new Set(), warned: new Set(), errors: [] };
  const req = review.request;
  for (const policy of docs.filter((d) => d.kind === "ValidatingAdmissionPolicy")) {
    const binding = docs.find((d) => d.kind === "ValidatingAdmissionPolicyBinding" && d.spec.policyName === policy.metadata.name);
    if (!binding || !matchesResource(policy, req) || !bindingSelects(binding, req)) continue;
    const deny = binding.spec.validationActions.includes("Deny");
    runRule({ deny, matchConditions: policy.spec.matchConditions ?? [], variables: policy.spec.variables ?? [], validations: policy.spec.validations }, baseOf(review), out);
  }
  return out;
}

/** Kyverno ClusterPolicy with validate.cel rules. */
export function evaluateKyverno(docs: Obj[], review: Obj): VapOutcome {
  const out: VapOutcome = { denied: new Set(), warned: new Set(), errors: [] };
  const req = review.request;
  const kind = req.subResource ? `${req.kind.kind}/${req.subResource}` : req.kind.kind;
  for (const cp of docs.filter((d) => d.kind === "ClusterPolicy")) {
    for (const rule of cp.spec.rules as Obj[]) {
      const matched = (rule.match.any as Obj[]).some((m) => m.resources.kinds.includes(kind) && (m.resources.operations ?? ["CREATE", "UPDATE"]).includes(req.operation));
      const excluded = ((rule.exclude?.any ?? []) as Obj[]).some((e) => (e.resources.namespaces ?? []).includes(req.namespace));
      if (!matched || excluded) continue;
      runRule(
        {
          deny: rule.validate.failureAction === "Enforce",
          matchConditions: rule.celPreconditions ?? [],
          variables: rule.validate.cel.variables ?? [],
          validations: rule.validate.cel.expressions,
        },
        baseOf(review),
        out,
      );
    }
  }
  return out;
}

/** Gatekeeper ConstraintTemplates (K8sNativeValidation) + Constraints. */
export function evaluateGatekeeper(docs: Obj[], review: Obj): VapOutcome {
  const out: VapOutcome = { denied: new Set(), warned: new Set(), errors: [] };
  const req = review.request;
  for (const ct of docs.filter((d) => d.kind === "ConstraintTemplate")) {
    const kind = ct.spec.crd.spec.names.kind;
    const code = (ct.spec.targets[0].code as Obj[]).find((c) => c.engine === "K8sNativeValidation");
    if (!code) continue;
    for (const c of docs.filter((d) => d.kind === kind)) {
      const m = c.spec.match;
      const matched = (m.kinds as Obj[]).some((k) => k.apiGroups.includes(req.kind.group) && k.kinds.includes(req.kind.kind));
      if (!matched || (m.excludedNamespaces ?? []).includes(req.namespace)) continue;
      runRule(
        { deny: c.spec.enforcementAction === "deny", matchConditions: code.source.matchConditions ?? [], variables: code.source.variables ?? [], validations: code.source.validations },
        baseOf(review),
        out,
      );
    }
  }
  return out;
}
