import { startWebhook } from "../k8s/webhook.js";
import { loadPolicy } from "../policy/load.js";
import { UsageError } from "./io.js";
import { untilSignal } from "./serve.js";

export interface WebhookFlags {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  policy?: string;
}

export async function webhookCommand(flags: WebhookFlags): Promise<number> {
  if (!flags.tlsCert || !flags.tlsKey) throw new UsageError("webhook: --tls-cert and --tls-key are required (the API server only calls webhooks over HTTPS)");
  // Fail closed: an invalid policy stops start-up (PolicyError → exit 2).
  const policy = loadPolicy({ file: flags.policy, root: process.cwd() });
  const h = await startWebhook({ listen: flags.listen, tlsCert: flags.tlsCert, tlsKey: flags.tlsKey, policy });
  process.stderr.write(`sockwarden webhook: listening on ${h.url} (POST /validate, /healthz, /readyz, /metrics)\n`);
  return untilSignal(() => h.close());
}
