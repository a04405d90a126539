import { emptyWorkload, type Workload, type Mount } from "../../src/model/workload.js";
import type { RuleContext } from "../../src/rules/types.js";

export function wl(patch: Partial<Workload> = {}): Workload {
  return { ...emptyWorkload({ door: "compose", file: "compose.yml", object: "service app", at: { line: 2, column: 3 } }), ...patch };
}

export function bind(hostPath: string, target = "/x", readOnly = false, extra: Partial<Mount> = {}): Mount {
  return { type: "bind", source: hostPath, hostPath, target, readOnly, at: { line: 5, column: 9 }, ...extra };
}

export const ctx: RuleContext = { allow: { hostPaths: [], capabilities: [], images: [] }, siblings: [] };
