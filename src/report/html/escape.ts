/**
 * Everything in a report can be attacker-controlled (container names, labels, image names, host
 * paths, messages quoting them). These are the only ways report text enters the HTML page.
 */

/** Text and attribute values (always double-quoted attributes). */
export function esc(s: unknown): string {
  return String(s ?? "").replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON embedded in `<script type="application/json">`: `<` (so neither `</script>` nor `<!--` can
 * end or change the element), `>`, `&` and the JS line separators are escaped as \\u sequences,
 * which JSON.parse reads back unchanged.
 */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
