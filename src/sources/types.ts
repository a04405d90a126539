import type { Workload } from "../model/workload.js";
import type { ScanError } from "../model/finding.js";
import type { Pos } from "../model/location.js";

/** One file handed to a source. `path` is relative to the scan root, with `/` separators. */
export interface SourceFile {
  path: string;
  text: string;
}

/** What a source may ask of the scan: other files of the same tree (compose `extends`,
 *  `include`, `.env`; Helm `values.yaml`). Paths are root-relative; reads outside the root or
 *  through symlinks leaving it return undefined. */
export interface SourceContext {
  readFile(relPath: string): string | undefined;
  /** Files of the scan that were already detected (for cross-file references). */
  exists(relPath: string): boolean;
  /** Absolute scan root on disk, when there is one (Helm: `helm template` needs a chart directory). */
  root?: string;
}

/** A daemon endpoint written in configuration (daemon.json hosts, dockerd -H, DOCKER_HOST,
 *  provider "docker" host, a dind service started without TLS). Rules of kind `daemon` judge it. */
export interface DaemonEndpoint {
  file: string;
  at?: Pos;
  object: string;
  /** As written: `tcp://0.0.0.0:2375`, `fd://`, `unix:///var/run/docker.sock`. */
  address: string;
  /** Is TLS verification on for this endpoint, off, or unknown from this file alone? */
  tls: "verify" | "no-verify" | "off" | "unknown";
  role: "listener" | "client";
  uncertain?: string;
}

export interface ExtractResult {
  workloads: Workload[];
  endpoints?: DaemonEndpoint[];
  errors: ScanError[];
}

/** A file format: detect by name/content, extract Workloads (only translate, never judge). */
export interface Source {
  id: string;
  /** Name-only prefilter, so the scan never reads files no source could want: "yes" (the name
   *  says it is ours: a binary or broken file with this name is reported), "maybe" (content
   *  decides: `*.yaml`, extension-less scripts), "no". Absent means "maybe". */
  accepts?(path: string): "yes" | "maybe" | "no";
  /** Cheap test on the name; content sniffing is allowed when the name is ambiguous (`*.yaml`). */
  detect(file: SourceFile): boolean;
  extract(file: SourceFile, ctx: SourceContext): ExtractResult;
}
