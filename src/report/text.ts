import type { Report } from "../model/report.js";
import type { Finding, ScanError } from "../model/finding.js";
import { SEVERITIES, type Severity } from "../model/severity.js";
import { failsGate } from "./summary.js";

/**
 * The report for people.
 *
 * ```
 * deploy/traefik/compose.yml
 * deploy/traefik/compose.yml:12:9  critical  socket-mount  Container runtime socket mounted into a container
 *   service traefik: Mounts the docker socket /var/run/docker.sock …
 *     Why: A runtime's control socket … (wrapped at 100 columns)
 *     Fix: Remove the mount. …
 *     Docs: https://…/docs/rules.md#runtime-socket-mount
 *   deploy/traefik/compose.yml:30:9  host-path  suppressed: reads logs (platform-team, until 2027-03-31)
 *
 * 1 finding (1 critical), 1 suppressed, 0 errors in 3 files
 * Gate (--fail-on high): failed, 1 finding at or above high
 * ```
 * Grouped by file (audit: by host and container). `path:line:col` first so editors and
 * terminals make it a link. Colours only when asked (the CLI asks on a TTY without NO_COLOR).
 */
export interface TextOptions {
  color: boolean;
  /** Wrap width for Why/Fix (default 100). */
  width?: number;
}

export function renderText(report: Report, opts: TextOptions): string {
  const c = palette(opts.color);
  const width = opts.width ?? 100;
  const out: string[] = [];

  for (const [group, findings] of groupFindings(report.findings)) {
    out.push(c.bold(c.underline(group)));
    const open = findings.filter((f) => !f.suppressed);
    const quiet = findings.filter((f) => f.suppressed);
    for (const f of open) {
      const sev = c.sev(f.severity, f.severity) + (f.action === "warn" ? c.dim(" (warn)") : "");
      out.push(`${where(f)}  ${sev}  ${f.concern}  ${c.bold(f.title)}`);
      const msg = f.object ? `${f.object}: ${f.message}` : f.message;
      out.push(...wrap(msg, width, "  ", "  "));
      if (f.uncertain && !f.message.includes(f.uncertain)) out.push(...wrap(`Uncertain: ${f.uncertain}`, width, "    ", "    "));
      out.push(...wrap(f.meaning, width, "    " + c.bold("Why:") + " ", "         ", 9));
      out.push(...wrap(f.decision, width, "    " + c.bold("Fix:") + " ", "         ", 9));
      if (f.docs) out.push(c.dim(`    Docs: ${f.docs}`));
    }
    for (const f of quiet) {
      out.push(c.dim(`  ${where(f)}  ${f.concern}  suppressed: ${suppressionText(f)}`));
    }
    out.push("");
  }

  const errors = report.errors.filter((e) => e.kind !== "notice");
  const notices = report.errors.filter((e) => e.kind === "notice");
  if (errors.length > 0) {
    out.push(c.bold(report.kind === "scan" ? "Errors (these files were not fully scanned):" : "Errors (these hosts or parts were not audited):"));
    for (const e of errors) out.push(`  ${errorWhere(e)}  ${c.red(e.message)}`);
    out.push("");
  }
  if (notices.length > 0) {
    out.push(c.bold("Notices:"));
    for (const e of notices) out.push(c.dim(`  ${errorWhere(e)}  ${e.message}`));
    out.push("");
  }

  out.push(summaryLine(report));
  const gate = gateLine(report);
  if (gate) out.push(gate.failed ? c.red(gate.text) : c.green(gate.text));
  return out.join("\n") + "\n";
}

/** `N findings (C critical, H high, …), S suppressed, E errors in F files`. */
export function summaryLine(report: Report): string {
  const s = report.summary;
  const parts = [...SEVERITIES]
    .reverse()
    .filter((sev) => (s.bySeverity[sev] ?? 0) > 0)
    .map((sev) => `${s.bySeverity[sev]} ${sev}`);
  let line = `${plural(s.total, "finding")}${parts.length ? ` (${parts.join(", ")})` : ""}, ${s.suppressed} suppressed, ${plural(s.errors, "error")}`;
  const scope: string[] = [];
  if (s.filesScanned !== undefined) scope.push(plural(s.filesScanned, "file"));
  if (s.containersAudited !== undefined) scope.push(plural(s.containersAudited, "container"));
  if (s.hosts !== undefined) scope.push(plural(s.hosts, "host"));
  if (scope.length) line += ` in ${scope.join(", ")}`;
  return line;
}

function gateLine(report: Report): { text: string; failed: boolean } | undefined {
  const failOn = report.summary.failOn;
  if (!failOn) return undefined;
  const n = report.findings.filter((f) => failsGate(f, failOn)).length;
  return n > 0
    ? { text: `Gate (--fail-on ${failOn}): failed, ${plural(n, "finding")} at or above ${failOn}`, failed: true }
    : { text: `Gate (--fail-on ${failOn}): passed`, failed: false };
}

/** Groups in key order; findings keep the order they came in (the engine sorts them). */
function groupFindings(findings: readonly Finding[]): [string, Finding[]][] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = groupKey(f);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(f);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function groupKey(f: Finding): string {
  const loc = f.location;
  if (loc.file) return loc.file;
  const host = f.host ?? loc.host;
  const subject = loc.container ? `container ${loc.container.name}` : f.object || "host";
  return host ? `${host}: ${subject}` : subject;
}

function where(f: Finding): string {
  const loc = f.location;
  if (loc.file) return [loc.file, loc.line, loc.column].filter((x) => x !== undefined).join(":");
  if (loc.container) return `${loc.container.name} (${loc.container.id.slice(0, 12)}, ${loc.container.state})`;
  return f.object || f.host || loc.host || "host";
}

function errorWhere(e: ScanError & { host?: string }): string {
  const file = e.line !== undefined ? `${e.file}:${e.line}` : e.file;
  return e.host ? `${e.host}: ${file}` : file;
}

function suppressionText(f: Finding): string {
  const s = f.suppression;
  if (!s) return "by policy";
  const extra = [s.owner, s.expires && `until ${s.expires}`].filter(Boolean);
  return extra.length ? `${s.reason} (${extra.join(", ")})` : s.reason;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Word wrap: the first line starts with `first`, the others with `rest`. `firstVisible` is the
 * printed width of `first` when it contains colour codes. Words longer than a line stay whole.
 */
export function wrap(text: string, width: number, first: string, rest: string, firstVisible = first.length): string[] {
  const lines: string[] = [];
  let line = first;
  let used = firstVisible;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const need = (empty ? 0 : 1) + word.length;
    if (!empty && used + need > width) {
      lines.push(line);
      line = rest + word;
      used = rest.length + word.length;
      continue;
    }
    line += (empty ? "" : " ") + word;
    used += need;
    empty = false;
  }
  lines.push(line);
  return lines;
}

interface Palette {
  bold(s: string): string;
  dim(s: string): string;
  underline(s: string): string;
  red(s: string): string;
  green(s: string): string;
  sev(sev: Severity, s: string): string;
}

function palette(on: boolean): Palette {
  const wrapWith = (open: string, close: string) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  const SEV: Record<Severity, (s: string) => string> = {
    critical: wrapWith("1;35", "22;39"), // bold magenta
    high: wrapWith("31", "39"), // red
    medium: wrapWith("33", "39"), // yellow
    low: wrapWith("36", "39"), // cyan
    info: wrapWith("2", "22"), // dim
  };
  return {
    bold: wrapWith("1", "22"),
    dim: wrapWith("2", "22"),
    underline: wrapWith("4", "24"),
    red: wrapWith("31", "39"),
    green: wrapWith("32", "39"),
    sev: (sev, s) => SEV[sev](s),
  };
}
