// Peers too big for devDependencies, installed on demand into the git-ignored bench/.peers/.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const peersDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.peers');
const UWS = 'uwebsockets@3.0.6'; // an unofficial npm republish of uWebSockets.js (257 MB unpacked)

let uwsState; // undefined: not tried yet; null: ready; string: why it is unavailable

/** Installs uWebSockets.js into bench/.peers the first time; returns null when ready, else why not. */
export function ensureUws() {
  if (uwsState !== undefined) return uwsState;
  const marker = path.join(peersDir, 'node_modules', 'uwebsockets', 'package.json');
  if (!existsSync(marker)) {
    process.stderr.write(`installing ${UWS} into bench/.peers (first use, about 260 MB)…\n`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(npm, ['install', '--prefix', peersDir, '--no-save', '--no-audit', '--no-fund', '--fetch-retries=1', UWS], {
      stdio: ['ignore', 'ignore', 'pipe'], timeout: 180_000, // bounded: without a registry, skip uws and go on
    });
    if (result.status !== 0 || !existsSync(marker)) {
      const lines = (result.stderr?.toString() ?? '').split('\n').filter((l) => /npm (error|ERR)/.test(l) && !/complete log/.test(l));
      const why = lines.slice(0, 2).map((l) => l.replace(/^npm (error|ERR!)\s*/, '')).join('; ') || result.error?.message || `exit ${result.status}`;
      uwsState = `npm install ${UWS} into bench/.peers failed (${why})`;
      return uwsState;
    }
  }
  uwsState = null;
  return uwsState;
}
