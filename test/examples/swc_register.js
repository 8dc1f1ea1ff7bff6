// A require hook that compiles .ts files with @swc/core as jest does (jest.config.js: @swc/jest,
// target es2022, CommonJS), so tests can run the examples as programs in a child process:
//   node -r ./test/examples/swc_register.js examples/mlp.ts --limit 256
const fs = require('fs');
const swc = require('@swc/core');

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
