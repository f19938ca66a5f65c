// What the krozen rows actually measure: which backends dist/ loads (native addon or JS twins), and whether
// dist/ is older than lib/ (a stale build would benchmark old code).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { rootDir } from './servers.mjs';

function newestMtime(dir, ext) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Notes about the krozen build to print before the tables; empty when all is well. */
export function krozenBuildNotes() {
  const notes = [];
  const dist = path.join(rootDir, 'dist', 'index.js');
  if (!existsSync(dist)) return ['dist/ is missing: krozen rows are skipped (run `npm run build:ts`)'];
  if (newestMtime(path.join(rootDir, 'lib'), '.ts') > newestMtime(path.join(rootDir, 'dist'), '.js')) {
    notes.push(
      'WARNING: lib/ has changes newer than dist/: krozen rows measure the old build (run `npm run build:ts`)',
    );
  }
  for (const [label, env] of [
    ['krozen', {}],
    ['krozen-js', { KROZEN_NO_NATIVE: '1' }],
  ]) {
    try {
      const out = execFileSync(
        process.execPath,
        ['-e', 'const b=require(process.argv[1]).getBackends();console.log(JSON.stringify(b))', dist],
        { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 15_000 },
      );
      const b = JSON.parse(out);
      notes.push(
        `${label} backends: mask ${b.mask}, json ${b.json}${b.loadError && label === 'krozen' ? ` (addon not loaded: ${b.loadError})` : ''}`,
      );
    } catch (err) {
      notes.push(`${label}: cannot read its backends (${err.message.split('\n')[0]})`);
    }
  }
  return notes;
}
