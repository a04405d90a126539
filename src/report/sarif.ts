import type { Report } from "../model/report.js";
import type { Finding, ScanError, Suppression } from "../model/finding.js";
import type { RuleMeta } from "../rules/types.js";
import { SECURITY_SEVERITY_SCORE, type Severity } from "../model/severity.js";
import { docsUrl } from "../rules/index.js";

/**
 * SARIF 2.1.0 for GitHub code scanning (../shared/REFERENCE.md §5.3).
 *
 * What GitHub reads, and where we put it:
 * - the rule table (`driver.rules`) from the rules' metadata: `shortDescription` = title,
 *   `fullDescription` = meaning, `help.text`/`help.markdown` = meaning + decision + the docs link
 *   (GitHub ignores `helpUri`, so the link lives in the markdown), `defaultConfiguration.level`,
 *   `properties.security-severity` as a numeric *string* (GitHub sorts alerts by it), `tags`
 *   with "security", `precision`;
 * - results: `ruleId` + `ruleIndex`, `level`, `message.text`, the first location with a
 *   root-relative `artifactLocation.uri` (`uriBaseId: %SRCROOT%`) and a region;
 *   `partialFingerprints.primaryLocationLineHash` = our fingerprint (stable across line moves:
 *   without it the REST upload duplicates alerts on every push);
 * - suppressed findings stay, with `suppressions` (inline comment / annotation = "inSource",
 *   a sockwarden.yaml exception = "external"): code scanning shows them as dismissed;
 * - per-file errors as `invocations[0].toolExecutionNotifications` (GitHub's tool status page).
 * A finding without a file (an audited container) gets a logical location named after the
 * object instead of a physical one.
 */
export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const INFORMATION_URI = "https://github.com/sockwarden/sockwarden";
const SRCROOT = "%SRCROOT%";

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: Record<string, unknown>[];
}

export function renderSarif(report: Report, rules: readonly RuleMeta[]): SarifLog {
  const descriptors: Record<string, unknown>[] = [];
  const index = new Map<string, number>();
  const addRule = (meta: RuleMeta): number => {
    const known = index.get(meta.id);
    if (known !== undefined) return known;
    index.set(meta.id, descriptors.length);
    descriptors.push(ruleDescriptor(meta));
    return descriptors.length - 1;
  };
  for (const r of rules) addRule(r);

  const physical = report.kind === "scan" || report.kind === "diff";
  const results = report.findings.map((f) => {
    // A finding from a rule missing in the table (should not happen) still gets a descriptor,
    // made from the finding's own copy of the metadata, so ruleIndex is never wrong.
    const ruleIndex = index.get(f.rule) ?? addRule(metaFromFinding(f));
    return result(f, ruleIndex);
  });

  const realErrors = report.errors.filter((e) => e.kind !== "notice");
  const invocation: Record<string, unknown> = {
    // The scan went through every file it could; a file it could not read means the analysis is
    // incomplete, which is what executionSuccessful=false tells code scanning.
    executionSuccessful: realErrors.length === 0,
  };
  if (report.errors.length > 0) invocation.toolExecutionNotifications = report.errors.map((e) => notification(e, physical));

  const run: Record<string, unknown> = {
    tool: {
      driver: {
        name: report.tool.name,
        version: report.tool.version,
        semanticVersion: report.tool.version,
        informationUri: INFORMATION_URI,
        rules: descriptors,
      },
    },
    invocations: [invocation],
    // Our columns come from JavaScript string indices (the YAML parser's LineCounter).
    columnKind: "utf16CodeUnits",
    results,
  };
  return { $schema: SARIF_SCHEMA_URI, version: "2.1.0", runs: [run] };
}

function ruleDescriptor(meta: RuleMeta): Record<string, unknown> {
  const url = docsUrl(meta);
  return {
    id: meta.id,
    name: pascal(meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.meaning },
    help: {
      text: `${meta.meaning}\n\nWhat to do: ${meta.decision}\n\nDocumentation: ${url}`,
      markdown: `**${escapeMd(meta.title)}**\n\n${meta.meaning}\n\n**What to do:** ${meta.decision}\n\n[Documentation: ${meta.id}](${url})`,
    },
    defaultConfiguration: { level: levelFor(meta.defaultSeverity) },
    properties: {
      "security-severity": SECURITY_SEVERITY_SCORE[meta.defaultSeverity],
      tags: ["security", meta.concern],
      // Our rules match what is written, not heuristics; uncertain values are flagged per result.
      precision: "high",
    },
  };
}

function metaFromFinding(f: Finding): RuleMeta {
  return {
    id: f.rule,
    concern: f.concern,
    defaultSeverity: f.severity,
    title: f.title,
    meaning: f.meaning,
    decision: f.decision,
    anchor: f.docs.includes("#") ? f.docs.slice(f.docs.indexOf("#") + 1) : f.rule,
  };
}

function result(f: Finding, ruleIndex: number): Record<string, unknown> {
  const r: Record<string, unknown> = {
    ruleId: f.rule,
    ruleIndex,
    // A `warn` finding is reported, not blocking: never more than a warning.
    level: f.action === "warn" && levelFor(f.severity) === "error" ? "warning" : levelFor(f.severity),
    message: { text: f.message },
    locations: [location(f)],
    partialFingerprints: { primaryLocationLineHash: f.fingerprint },
  };
  if (f.suppressed && f.suppression) r.suppressions = [suppression(f.suppression)];
  else if (f.suppressed) r.suppressions = [{ kind: "external", status: "accepted", justification: "suppressed by policy" }];
  const props: Record<string, unknown> = {
    severity: f.severity,
    "security-severity": SECURITY_SEVERITY_SCORE[f.severity],
    concern: f.concern,
    action: f.action,
    object: f.object,
  };
  if (f.uncertain) props.uncertain = f.uncertain;
  if (f.host ?? f.location.host) props.host = f.host ?? f.location.host;
  if (f.location.container) props.container = { ...f.location.container };
  r.properties = props;
  return r;
}

function location(f: Finding): Record<string, unknown> {
  const loc = f.location;
  if (!loc.file) {
    return { logicalLocations: [{ fullyQualifiedName: f.object || loc.container?.name || loc.host || "unknown", kind: "resource" }] };
  }
  const physicalLocation: Record<string, unknown> = { artifactLocation: { uri: fileUri(loc.file), uriBaseId: SRCROOT } };
  if (loc.line !== undefined && loc.line >= 1) {
    const region: Record<string, number> = { startLine: loc.line };
    if (loc.column !== undefined && loc.column >= 1) region.startColumn = loc.column;
    physicalLocation.region = region;
  }
  const out: Record<string, unknown> = { physicalLocation };
  if (f.object) out.logicalLocations = [{ fullyQualifiedName: f.object, kind: "object" }];
  return out;
}

function suppression(s: Suppression): Record<string, unknown> {
  const details = [s.owner && `owner ${s.owner}`, s.expires && `until ${s.expires}`, s.source && `at ${s.source}`].filter(Boolean);
  const out: Record<string, unknown> = {
    kind: s.kind === "inline" || s.kind === "annotation" ? "inSource" : "external",
    status: "accepted",
    justification: details.length ? `${s.reason} (${details.join(", ")})` : s.reason,
  };
  const props: Record<string, string> = { sockwardenKind: s.kind };
  if (s.owner) props.owner = s.owner;
  if (s.expires) props.expires = s.expires;
  if (s.source) props.source = s.source;
  out.properties = props;
  return out;
}

function notification(e: ScanError & { host?: string }, physical: boolean): Record<string, unknown> {
  const n: Record<string, unknown> = {
    level: e.kind === "notice" ? "note" : "error",
    message: { text: e.message },
  };
  if (physical && e.file && e.file !== ".") {
    const pl: Record<string, unknown> = { artifactLocation: { uri: fileUri(e.file), uriBaseId: SRCROOT } };
    if (e.line !== undefined && e.line >= 1) pl.region = { startLine: e.line };
    n.locations = [{ physicalLocation: pl }];
  } else if (e.file) {
    n.locations = [{ logicalLocations: [{ fullyQualifiedName: e.host ? `${e.host}: ${e.file}` : e.file, kind: "resource" }] }];
  }
  return n;
}

/** SARIF levels: GitHub shows error / warning / note; security alerts are ranked by the score. */
function levelFor(s: Severity): "error" | "warning" | "note" {
  return s === "critical" || s === "high" ? "error" : s === "medium" ? "warning" : "note";
}

/** Root-relative path → relative URI reference: each segment percent-encoded (spaces, `#`, `%`). */
export function fileUri(rel: string): string {
  return rel.split("/").map((seg) => encodeURIComponent(seg)).join("/");
}

function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_[\]])/g, "\\$1");
}
