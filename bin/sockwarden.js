#!/usr/bin/env node
// Thin launcher: the bundled CLI lives in dist/ (built by `npm ci` through the prepare script).
// CommonJS on purpose (bin/package.json): a CommonJS program does not start Node's ESM loader
// unless it needs it, and `--version` or a one-file scan do not (src/cli/start.ts).
require("../dist/start.cjs");
