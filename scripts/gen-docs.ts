// Regenerates docs/rules.md from the rule metadata (one source of truth). A test fails when the
// committed file is out of date.
import { writeFileSync } from "node:fs";
import { renderRulesMarkdown } from "../src/report/rules-doc.js";

writeFileSync(new URL("../docs/rules.md", import.meta.url), renderRulesMarkdown());
console.log("docs/rules.md written");
