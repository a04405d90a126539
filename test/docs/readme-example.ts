import { fileURLToPath } from "node:url";
import { scan } from "../../src/scan/index.js";
import { renderText } from "../../src/report/text.js";
import { defaultPolicy } from "../../src/policy/types.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const START = "<!-- example-output:start -->";
const END = "<!-- example-output:end -->";

/** What `npx sockwarden scan examples` prints (no colours), as a fenced block. */
export async function exampleOutputBlock(): Promise<string> {
  const report = await scan(`${ROOT}examples`, { policy: defaultPolicy(), now: new Date("2026-11-28T00:00:00Z") });
  report.target = "examples";
  return "```text\n$ npx sockwarden scan examples\n" + renderText(report, { color: false }).trimEnd() + "\n```";
}

export function replaceExampleBlock(readme: string, block: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error("README has no example-output markers");
  return readme.slice(0, a + START.length) + "\n" + block + "\n" + readme.slice(b);
}

export function currentExampleBlock(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  return readme.slice(a + START.length, b).trim();
}
