import { RULES } from "../rules/index.js";
import { CONCERNS } from "../model/concern.js";

/** docs/rules.md, generated from the rule metadata (`npm run docs`; a test keeps it in sync). */
export function renderRulesMarkdown(): string {
  const lines: string[] = [
    "# sockwarden rules",
    "",
    "<!-- Generated from the rule metadata in src/rules/ by `npm run docs`. Do not edit by hand. -->",
    "",
    "Every finding carries a `concern` (a stable value scripts can key on), a severity, what it means and what to do.",
    "Severity reflects the combination: the same socket mount is critical in a root container and high with a non-root user.",
    "",
    "| rule | concern | default severity | title |",
    "|---|---|---|---|",
    ...RULES.map((r) => `| [\`${r.meta.id}\`](#${r.meta.anchor}) | \`${r.meta.concern}\` | ${r.meta.defaultSeverity} | ${r.meta.title} |`),
    "",
    "Concerns: " + CONCERNS.map((c) => `\`${c}\``).join(", ") + ".",
    "",
  ];
  for (const r of RULES) {
    lines.push(
      `<a id="${r.meta.anchor}"></a>`,
      `## ${r.meta.id}`,
      "",
      `**${r.meta.title}** — concern \`${r.meta.concern}\`, default severity **${r.meta.defaultSeverity}**.`,
      "",
      `**What it means.** ${r.meta.meaning}`,
      "",
      `**What to do.** ${r.meta.decision}`,
      "",
    );
  }
  return lines.join("\n");
}
