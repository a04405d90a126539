import type { Report } from "../model/report.js";
import { renderJson } from "../report/json.js";
import { renderSarif } from "../report/sarif.js";
import { renderText } from "../report/text.js";
import { ruleMetas } from "../rules/index.js";

export type ReportFormat = "text" | "json" | "sarif" | "html" | "markdown";

/** One place that turns a Report into the chosen format (scan, audit, fleet). */
export async function renderReport(report: Report, format: ReportFormat, color: boolean): Promise<string> {
  switch (format) {
    case "json":
      return renderJson(report);
    case "sarif":
      return JSON.stringify(renderSarif(report, ruleMetas()), null, 2);
    case "html":
      return (await import("../report/html/index.js")).renderHtml(report);
    case "markdown":
      return (await import("../report/markdown.js")).renderMarkdown(report);
    default:
      return renderText(report, { color });
  }
}
