/**
 * The floor under any proxy written for Node: bytes passed through unread, both ways, one upstream
 * connection per client connection, with back-pressure and half-close. No HTTP parsing, no policy,
 * no logging, so never something to run in front of a daemon: bench/proxy measures it beside
 * sockwarden and HAProxy to tell what the Node runtime and the two extra socket hops cost on the
 * machine from what sockwarden's own work costs.
 *
 *   node bench/node-passthrough.mjs <listen socket path> <upstream socket path>
 *
 * Plain JavaScript on purpose: started with `node`, no loader, like the shipped CLI.
 */
import net from "node:net";
import { rmSync } from "node:fs";

const [listen, upstream] = process.argv.slice(2);
if (!listen || !upstream) {
  console.error("usage: node bench/node-passthrough.mjs <listen socket path> <upstream socket path>");
  process.exit(2);
}
rmSync(listen, { force: true });
// What `sockwarden proxy` does first (src/proxy/malloc.ts keepFreedHeap): free one block just under
// 32 MiB so glibc keeps freed heap for the next reads. Without it this process's bulk reads cost
// 2-3x the CPU in some runs (page faults), and the floor would measure the allocator, not Node.
Buffer.allocUnsafeSlow(32 * 1024 * 1024 - 64 * 1024);
net
  .createServer({ allowHalfOpen: true }, (client) => {
    const up = net.connect({ path: upstream, allowHalfOpen: true });
    // pipe(): back-pressure both ways, and an end from either side is passed on as a half-close.
    client.pipe(up);
    up.pipe(client);
    const fail = () => {
      client.destroy();
      up.destroy();
    };
    client.on("error", fail);
    up.on("error", fail);
  })
  .listen(listen, () => console.log(`ready ${listen}`));
process.on("SIGTERM", () => process.exit(0));
