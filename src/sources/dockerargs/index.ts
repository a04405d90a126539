/** The shared `docker run` parser: shell words with positions, argv grammar, shell-text scanning. */
export { tokenizeShell, resolveWord, isBareExpansion, type Word, type WordPart, type ShellCommand, type Diagnostic, type TokenizeOptions, type TokenizeResult, type VarLookup, type ResolvedWord } from "./words.js";
export { parseDockerCommand, parseRunArgs, findTool, normalizeSecurityOpt, type DockerParseOptions, type DockerCommand } from "./parse.js";
export { parseVolumeSpec, parseMountSpec, splitCsv } from "./mounts.js";
export { scanShell, type ShellScanOptions, type ShellScanResult } from "./scan.js";
