import type { Report } from "../model/report.js";
import { renderText } from "../report/text.js";

export type ReportFormat = "text" | "json" | "sarif" | "html" | "markdown";

/** One place that turns a Report into the chosen format (scan, audit, fleet). Text is the
 *  default and stays a static import; the others load only when chosen (start-up). */
export async function renderReport(report: Report, format: ReportFormat, color: boolean): Promise<string> {
  switch (format) {
    case "json":
      return (await import("../report/json.js")).renderJson(report);
    case "sarif": {
      const [{ renderSarif }, { ruleMetas }] = await Promise.all([import("../report/sarif.js"), import("../rules/index.js")]);
      return JSON.stringify(renderSarif(report, ruleMetas()), null, 2);
    }
    case "html":
      return (await import("../report/html/index.js")).renderHtml(report);
    case "markdown":
      return (await import("../report/markdown.js")).renderMarkdown(report);
    default:
      return renderText(report, { color });
  }
}
