#!/usr/bin/env node
// After tsc: ship binding.d.ts beside the compiled declarations (dist/lib/*.d.ts import it) and
// make the command-line entry point executable (tsc writes files without the x bit, and
// `npx flint` in this checkout runs the file directly).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
fs.copyFileSync(path.join(root, 'binding.d.ts'), path.join(root, 'dist', 'binding.d.ts'));
const pkg = require(path.join(root, 'package.json'));
for (const bin of Object.values(pkg.bin || {})) fs.chmodSync(path.join(root, bin), 0o755);
