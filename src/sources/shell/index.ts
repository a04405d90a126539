/**
 * Shell scripts, Makefiles and Dockerfiles: every `docker|podman|nerdctl run` they would execute
 * becomes a Workload (door "shell"), every `DOCKER_HOST=tcp://…` a client endpoint. Comments,
 * `echo` strings and heredoc bodies are text, not commands: they never become workloads.
 */
import type { ExtractResult, Source, SourceFile, DaemonEndpoint } from "../types.js";
import type { ScanError } from "../../model/finding.js";
import { scanShell, type ShellScanOptions } from "../dockerargs/scan.js";
import { looksBinary, shellKind } from "./detect.js";
import { makefileRecipes } from "./makefile.js";
import { dockerfileRuns } from "./dockerfile.js";

export { shellKind, looksBinary } from "./detect.js";
export { makefileRecipes } from "./makefile.js";
export { dockerfileRuns } from "./dockerfile.js";

function extractShell(file: SourceFile): ExtractResult {
  const errors: ScanError[] = [];
  const kind = shellKind(file.path, file.text);
  if (!kind) return { workloads: [], errors };
  if (looksBinary(file.text)) {
    return { workloads: [], errors: [{ file: file.path, message: "binary content (NUL bytes) in a file named like a script: not scanned", kind: "notice" }] };
  }
  try {
    let text = file.text;
    const opts: ShellScanOptions = { door: "shell", file: file.path };
    const endpoints: DaemonEndpoint[] = [];
    if (kind === "makefile") {
      const mk = makefileRecipes(text);
      text = mk.text;
      opts.make = true;
      opts.outerVars = mk.vars;
    } else if (kind === "dockerfile") {
      const df = dockerfileRuns(text);
      text = df.text;
      opts.outerVars = df.vars;
      const tlsVerify = (df.vars.get("DOCKER_TLS_VERIFY")?.value ?? "") !== "";
      for (const h of df.envHosts) {
        endpoints.push({
          file: file.path,
          at: { line: h.line, column: h.column },
          object: `ENV ${h.name} (line ${h.line})`,
          address: h.value,
          tls: /^(tcp|https?):\/\//i.test(h.value) ? (tlsVerify ? "verify" : "off") : "unknown",
          role: "client",
        });
      }
    }
    const r = scanShell(text, opts);
    for (const d of r.diagnostics) errors.push({ file: file.path, line: d.line, message: d.message, kind: "error" });
    return { workloads: r.workloads, endpoints: [...endpoints, ...r.endpoints], errors };
  } catch (e) {
    errors.push({ file: file.path, message: `could not read as shell: ${(e as Error).message}` });
    return { workloads: [], errors };
  }
}

export const shellSource: Source = {
  id: "shell",
  detect: (file) => shellKind(file.path, file.text) !== undefined,
  extract: (file) => extractShell(file),
};
