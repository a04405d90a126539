// Bundles the CLI and the library with esbuild. Why bundle: start-up time matters in
// pre-commit hooks (one file per entry + lazily loaded chunks per command beats hundreds of
// tiny module loads), and users get one self-contained dist/ without a TypeScript runtime.
//
// Three outputs:
//   dist/index.js, dist/cli.js + dist/chunks/  the library and the full CLI (ESM, split).
//   dist/start.cjs      what bin/sockwarden.js runs first (src/cli/start.ts): `--version`, and
//                       the choice between the two scan paths. Tiny.
//   dist/scan-file.cjs  a one-file scan of the formats pre-commit hooks hand over most
//                       (src/cli/fast-scan.ts with START_FORMATS below), in one file.
// The two .cjs files are CommonJS because a CommonJS program never starts Node's ESM loader
// (its set-up, the facades of node:fs and node:crypto and a resolve/read/link per module cost
// more than the one-file scan itself), and not split, so a one-file scan reads two files.
import { build } from "esbuild";
import { rmSync, readFileSync } from "node:fs";

const { version } = JSON.parse(readFileSync("package.json", "utf8"));

/** The formats dist/scan-file.cjs carries: the content-sniffed YAML readers every `*.yml` is
 *  offered to (src/sources/index.ts, in its order). cli/start.ts sends a one-file scan there only
 *  when no other format may want the file; every other format's module is left out (a stub that
 *  throws, should the two ever disagree). The id is the registry's entry id, the module the
 *  specifier its loader imports. */
const START_FORMATS = [
  { id: "tekton", module: "./ci/tekton/index.js" },
  { id: "ansible", module: "./ansible/index.js" },
  { id: "kubernetes", module: "./kubernetes/index.js" },
  { id: "compose", module: "./compose/index.js" },
];

/** Replaces the dynamic imports `leaveOut(importer, specifier)` names with a module that throws
 *  when loaded: code a bundle must never reach stays out of its bytes. */
const leaveOutPlugin = (bundle, leaveOut) => ({
  name: "leave-out",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (a) => {
      if (a.kind !== "dynamic-import" || !leaveOut(a.importer.replaceAll("\\", "/"), a.path)) return undefined;
      return { path: a.path, namespace: "left-out" };
    });
    b.onLoad({ filter: /.*/, namespace: "left-out" }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`sockwarden: internal error: ${a.path} is not part of ${bundle} (see scripts/build.mjs)`)});`,
      loader: "js",
    }));
  },
});

/** In the CommonJS bundles node:module loads on first use: the sources import createRequire
 *  for rare paths only (a Node without process.getBuiltinModule; running from source). */
const lazyNodeModulePlugin = {
  name: "lazy-node-module",
  setup(b) {
    b.onResolve({ filter: /^(node:)?module$/ }, (a) => (a.kind === "import-statement" ? { path: "node:module", namespace: "lazy-node-module" } : undefined));
    b.onLoad({ filter: /.*/, namespace: "lazy-node-module" }, () => ({
      contents: 'export function createRequire(from) { return require("node:module").createRequire(from); }',
      loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  // Whitespace and syntax only: names stay readable in stack traces (and the source map has the rest).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  define: { __SOCKWARDEN_VERSION__: JSON.stringify(version) },
};

// In the CommonJS bundles `import.meta.url` is this file's URL, made only if something asks.
// The banner comes before esbuild's own "use strict", so it repeats it: the directive only
// counts as the file's first statement, and the sources are ESM (strict) code.
const cjs = {
  ...common,
  format: "cjs",
  banner: { js: '"use strict"; var __swImportMeta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
  define: { ...common.define, "import.meta.url": "__swImportMeta.url" },
};

rmSync("dist", { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { cli: "src/cli/main.ts", index: "src/index.ts" },
    outdir: "dist",
    splitting: true,
    format: "esm",
    // Dependencies are bundled too: yaml alone is ~70 CommonJS files, and loading one chunk is
    // much faster than resolving and compiling them one by one at every start.
    // Bundled CommonJS (yaml, commander) may require() Node built-ins; esbuild's __require needs a
    // real `require` in scope. The banner lands in every chunk, so it is lazy: createRequire runs
    // only when a chunk actually requires something, not ~30 times at every start.
    banner: {
      js: "import { createRequire as __swCreateRequire } from \"node:module\"; let __swRequire; function require(id) { return (__swRequire ??= __swCreateRequire(import.meta.url))(id); }",
    },
    chunkNames: "chunks/[name]-[hash]",
  }),
  build({
    ...cjs,
    entryPoints: { start: "src/cli/start.ts" },
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
    define: { ...cjs.define, __SOCKWARDEN_START_FORMATS__: JSON.stringify(START_FORMATS.map((f) => f.id).join(" ")) },
    plugins: [
      lazyNodeModulePlugin,
      // The dispatcher asks the format registry's `mayWant` tests and never loads a format.
      leaveOutPlugin("dist/start.cjs", (importer) => importer.endsWith("/src/sources/index.ts")),
    ],
  }),
  build({
    ...cjs,
    entryPoints: { "scan-file": "src/cli/fast-scan.ts" },
    outdir: "dist",
    outExtension: { ".js": ".cjs" },
    // This bundle runs through vm.Script (src/cli/code-cache.ts), where a real import() has no
    // loader: any dynamic import left (of a built-in) becomes a require.
    supported: { "dynamic-import": false },
    plugins: [
      lazyNodeModulePlugin,
      leaveOutPlugin("dist/scan-file.cjs", (importer, spec) =>
        // Formats other than START_FORMATS; the HTML report (not a scan format); the directory
        // walker's .gitignore and --exclude matchers (a one-file scan walks nothing).
        (importer.endsWith("/src/sources/index.ts") && !START_FORMATS.some((f) => f.module === spec)) ||
        (importer.endsWith("/src/cli/render.ts") && spec === "../report/html/index.js") ||
        importer.endsWith("/src/scan/walk.ts"),
      ),
    ],
  }),
]);
