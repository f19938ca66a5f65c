// Builds krozen/client (client/, docs/client.md) into dist/client/: index.mjs (ESM, browsers and Node),
// krozen-client.min.mjs (minified, for a <script type="module">), and the declarations. `ws` stays an
// import the bundle makes only on Node 20 (no global WebSocket); it is never bundled.
//
// Declarations: tsc emits .d.ts files into dist/client/types/; they are renamed .d.mts with explicit
// .mjs specifiers, because the package is "type": "commonjs" and a .d.ts beside an .mjs would be read
// as CommonJS types (@arethetypeswrong/cli's "FalseCJS").
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/client');
rmSync(out, { recursive: true, force: true });

const common = {
  entryPoints: [path.join(root, 'client/index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['ws'],
  logLevel: 'warning',
};
await build({ ...common, outfile: path.join(out, 'index.mjs') });
await build({ ...common, outfile: path.join(out, 'krozen-client.min.mjs'), minify: true });

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'client/tsconfig.json')], { stdio: 'inherit' });
const types = path.join(out, 'types');
for (const file of walk(types)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8').replace(/(from\s+['"])(\.{1,2}\/[^'"]+?)(['"])/g, '$1$2.mjs$3');
  writeFileSync(file, text);
  renameSync(file, file.replace(/\.d\.ts$/, '.d.mts'));
}
writeFileSync(path.join(out, 'index.d.mts'), "export * from './types/client/index.mjs';\n");

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}
