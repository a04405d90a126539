/** Keeps a long-running door (webhook, proxy, watch) alive until SIGTERM/SIGINT, then closes it
 *  gracefully; a second signal exits at once. */
export function untilSignal(close: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let closing = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (closing) process.exit(130);
      closing = true;
      process.stderr.write(`sockwarden: ${sig}, shutting down\n`);
      close().then(
        () => resolve(0),
        (e: Error) => {
          process.stderr.write(`sockwarden: error while shutting down: ${e.message}\n`);
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
