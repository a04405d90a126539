// The library: everything the CLI does is usable without it (`import { scan } from "sockwarden"`).
export { scan, type ScanOptions } from "./scan/index.js";
export { evaluate, type EvaluateInput, type EvaluateOptions } from "./rules/evaluate.js";
export { RULES, ruleMetas } from "./rules/index.js";
export { loadPolicy, parsePolicy, PolicyError } from "./policy/load.js";
export { defaultPolicy } from "./policy/types.js";
export { renderJson } from "./report/json.js";
export { renderSarif } from "./report/sarif.js";
export { renderText } from "./report/text.js";
export { normalizeHostPath, socketExposure, hostPathSensitivity } from "./model/hostpath.js";
export type { Workload, Mount } from "./model/workload.js";
export type { Finding, ScanError } from "./model/finding.js";
export type { Report } from "./model/report.js";
export type { Policy } from "./policy/types.js";
export { VERSION } from "./version.js";
