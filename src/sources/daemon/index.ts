import type { ScanError } from "../../model/finding.js";
import type { DaemonEndpoint, ExtractResult, Source, SourceContext, SourceFile } from "../types.js";
import { containerdEndpoints, isContainerdConfig } from "./containerd.js";
import { daemonJsonEndpoints, isDaemonJson } from "./daemonjson.js";
import { defaultsEndpoints, isDockerDefaultsPath } from "./defaults.js";
import { isSystemdUnitPath, systemdEndpoints } from "./systemd.js";

/**
 * Daemon configuration → DaemonEndpoints (role "listener"): daemon.json, systemd units and
 * drop-ins, /etc/default/docker, containerd's config.toml. Only translation: whether a listener
 * is a finding (TCP without verified TLS) is the rules' decision.
 */

const MAX_BYTES = 4 * 1024 * 1024;

function kindOf(file: SourceFile): "daemon.json" | "systemd" | "defaults" | "containerd" | undefined {
  if (isDaemonJson(file.path, file.text)) return "daemon.json";
  if (isSystemdUnitPath(file.path) && /dockerd|docker\s+(daemon|-d)\b|ListenStream/.test(file.text)) return "systemd";
  if (isDockerDefaultsPath(file.path)) return "defaults";
  if (isContainerdConfig(file.path, file.text)) return "containerd";
  return undefined;
}

export function extractDaemonConfig(file: SourceFile): ExtractResult {
  const errors: ScanError[] = [];
  let endpoints: DaemonEndpoint[] = [];
  if (file.text.length > MAX_BYTES) {
    errors.push({ file: file.path, message: `file is over ${MAX_BYTES / 1048576} MB: not a daemon configuration file; not scanned` });
    return { workloads: [], endpoints, errors };
  }
  if (file.text.includes("\u0000")) {
    errors.push({ file: file.path, message: "binary content (NUL bytes); not scanned" });
    return { workloads: [], endpoints, errors };
  }
  switch (kindOf(file)) {
    case "daemon.json":
      endpoints = daemonJsonEndpoints(file.path, file.text, errors);
      break;
    case "systemd":
      endpoints = systemdEndpoints(file.path, file.text, errors);
      break;
    case "defaults":
      endpoints = defaultsEndpoints(file.path, file.text);
      break;
    case "containerd":
      endpoints = containerdEndpoints(file.path, file.text);
      break;
    default:
      break;
  }
  return { workloads: [], endpoints, errors };
}

export const daemonConfigSource: Source = {
  id: "daemon-config",
  detect(file: SourceFile): boolean {
    return kindOf(file) !== undefined;
  },
  extract(file: SourceFile, _ctx: SourceContext): ExtractResult {
    try {
      return extractDaemonConfig(file);
    } catch (e) {
      return { workloads: [], endpoints: [], errors: [{ file: file.path, message: `daemon configuration not scanned: ${(e as Error).message}` }] };
    }
  },
};
