import { StreamSink } from "./stdout.js";
import { FileSink } from "./file.js";
import { WebhookSink, type WebhookOptions } from "./webhook.js";
import type { Sink } from "./types.js";

export type { Sink, SinkHooks, SinkOutcome } from "./types.js";
export { StreamSink, FileSink, WebhookSink, type WebhookOptions };

export class SinkSpecError extends Error {
  override name = "SinkSpecError";
}

/**
 * `--sink` values (same syntax as the policy's `watch.sinks`): `stdout`, `file=<path>`,
 * `webhook=<http(s) url>`. `syslog` is accepted by the policy validator but not built yet: it is
 * refused here with a clear message rather than silently ignored.
 */
export function sinkFromSpec(spec: string, opts: { webhook?: WebhookOptions; stdout?: NodeJS.WritableStream } = {}): Sink {
  const s = spec.trim();
  if (s === "stdout" || s === "-") return new StreamSink((opts.stdout ?? process.stdout) as never);
  const eq = s.indexOf("=");
  const kind = eq < 0 ? s : s.slice(0, eq);
  const value = eq < 0 ? "" : s.slice(eq + 1);
  switch (kind) {
    case "file":
      if (!value) throw new SinkSpecError(`file sink needs a path: "file=/var/log/sockwarden.jsonl", got "${spec}"`);
      return new FileSink(value);
    case "webhook": {
      let u: URL;
      try {
        u = new URL(value);
      } catch {
        throw new SinkSpecError(`webhook sink needs an http(s) URL: "webhook=https://alerts.example/hook", got "${kind}=…"`);
      }
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new SinkSpecError(`webhook sink needs an http(s) URL, got a ${u.protocol} URL`);
      return new WebhookSink(u, opts.webhook);
    }
    case "syslog":
      throw new SinkSpecError("the syslog sink is not available yet: use file=<path> (rotation-friendly) or webhook=<url>");
    default:
      throw new SinkSpecError(`unknown sink "${kind}" (stdout, file=<path>, webhook=<url>)`);
  }
}
