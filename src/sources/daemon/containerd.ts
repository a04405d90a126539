import type { DaemonEndpoint } from "../types.js";
import { lineStarts, posAt } from "./words.js";

/**
 * containerd's `config.toml`: `[grpc] tcp_address = "0.0.0.0:…"` opens containerd's full API on
 * TCP. TLS there: `tcp_tls_ca` (client certificates checked) → "verify"; a server certificate
 * without a CA → "no-verify"; neither → "off". Read line by line (only this one table matters)
 * so the position is exact.
 */
export function isContainerdConfig(path: string, text: string): boolean {
  return /(^|\/)config\.toml$/.test(path) && /^\s*\[grpc\]\s*$/m.test(text) && /tcp_address/.test(text);
}

export function containerdEndpoints(path: string, text: string): DaemonEndpoint[] {
  const starts = lineStarts(text);
  let section = "";
  const vals = new Map<string, { v: string; off: number }>();
  let i = 0;
  while (i < text.length) {
    let e = text.indexOf("\n", i);
    if (e < 0) e = text.length;
    const line = text.slice(i, e);
    const t = line.trim();
    const sec = /^\[\s*([^\]]+?)\s*\]/.exec(t);
    if (sec) section = sec[1]!.replace(/["\s]/g, "");
    else if (section === "grpc") {
      const kv = /^\s*([A-Za-z_]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(line);
      if (kv) vals.set(kv[1]!, { v: kv[2] ?? kv[3] ?? "", off: i + line.indexOf(kv[1]!) });
    }
    i = e + 1;
  }
  const addr = vals.get("tcp_address");
  if (!addr || addr.v.trim() === "") return [];
  const tls: DaemonEndpoint["tls"] = vals.get("tcp_tls_ca")?.v ? "verify" : vals.get("tcp_tls_cert")?.v ? "no-verify" : "off";
  return [{ file: path, at: posAt(starts, addr.off), object: "containerd [grpc] tcp_address", address: `tcp://${addr.v.trim()}`, tls, role: "listener" }];
}
