import { execFileSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * Rendering a chart with a real `helm` binary (`helm template`), when one is available. The
 * binary path is a parameter so callers (and tests) decide which helm runs, or none. Argv only:
 * no shell ever sees the chart path.
 */

export type RenderResult = { ok: true; byTemplate: Map<string, string> } | { ok: false; error: string };

/** `helm` on PATH, or undefined. */
export function findHelm(pathEnv: string | undefined = process.env.PATH): string | undefined {
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, "helm");
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** `helm template <chartDir>` with the chart's own values.yaml (helm's default); the output is
 *  split per template by helm's `# Source: <chart>/templates/x.yaml` comments, keyed by the path
 *  inside the chart (`templates/x.yaml`). */
export function renderChart(helmBin: string, chartDirAbs: string, opts: { timeoutMs?: number } = {}): RenderResult {
  let out: string;
  try {
    out = execFileSync(helmBin, ["template", "sockwarden-scan", chartDirAbs], {
      encoding: "utf8",
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { code?: string; stderr?: string | Buffer; message: string };
    if (err.code === "ENOENT") return { ok: false, error: `helm binary not found at ${helmBin}` };
    const stderr = String(err.stderr ?? "").trim().split("\n")[0];
    return { ok: false, error: `helm template failed: ${stderr || err.message}` };
  }
  return { ok: true, byTemplate: splitRendered(out) };
}

export function splitRendered(out: string): Map<string, string> {
  const by = new Map<string, string>();
  let cur: string | undefined;
  let buf: string[] = [];
  const flush = () => {
    if (cur !== undefined) by.set(cur, (by.get(cur) ? by.get(cur) + "\n---\n" : "") + buf.join("\n"));
    buf = [];
  };
  for (const line of out.split("\n")) {
    const m = /^# Source: [^/]+\/(.+)$/.exec(line);
    if (m) {
      flush();
      cur = m[1]!.trim();
      continue;
    }
    if (line === "---") continue;
    buf.push(line);
  }
  flush();
  return by;
}
