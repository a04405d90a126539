/**
 * Exec events carry the whole command line in their action (`exec_start: sh -c 'curl -H
 * "Authorization: Bearer …"'`, `exec_create: mysql -pSECRET`): a command line can hold secrets,
 * and findings end up in CI logs, SARIF uploads and tickets. Only the program's name is kept,
 * as `sockwarden watch` does (src/watch/events.ts keeps the action word, watcher.ts the
 * entrypoint's basename).
 */

/** `exec_start: /usr/bin/mysql -pSECRET db` → `mysql`; no command → undefined. */
export function execProgram(action: string): string | undefined {
  const colon = action.indexOf(":");
  if (colon < 0) return undefined;
  // The daemon writes `<word>: <entrypoint> <args joined by spaces>`: argv[0] is the first word.
  const argv0 = action.slice(colon + 1).trim().split(/\s+/, 1)[0] ?? "";
  const base = argv0.slice(argv0.lastIndexOf("/") + 1);
  // A program name, not a payload: anything else (quotes, `=`, absurd length) is not shown.
  if (!base || base.length > 64 || !/^[A-Za-z0-9._+@-]+$/.test(base)) return base ? "(program name not shown)" : undefined;
  return base;
}

/** `exec_start: sh -c 'secret'` → `exec_start: sh`; other actions (`start`, `health_status: healthy`) as they are. */
export function redactExecAction(action: string): string {
  const colon = action.indexOf(":");
  if (colon < 0) return action;
  const word = action.slice(0, colon).trim();
  if (!word.startsWith("exec_")) return action;
  const prog = execProgram(action);
  return prog ? `${word}: ${prog}` : word;
}
