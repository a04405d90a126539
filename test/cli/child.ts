import type { ChildProcess } from "node:child_process";

/** Send SIGTERM and wait for the exit code; never hangs: a child that already exited gives its
 *  code at once, one that ignores SIGTERM for 20 s is killed and the call rejects. */
export function terminate(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("child did not exit within 20 s of SIGTERM"));
    }, 20_000);
    child.once("exit", (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}
