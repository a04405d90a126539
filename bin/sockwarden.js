#!/usr/bin/env node
// Thin launcher: the bundled CLI lives in dist/ (built by `npm ci` through the prepare script).
import "../dist/cli.js";
