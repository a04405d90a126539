/**
 * The Compose door: `compose*.y*ml`, `docker-compose*.y*ml`, `docker-stack*.y*ml` anywhere in
 * the tree, and any YAML whose top level has a `services` map of service-like entries.
 * One Workload per service (see service.ts for the mapping, project.ts for `.env`, `extends`,
 * `include` and `volumes_from`). Never throws: everything that goes wrong is a per-file error.
 */
import type { Source, SourceContext, SourceFile, ExtractResult } from "../types.js";
import { detectCompose } from "./detect.js";
import { ComposeReader } from "./project.js";

export const composeSource: Source = {
  id: "compose",
  detect(file: SourceFile): boolean {
    try {
      return detectCompose(file);
    } catch {
      return false;
    }
  },
  extract(file: SourceFile, ctx: SourceContext): ExtractResult {
    const reader = new ComposeReader(ctx);
    try {
      const workloads = reader.extractFile(file.path, file.text);
      return reader.endpoints.length ? { workloads, endpoints: reader.endpoints, errors: reader.errors } : { workloads, errors: reader.errors };
    } catch (e) {
      const message = e instanceof RangeError ? "YAML nested too deeply to read (stack exhausted)" : `internal error reading Compose file: ${e instanceof Error ? e.message : String(e)}`;
      return { workloads: [], errors: [...reader.errors, { file: file.path, message }] };
    }
  },
};

export { detectCompose, isComposeName, looksLikeCompose } from "./detect.js";
export { interpolateString } from "./interpolate.js";
export { parseDotenv } from "./dotenv.js";
