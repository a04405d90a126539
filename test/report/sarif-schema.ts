import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import AjvDraft04 from "ajv-draft-04";

// The OASIS schema lives beside the repository: ../shared/schemas/ from the repo root, which
// is two levels above this test file.
const schemaPath = fileURLToPath(new URL("../../../shared/schemas/sarif-schema-2.1.0.json", import.meta.url));
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
// ajv-draft-04 is CommonJS (`module.exports = Ajv; exports.default = Ajv`); under NodeNext the
// default import's type is the module namespace, so take `.default` when it is there.
const Ajv = ((AjvDraft04 as unknown as { default?: typeof AjvDraft04 }).default ?? AjvDraft04) as unknown as typeof AjvDraft04.default;
const ajv = new Ajv({ allErrors: true, strict: false });
// The schema uses "uri" and "uri-reference" formats: check them for real rather than ignoring them.
ajv.addFormat("uri", (s: string) => {
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
});
ajv.addFormat("uri-reference", (s: string) => {
  try {
    new URL(s, "file:///base/");
    return !/\s/.test(s);
  } catch {
    return false;
  }
});
ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
export const validate = ajv.compile(schema);

export function valid(log: unknown): void {
  const ok = validate(log);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
}

