/**
 * `--format markdown`: the HTML report's content as tables, for pasting into tickets. No graph:
 * per host, the paths of access as rows (who, how, to what, severity), then the findings; the
 * meaning and decision of each rule once at the end.
 *
 * Report strings are attacker-controlled and Markdown renders inline HTML (GitHub, GitLab): `<`,
 * `>` and `&` become entities, the characters that open inline markup are backslash-escaped,
 * `|` cannot end a table cell, line breaks cannot end a row.
 */
import type { Report } from "../model/report.js";
import { SEVERITIES, severityRank, type Severity } from "../model/severity.js";
import { accessRows, buildHostGraph, hostOf, hostsOf } from "./html/graph.js";

/** Escape text for a Markdown table cell (or any inline position). */
export function mdEscape(s: unknown): string {
  return String(s ?? "")
    .replace(/\r\n?|\n/g, " ")
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    // Only what can open inline markup here (cells and list items never start a line, so `#`, `-`,
    // `+`, `.` need nothing); `(` after an escaped `]` cannot make a link. Keeps pasted text readable.
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}

const SEV_DESC = [...SEVERITIES].reverse() as Severity[];

function table(head: string[], rows: string[][]): string {
  const out = [`| ${head.join(" | ")} |`, `| ${head.map((h) => (/^(critical|high|medium|low|info|Containers|Findings|Count)$/.test(h) ? "---:" : "---")).join(" | ")} |`];
  for (const r of rows) out.push(`| ${r.join(" | ")} |`);
  return out.join("\n");
}

export function renderMarkdown(report: Report): string {
  const hosts = hostsOf(report);
  const out: string[] = [];
  const s = report.summary;
  out.push(`# sockwarden blast radius`);
  out.push("");
  out.push(`${mdEscape(report.tool.name)} ${mdEscape(report.tool.version)} · ${hosts.length} host${hosts.length === 1 ? "" : "s"} · ${s.total} finding${s.total === 1 ? "" : "s"}${s.suppressed ? `, ${s.suppressed} suppressed` : ""}${s.containersAudited !== undefined ? ` · ${s.containersAudited} containers` : ""}`);
  out.push("");
  out.push("## Fleet summary");
  out.push("");
  out.push(
    table(
      ["Host", ...SEV_DESC, "Containers", "Status"],
      hosts.map((h) => {
        const hs = report.hosts?.find((x) => x.host === h);
        const counts = hs?.bySeverity ?? (Object.fromEntries(SEVERITIES.map((sev) => [sev, report.findings.filter((f) => !f.suppressed && f.severity === sev && hostOf(f, report) === h).length])) as Record<Severity, number>);
        return [mdEscape(h), ...SEV_DESC.map((sev) => String(counts[sev] ?? 0)), hs ? String(hs.containers) : "–", hs?.error ? `**${mdEscape(hs.error.kind)}**: ${mdEscape(hs.error.message)}` : "audited"];
      }),
    ),
  );
  out.push("");
  const errors = report.errors.filter((e) => e.kind !== "notice");
  if (errors.length) {
    out.push("## Errors");
    out.push("");
    for (const e of errors) out.push(`- ${e.host ? `${mdEscape(e.host)}: ` : ""}${mdEscape(e.file)}${e.line ? `:${e.line}` : ""}: ${mdEscape(e.message)}`);
    out.push("");
  }
  hosts.forEach((h) => {
    const g = buildHostGraph(report, h);
    out.push(`## ${mdEscape(h)}${g.summary?.name && g.summary.name !== h ? ` (${mdEscape(g.summary.name)})` : ""}`);
    out.push("");
    if (g.summary?.error) {
      out.push(`Not audited: **${mdEscape(g.summary.error.kind)}**: ${mdEscape(g.summary.error.message)}`);
      out.push("");
      // Nothing seen is not "no path found": say nothing more about a host nobody could look at.
      if (!report.findings.some((f) => hostOf(f, report) === h)) return;
    }
    const rows = accessRows(g);
    out.push("### Who can reach the daemon, and how");
    out.push("");
    if (rows.length) out.push(table(["Who", "Path of access", "To", "Severity", "Count"], rows.map((r) => [mdEscape(r.who), mdEscape(r.path), mdEscape(r.to), r.severity, String(r.count)])));
    else out.push("No path of access to a runtime socket or the daemon was found.");
    out.push("");
    const clean = g.nodes.find((n) => n.kind === "clean");
    if (clean) {
      out.push(`${mdEscape(clean.title)}.`);
      out.push("");
    }
    const fs = report.findings
      .filter((f) => hostOf(f, report) === h)
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.object.localeCompare(b.object));
    out.push("### Findings");
    out.push("");
    if (fs.length)
      out.push(
        table(
          ["Severity", "Concern", "Object", "Finding", "Action"],
          fs.map((f) => [f.severity + (f.suppressed ? " (suppressed)" : ""), mdEscape(f.concern), mdEscape(f.object), `**${mdEscape(f.title)}**: ${mdEscape(f.message)}`, mdEscape(f.action)]),
        ),
      );
    else out.push("No findings.");
    out.push("");
  });
  const rules = new Map<string, { title: string; meaning: string; decision: string }>();
  for (const f of report.findings) if (!rules.has(f.rule)) rules.set(f.rule, { title: f.title, meaning: f.meaning, decision: f.decision });
  if (rules.size) {
    out.push("## What the findings mean and what to do");
    out.push("");
    out.push(table(["Rule", "Meaning", "Decision"], [...rules].map(([id, r]) => [`${mdEscape(id)}: ${mdEscape(r.title)}`, mdEscape(r.meaning), mdEscape(r.decision)])));
    out.push("");
  }
  return out.join("\n");
}
