import type { DaemonEndpoint } from "../types.js";
import { endpointsFromFlags, parseDockerdFlags } from "./dockerd.js";
import { lineStarts, splitWords, type PWord } from "./words.js";

/**
 * `/etc/default/docker` (Debian/Ubuntu, `DOCKER_OPTS="-H tcp://…"`) and `/etc/sysconfig/docker`
 * (RHEL, `OPTIONS='…'`): shell-style assignments whose value is dockerd's flags.
 */
export function isDockerDefaultsPath(path: string): boolean {
  return /(^|\/)(default|sysconfig)\/docker$/.test(path);
}

const KEYS = /^\s*(?:export\s+)?(DOCKER_OPTS|OPTIONS|DOCKER_NETWORK_OPTIONS|OTHER_ARGS)=/;

export function defaultsEndpoints(path: string, text: string): DaemonEndpoint[] {
  const starts = lineStarts(text);
  const out: DaemonEndpoint[] = [];
  let i = 0;
  while (i < text.length) {
    let e = text.indexOf("\n", i);
    if (e < 0) e = text.length;
    const raw = text.slice(i, e);
    const m = KEYS.exec(raw);
    if (m) {
      // The value is one shell word (usually quoted); split it again into dockerd's words,
      // keeping positions by re-splitting inside the quotes.
      const valOff = i + m[0].length;
      const q = text[valOff];
      const inner = q === '"' || q === "'" ? valOff + 1 : valOff;
      const close = q === '"' || q === "'" ? text.indexOf(q, inner) : -1;
      const { words, end } = splitWords(text, inner, starts, close >= 0 ? close : text.length);
      out.push(...endpointsFromFlags(parseDockerdFlags(words as PWord[]), path, `${path.split("/").pop()} ${m[1]}`));
      i = Math.max(end, close, e) + 1;
      continue;
    }
    i = e + 1;
  }
  return out;
}
