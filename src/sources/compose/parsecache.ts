/**
 * `detect` by content parses the file; `extract` is called right after with the same text. One
 * remembered parse (keyed by the text itself) saves the second parse. The parsed documents are
 * never mutated (toY only reads them), so sharing them is safe.
 */
import { parseYamlDocuments, type YamlDocResult } from "../yamldoc.js";

let last: { text: string; docs: YamlDocResult[] } | undefined;

export function parseDocsCached(text: string): YamlDocResult[] {
  if (last && last.text === text) return last.docs;
  const docs = parseYamlDocuments(text);
  last = { text, docs };
  return docs;
}

/** Forget the remembered parse (extract calls this when done, so a big file is not kept alive). */
export function forgetParse(text: string): void {
  if (last?.text === text) last = undefined;
}
