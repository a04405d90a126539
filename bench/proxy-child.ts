/**
 * Runs sockwarden's proxy in its own process for bench/proxy.ts (so the load generator and the
 * proxy do not share an event loop). argv: <listen> <upstream>. Prints "ready <address>".
 */
import { startProxy } from "../src/proxy/index.js";
import { defaultPolicy } from "../src/policy/types.js";

const [listen, upstream] = process.argv.slice(2);
if (!listen || !upstream) {
  process.stderr.write("usage: proxy-child <listen> <upstream>\n");
  process.exit(2);
}
const p = await startProxy({ listen, upstream, policy: defaultPolicy() });
process.stdout.write(`ready ${p.address}\n`);
process.on("SIGTERM", () => {
  void p.close().then(() => process.exit(0));
});
