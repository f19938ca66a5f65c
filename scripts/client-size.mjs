// krozen/client's size as a browser gets it: client/index.ts bundled and minified by esbuild, then gzip -9
// (zlib). Fails (exit 1) over LIMIT. With --compare (npm run size:client), socket.io-client's ESM entry
// measured the same way beside it, installed on demand into bench/.peers; without the flag, only when
// already installed there (CI stays offline).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ensurePeer, peersDir } from '../bench/lib/peers.mjs';

const LIMIT = 6 * 1024; // bytes, minified + gzip -9
const SOCKET_IO = 'socket.io-client@4.8.1';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function measure(entry, options = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    ...options,
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

const rows = [['krozen/client', await measure(path.join(root, 'client/index.ts'), { external: ['ws'] })]];
const installed = existsSync(path.join(peersDir, 'node_modules/socket.io-client/package.json'));
if (process.argv.includes('--compare') || installed) {
  const why = installed ? null : ensurePeer(SOCKET_IO);
  if (why) console.log(`socket.io-client not measured: ${why}`);
  else {
    // The package's "browser" + "import" exports: its ESM build for browsers.
    const entry = path.join(peersDir, 'node_modules/socket.io-client/build/esm/index.js');
    rows.push([SOCKET_IO, await measure(entry, { absWorkingDir: peersDir })]);
  }
}

console.log('bundle (esbuild --minify, gzip -9)     minified   min+gzip');
for (const [name, s] of rows) {
  console.log(`${name.padEnd(38)} ${String(s.min).padStart(8)} ${String(s.gzip).padStart(10)}`);
}
const size = rows[0][1].gzip;
if (size > LIMIT) {
  console.error(`krozen/client is ${size} bytes min+gzip, over the limit of ${LIMIT}`);
  process.exit(1);
}
console.log(`krozen/client: ${size} of ${LIMIT} bytes min+gzip (limit ok)`);
