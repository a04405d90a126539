import type { Rule, WorkloadRule, HostRule, EndpointRule, RuleMeta } from "./types.js";
import { runtimeSocketMount } from "./socket-mount.js";
import { privilegedContainer } from "./privileged.js";
import { hostNamespace } from "./host-namespace.js";
import { sensitiveHostPath } from "./host-path.js";
import { dangerousCapability } from "./capabilities.js";
import { hostDevice } from "./devices.js";
import { confinementDisabled } from "./security-opt.js";
import { deviceRequest } from "./device-request.js";
import { nonDefaultRuntime } from "./runtime.js";
import { hostCgroupParent } from "./cgroup-parent.js";
import { hostSysctl } from "./sysctl.js";
import { daemonTcpClient, daemonTcpListener } from "./daemon-tcp.js";
import { expiredException, suppressionWithoutReason, breakGlassExpired } from "./policy-rules.js";
import { AUDIT_RULES } from "./audit/index.js";

/** The catalog: every rule sockwarden has. `sockwarden rules`, docs/rules.md and SARIF's rule
 *  table are generated from this list. Order = the order of the docs. */
export const RULES: readonly Rule[] = [
  runtimeSocketMount,
  privilegedContainer,
  hostNamespace,
  sensitiveHostPath,
  dangerousCapability,
  hostDevice,
  confinementDisabled,
  deviceRequest,
  hostSysctl,
  hostCgroupParent,
  nonDefaultRuntime,
  daemonTcpClient,
  daemonTcpListener,
  expiredException,
  suppressionWithoutReason,
  breakGlassExpired,
  // Rules that need live-host facts (audit door): src/rules/audit/.
  ...AUDIT_RULES,
];

export const WORKLOAD_RULES = RULES.filter((r): r is WorkloadRule => r.kind === "workload");
export const HOST_RULES = RULES.filter((r): r is HostRule => r.kind === "host");
export const ENDPOINT_RULES = RULES.filter((r): r is EndpointRule => r.kind === "endpoint");

export function ruleMetas(): RuleMeta[] {
  return RULES.map((r) => r.meta);
}

export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}

/** Link to a rule's section of the docs. The repository URL comes from package.json's homepage. */
export const DOCS_BASE = "https://github.com/sockwarden/sockwarden/blob/main/docs/rules.md";
export function docsUrl(meta: RuleMeta): string {
  return `${DOCS_BASE}#${meta.anchor}`;
}
