#!/usr/bin/env node
// npm install hook: use a binary that loads (build/Release, then prebuilds/<platform>-<arch>/,
// as node-gyp-build looks), else build the addon from source with cmake-js. Plain JS: it runs
// before the TypeScript is compiled. Equivalent to `node-gyp-build-test || cmake-js compile`
// without the alarming stack trace when no prebuilt binary matches.
'use strict';
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');
try {
  require('node-gyp-build')(root);
  console.log('flint: using the prebuilt native addon');
  process.exit(0);
} catch (e) {
  console.log(`flint: no prebuilt addon for ${process.platform}-${process.arch} (Node-API); building from source with cmake-js`);
}
const cli = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cli, 'compile', '--log-level', 'warn'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('flint: building the native addon failed. It needs cmake (>= 3.15) and a C++17 compiler (g++ or clang++).');
  process.exit(r.status || 1);
}
