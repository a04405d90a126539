/**
 * Runs the watcher as its own process, the way the CLI will (signals on), for tests that send it
 * signals. argv[2]: JSON WatchOptions (plain data only). Prints `ready` on stdout once watching.
 */
import { startWatch, type WatchOptions } from "../../src/watch/index.js";
import { defaultPolicy } from "../../src/policy/types.js";

const opts = JSON.parse(process.argv[2] ?? "{}") as WatchOptions;
const h = await startWatch({ policy: defaultPolicy(), ...opts, signals: true });
process.stdout.write("ready\n");
await h.done;
process.stderr.write("stopped\n");
process.exit(0);
