import { RULES, docsUrl } from "../rules/index.js";
import { renderRulesMarkdown } from "../report/rules-doc.js";
import { EXIT } from "./io.js";

export function rulesCommand(opts: { format: string }): number {
  if (opts.format === "json") {
    const out = RULES.map((r) => ({ ...r.meta, kind: r.kind, docs: docsUrl(r.meta) }));
    process.stdout.write(JSON.stringify({ rules: out }, null, 2) + "\n");
  } else if (opts.format === "markdown") {
    process.stdout.write(renderRulesMarkdown());
  } else {
    const w = Math.max(...RULES.map((r) => r.meta.id.length));
    const c = Math.max(...RULES.map((r) => r.meta.concern.length));
    for (const r of RULES) {
      process.stdout.write(`${r.meta.id.padEnd(w)}  ${r.meta.concern.padEnd(c)}  ${r.meta.defaultSeverity.padEnd(8)}  ${r.meta.title}\n`);
    }
    process.stdout.write(`\n${RULES.length} rules. \`sockwarden rules --format markdown\` prints what each means and what to do.\n`);
  }
  return EXIT.OK;
}
