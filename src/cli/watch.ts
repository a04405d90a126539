import { startWatch, WatchOptionError, SinkSpecError } from "../watch/index.js";
import { EXIT, UsageError } from "./io.js";

export interface WatchFlags {
  host?: string;
  context?: string;
  policy?: string;
  sink: string[];
  metrics?: string;
  interval?: string;
  state?: string;
  once?: boolean;
}

export async function watchCommand(flags: WatchFlags): Promise<number> {
  let handle;
  try {
    handle = await startWatch({
      host: flags.host,
      context: flags.context,
      policyFile: flags.policy,
      sinks: flags.sink.length ? flags.sink : undefined,
      metrics: flags.metrics,
      interval: flags.interval,
      state: flags.state,
      once: flags.once,
      signals: true,
    });
  } catch (e) {
    if (e instanceof WatchOptionError || e instanceof SinkSpecError) throw new UsageError(e.message);
    throw e;
  }
  if (handle.metricsAddress) process.stderr.write(`sockwarden watch: metrics on http://${handle.metricsAddress}/metrics\n`);
  await handle.done;
  return EXIT.OK;
}
