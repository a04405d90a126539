/** Typed engine errors: callers (audit, watch, CLI) branch on `kind`, people read `message`. */
export type EngineErrorKind =
  /** Nothing listens: ECONNREFUSED, ENOENT on the socket path, host unreachable. */
  | "daemon-down"
  /** The socket exists but this user cannot open it (EACCES/EPERM). */
  | "permission-denied"
  /** TLS handshake or certificate problem. */
  | "tls"
  /** The daemon answered with an HTTP error; `status` and the daemon's `message` are set. */
  | "http"
  | "timeout"
  /** The peer is not a Docker API (bad HTTP, not JSON) or ssh/dial-stdio failed. */
  | "protocol"
  | "ssh";

export class EngineError extends Error {
  override name = "EngineError";
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly details: { status?: number; code?: string; endpoint?: string; path?: string } = {},
  ) {
    super(message);
  }
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL_|EPROTO$|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** Map a socket-level error to a typed one with a message a person can act on. */
export function classifySocketError(e: NodeJS.ErrnoException, endpoint: string): EngineError {
  const code = e.code ?? "";
  if (code === "ECONNREFUSED" || code === "ENOENT" || code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    const why = code === "ENOENT" ? "no socket at that path" : code === "ECONNREFUSED" ? "connection refused" : code;
    return new EngineError("daemon-down", `cannot connect to the Docker daemon at ${endpoint}: ${why}. Is the docker daemon running?`, { code, endpoint });
  }
  if (code === "EACCES" || code === "EPERM") {
    return new EngineError("permission-denied", `permission denied while trying to connect to the Docker daemon socket at ${endpoint}: this user cannot open it`, { code, endpoint });
  }
  if (TLS_CODES.test(code) || /certificate|tls|ssl/i.test(e.message)) {
    return new EngineError("tls", `TLS error talking to ${endpoint}: ${e.message}`, { code, endpoint });
  }
  if (code === "ECONNRESET" || code === "EPIPE" || code === "HPE_INVALID_CONSTANT" || code.startsWith("HPE_")) {
    return new EngineError("protocol", `the peer at ${endpoint} closed or spoke something other than the Docker API (${code}: ${e.message})`, { code, endpoint });
  }
  return new EngineError("daemon-down", `cannot connect to the Docker daemon at ${endpoint}: ${e.message}`, { code, endpoint });
}
