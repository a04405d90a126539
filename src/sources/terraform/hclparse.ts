import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";

/**
 * HCL2 → JSON with HashiCorp's own Go parser (hashicorp/hcl v2 through tmccombs/hcl2json),
 * compiled to WebAssembly and shipped in the npm package `@cdktn/hcl2json` (the maintained
 * continuation of `@cdktf/hcl2json`).
 *
 * Why this and not a JavaScript HCL parser: only the real parser accepts exactly what Terraform
 * and Nomad accept (heredocs, templates, `for` expressions, dynamic blocks) and says what is wrong
 * with a line and column ("main.tf:2,10-3,1: Unterminated template string"). The GopherJS build
 * (`hcl2-parser`) is synchronous too but loses the error text (its error is an empty object).
 *
 * Why we load the wasm ourselves instead of calling the package's `parse()`: that function is
 * async, and `Source.extract` is synchronous. A Go wasm program answers a JS call synchronously
 * when its handler does not block, and hcl2json's `parse` handler calls back before returning,
 * so compiling the module with the synchronous `new WebAssembly.Module` and calling the exported
 * function directly gives a synchronous parse. We require only the package's `wasm_exec.js`
 * (the Go runtime glue): its `bridge_wasm_exec.js` would set `globalThis.require` and `fs`.
 *
 * The module (≈8 MB after gunzip) is compiled on first use only, so a scan without HCL files
 * pays nothing. The JSON has no positions: see hcllocate.ts for how values are located.
 */

export interface HclDiagnostic {
  line: number;
  column: number;
  message: string;
}

export type HclParseResult = { ok: true; body: Record<string, unknown> } | { ok: false; diagnostics: HclDiagnostic[] };

type GoFn = (filename: string, contents: string, cb: (err: string | null, res?: string) => void) => void;
interface GoRoot {
  parse?: GoFn;
}

/** The name the Go side writes its functions onto (fixed by the package's Go code). */
const GO_ROOT = "__parse_terraform_config_wasm__";
/** A fixed file name so diagnostics can be split reliably, whatever the real path holds. */
const DIAG_NAME = "input.hcl";

let root: GoRoot | undefined;
let loadError: Error | undefined;

function load(): GoRoot {
  if (root) return root;
  if (loadError) throw loadError;
  try {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve("@cdktn/hcl2json/package.json"));
    // Go's runtime writes (panic traces) through `globalThis.fs`; wasm_exec.js would otherwise
    // install a stub that prints them with console.log — to stdout, where reports go. Send
    // them to stderr instead. (Only if nobody defined `globalThis.fs` before us.)
    const g = globalThis as Record<string, unknown>;
    if (!g.fs) g.fs = goStderrFs();
    require(join(dir, "wasm", "wasm_exec.js"));
    const GoCtor = (globalThis as unknown as { Go: new () => { importObject: WebAssembly.Imports; run(i: WebAssembly.Instance): Promise<void> } }).Go;
    const go = new GoCtor();
    const bytes = gunzipSync(readFileSync(join(dir, "main.wasm.gz")));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), go.importObject);
    const r: GoRoot = {};
    (globalThis as Record<string, unknown>)[GO_ROOT] = r;
    // `run` registers the functions synchronously, then parks the Go main on a channel.
    void go.run(instance);
    if (typeof r.parse !== "function") throw new Error("HCL parser (wasm) did not register its parse function");
    root = r;
    return r;
  } catch (e) {
    loadError = new Error(`cannot load the HCL parser (@cdktn/hcl2json): ${(e as Error).message}`);
    throw loadError;
  }
}

function goStderrFs(): Record<string, unknown> {
  const enosys = () => Object.assign(new Error("not implemented"), { code: "ENOSYS" });
  const writeSync = (_fd: number, buf: Uint8Array) => {
    process.stderr.write(buf);
    return buf.length;
  };
  const fail = (...args: unknown[]) => (args[args.length - 1] as (e: Error) => void)(enosys());
  return {
    constants: { O_WRONLY: -1, O_RDWR: -1, O_CREAT: -1, O_TRUNC: -1, O_APPEND: -1, O_EXCL: -1, O_DIRECTORY: -1 },
    writeSync,
    write(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null, cb: (e: Error | null, n?: number) => void) {
      if (offset !== 0 || length !== buf.length || position !== null) return cb(enosys());
      cb(null, writeSync(fd, buf));
    },
    fsync: (_fd: number, cb: (e: null) => void) => cb(null),
    ...Object.fromEntries(
      ["chmod", "chown", "close", "fchmod", "fchown", "fstat", "ftruncate", "lchown", "link", "lstat", "mkdir", "open", "read", "readdir", "readlink", "rename", "rmdir", "stat", "symlink", "truncate", "unlink", "utimes"].map((n) => [n, fail]),
    ),
  };
}

/** Parse HCL2 text. Never throws for bad input: syntax errors come back as diagnostics with
 *  1-based line/column. Throws only if the parser itself cannot be loaded. */
export function parseHcl(text: string): HclParseResult {
  const r = load();
  let err: string | null = null;
  let res: string | undefined;
  let called = false;
  try {
    r.parse!(DIAG_NAME, text, (e, out) => {
      called = true;
      err = e;
      res = out;
    });
  } catch (e) {
    // A Go panic ends the wasm program: load a fresh one for the next file.
    root = undefined;
    return { ok: false, diagnostics: [{ line: 1, column: 1, message: `the HCL parser failed on this file: ${(e as Error).message}` }] };
  }
  if (!called) return { ok: false, diagnostics: [{ line: 1, column: 1, message: "HCL parser did not answer synchronously" }] };
  if (err) return { ok: false, diagnostics: parseDiagnostics(err) };
  try {
    const body = JSON.parse(res ?? "{}") as unknown;
    if (body === null || typeof body !== "object" || Array.isArray(body)) return { ok: true, body: {} };
    return { ok: true, body: body as Record<string, unknown> };
  } catch (e) {
    return { ok: false, diagnostics: [{ line: 1, column: 1, message: `HCL parser returned unreadable JSON: ${(e as Error).message}` }] };
  }
}

/** `parse config: [input.hcl:2,10-3,1: Summary; Detail. input.hcl:3,2-4,1: …]` → diagnostics. */
export function parseDiagnostics(err: string): HclDiagnostic[] {
  const re = new RegExp(`${DIAG_NAME.replace(".", "\\.")}:(\\d+),(\\d+)-[\\d,]+: `, "g");
  const marks: { line: number; column: number; start: number; end: number }[] = [];
  for (const m of err.matchAll(re)) marks.push({ line: Number(m[1]), column: Number(m[2]), start: m.index!, end: m.index! + m[0].length });
  if (marks.length === 0) return [{ line: 1, column: 1, message: err.replace(/^parse config: \[?/, "").replace(/\]$/, "").trim() || "invalid HCL" }];
  const out: HclDiagnostic[] = [];
  const seen = new Set<string>();
  marks.forEach((m, i) => {
    const stop = i + 1 < marks.length ? marks[i + 1]!.start : err.length;
    const message = err.slice(m.end, stop).replace(/\]\s*$/, "").trim();
    const key = `${m.line}:${m.column}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ line: m.line, column: m.column, message });
  });
  return out;
}
