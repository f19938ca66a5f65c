// Lets a plain `node` child process (cluster primaries and workers in tests) require the TypeScript
// sources directly: `node -r ./test/helpers/ts-register.js script.ts`. Types are stripped by @swc/core,
// the same transform jest uses. cluster.fork() passes -r on to the workers through execArgv.
const fs = require('node:fs');
const swc = require('@swc/core');

const options = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
