import type { ScanError } from "../../model/finding.js";
import type { DaemonEndpoint } from "../types.js";
import { parseYamlDocuments, toY, yget, yitems, ystr, YamlBudgetError, type YValue } from "../yamldoc.js";

/**
 * Docker's `daemon.json`: `hosts` listeners with `tls`/`tlsverify`. Read through the YAML reader
 * (JSON is YAML) so every value keeps its line. `tlsverify: true` → "verify"; `tls: true` alone →
 * "no-verify"; neither → "off". A daemon.json without `hosts` may still get listeners from the
 * command line (`-H`): that is the unit file's business, not this file's.
 */
export function isDaemonJson(path: string, text: string): boolean {
  if (/(^|\/)daemon\.json$/.test(path)) return true;
  if (!/\.json$/i.test(path)) return false;
  const head = text.slice(0, 65536);
  return /"hosts"\s*:/.test(head) && /"(tls|tlsverify)"\s*:/.test(head);
}

function jbool(v: YValue | undefined): boolean | undefined {
  if (v?.kind !== "scalar") return undefined;
  if (typeof v.value === "boolean") return v.value;
  return undefined;
}

export function daemonJsonEndpoints(path: string, text: string, errors: ScanError[]): DaemonEndpoint[] {
  if (text.includes("\u0000")) {
    errors.push({ file: path, message: "binary content (NUL bytes) in daemon.json; not scanned" });
    return [];
  }
  const d = parseYamlDocuments(text)[0];
  if (!d) return [];
  if (d.errors.length > 0) {
    const e = d.errors[0]!;
    errors.push({ file: path, line: e.line, message: `invalid JSON at line ${e.line}: ${e.message}` });
    return [];
  }
  let root: YValue | undefined;
  try {
    root = toY(d.doc, d.doc.contents, d.lineCounter);
  } catch (e) {
    errors.push({ file: path, message: e instanceof YamlBudgetError ? e.message : (e as Error).message });
    return [];
  }
  if (root?.kind !== "map") {
    if (root !== undefined) errors.push({ file: path, line: root.pos?.line, message: "daemon.json is not a JSON object; not scanned" });
    return [];
  }
  const verify = jbool(yget(root, "tlsverify")) === true;
  const tlsOn = jbool(yget(root, "tls")) === true;
  const tls: DaemonEndpoint["tls"] = verify ? "verify" : tlsOn ? "no-verify" : "off";
  const hosts = yget(root, "hosts");
  const list = hosts?.kind === "seq" ? yitems(hosts) : hosts ? [hosts] : [];
  const out: DaemonEndpoint[] = [];
  for (const h of list) {
    const a = ystr(h);
    if (!a) continue;
    const ep: DaemonEndpoint = { file: path, object: "daemon.json hosts", address: a, tls, role: "listener" };
    if (h.pos) ep.at = h.pos;
    out.push(ep);
  }
  return out;
}
