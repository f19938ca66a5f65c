// Writes dist/index.mjs: an ES module face over the CommonJS build, with every export named,
// so `import { createApp } from 'krozen'` and `require('krozen')` share one instance; and its types,
// dist/index.d.mts (an ESM declaration file, so TypeScript's node16/nodenext resolution sees ESM for
// `import`: publint and @arethetypeswrong/cli check this).
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== 'default' && n !== '__esModule');
const lines = [
  "import cjs from './index.js';",
  ...names.map((n) => `export const ${n} = cjs.${n};`),
  'export default cjs;',
  '',
];
fs.writeFileSync(path.join(dist, 'index.mjs'), lines.join('\n'));
fs.writeFileSync(
  path.join(dist, 'index.d.mts'),
  ["export * from './index.js';", "import * as cjs from './index.js';", 'export default cjs;', ''].join('\n'),
);
