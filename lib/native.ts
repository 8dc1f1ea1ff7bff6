// The one place that loads the native addon (node-gyp-build: build/Release first, then
// prebuilds/<platform>-<arch>/), typed by binding.d.ts.
import * as fs from 'fs';
import * as path from 'path';
import type { Binding } from '../binding';

function load(): Binding {
  // lib/native.ts (tests) or dist/lib/native.js (package): the root holds binding.d.ts.
  let root = path.resolve(__dirname, '..');
  if (!fs.existsSync(path.join(root, 'CMakeLists.txt'))) root = path.resolve(root, '..');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('node-gyp-build')(root) as Binding;
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(
      `flint: could not load the native addon for ${process.platform}-${process.arch} (Node ${process.versions.node}, ` +
        `N-API ${process.versions.napi}).\n  ${msg}\n` +
        `  Build it from source with: npm run build:native   (needs cmake and a C++17 compiler)`,
    );
  }
}

export const native: Binding = load();
