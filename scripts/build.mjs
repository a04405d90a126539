// Bundles the CLI and the library with esbuild. Why bundle: start-up time matters in
// pre-commit hooks (one file per entry + lazily loaded chunks per command beats hundreds of
// tiny module loads), and users get one self-contained dist/ without a TypeScript runtime.
import { build } from "esbuild";
import { rmSync, readFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync("package.json", "utf8"));

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { cli: "src/cli/main.ts", index: "src/index.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Dependencies are bundled too: yaml alone is ~70 CommonJS files, and loading one chunk is
  // much faster than resolving and compiling them one by one at every start.
  // Bundled CommonJS (yaml, commander) may require() Node built-ins; esbuild's __require needs a
  // real `require` in scope. The banner lands in every chunk, so it is lazy: createRequire runs
  // only when a chunk actually requires something, not ~30 times at every start.
  banner: {
    js: "import { createRequire as __swCreateRequire } from \"node:module\"; let __swRequire; function require(id) { return (__swRequire ??= __swCreateRequire(import.meta.url))(id); }",
  },
  sourcemap: "linked",
  // Whitespace and syntax only: names stay readable in stack traces (and the source map has the rest).
  minifyWhitespace: true,
  minifySyntax: true,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  define: { __SOCKWARDEN_VERSION__: JSON.stringify(version) },
});
