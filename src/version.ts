import { readFileSync } from "node:fs";

declare const __SOCKWARDEN_VERSION__: string | undefined;

/** The package version: injected at build time (no file read at start-up), read from
 *  package.json when running from source (tests through tsx). */
export const VERSION: string =
  typeof __SOCKWARDEN_VERSION__ === "string"
    ? __SOCKWARDEN_VERSION__
    : (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

export const TOOL = { name: "sockwarden", version: VERSION } as const;
