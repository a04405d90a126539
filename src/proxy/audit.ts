/**
 * Audit log: one JSON line per request. Fields are chosen, never copied from the request: no
 * headers (X-Registry-Auth, X-Registry-Config), no bodies (auth, secrets, env values), no query
 * (it can carry build args). The path is the normalized one.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import type { PeerCredentials } from "./peers.js";

export interface AuditRecord {
  time: string;
  client: string;
  /** The Unix client's process (pid, effective uid/gid, program name), when it could be looked up. */
  peer?: PeerCredentials;
  method: string;
  path: string;
  /** Matched route template (`POST /containers/create`), "" if none. */
  route: string;
  decision: "allow" | "deny" | "error";
  concern?: string;
  rule?: string;
  reason?: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
}

export interface AuditLog {
  write(r: AuditRecord): void;
  close(): Promise<void>;
}

export function fileAuditLog(path: string): AuditLog {
  const s: WriteStream = createWriteStream(path, { flags: "a", mode: 0o640 });
  s.on("error", (e) => process.stderr.write(`sockwarden proxy: audit log ${path}: ${e.message}\n`));
  return {
    write(r) {
      s.write(JSON.stringify(r) + "\n");
    },
    close: () => new Promise((res) => s.end(res)),
  };
}

/** In-memory log (tests, embedding). */
export function memoryAuditLog(): AuditLog & { records: AuditRecord[] } {
  const records: AuditRecord[] = [];
  return { records, write: (r) => void records.push(r), close: async () => undefined };
}
