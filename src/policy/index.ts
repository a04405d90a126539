/** The policy module's public surface: load and validate `sockwarden.yaml`, match exceptions,
 *  read inline and annotation suppressions. */
export * from "./types.js";
export { parsePolicy, loadPolicy, PolicyError, parseDuration, parseEndpoint, POLICY_FILE_NAMES, PROXY_PRESETS, HTTP_METHODS, RULE_SETTINGS, type PolicyProblem, type LoadPolicyOptions } from "./load.js";
export { exceptionMatches, isExpired, imageMatches, imageAllowed, imageSpellings, parseImageRef, objectNames, parseIsoDate, MATCH_KEYS, type ImageRef } from "./match.js";
export { parseInlineSuppressions, findInlineSuppression, annotationSuppressions } from "./inline.js";
export { LINUX_CAPABILITIES, normalizeCapability } from "./capabilities.js";
