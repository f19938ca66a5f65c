// Builds krozen/client (client/, docs/client.md) into dist/client/: index.mjs (ESM, browsers and Node),
// index.cjs (for require() on Node), krozen-client.min.mjs (minified, for a <script type="module">), and
// the declarations. `ws` stays an import the bundle makes only on Node 20 (no global WebSocket); it is
// never bundled.
//
// Declarations: tsc emits .d.ts files into a temp directory; they are written twice, as .d.mts with .mjs
// specifiers (types/esm/) and as .d.cts with .cjs specifiers (types/cjs/), because the package is
// "type": "commonjs": a .d.ts beside an .mjs would be read as CommonJS types (attw's "FalseCJS").
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
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
await build({ ...common, format: 'cjs', platform: 'node', outfile: path.join(out, 'index.cjs') });

const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'krozen-client-types-'));
try {
  const config = path.join(root, 'client/tsconfig.json');
  execFileSync(process.execPath, [tsc, '-p', config, '--outDir', tmp], { stdio: 'inherit' });
  for (const [kind, ext] of [
    ['esm', 'mts'],
    ['cjs', 'cts'],
  ]) {
    for (const file of walk(tmp)) {
      if (!file.endsWith('.d.ts')) continue;
      const text = readFileSync(file, 'utf8').replace(/(from\s+['"])(\.{1,2}\/[^'"]+?)(['"])/g, `$1$2.${ext[0]}js$3`);
      const dest = path.join(out, 'types', kind, path.relative(tmp, file)).replace(/\.d\.ts$/, `.d.${ext}`);
      mkdirSync(path.dirname(dest), { recursive: true });
      writeFileSync(dest, text);
    }
    writeFileSync(path.join(out, `index.d.${ext}`), `export * from './types/${kind}/client/index.${ext[0]}js';\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}
