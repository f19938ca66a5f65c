// Peers too big for devDependencies (or needed only by one suite), installed on demand into the git-ignored
// bench/.peers/ (saved in its own package.json, so installing one peer never prunes another).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const peersDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.peers');
const UWS = 'uwebsockets@3.0.6'; // an unofficial npm republish of uWebSockets.js (257 MB unpacked)

const peerState = new Map(); // spec → null (ready) or why it is unavailable

/** Installs uWebSockets.js into bench/.peers the first time; returns null when ready, else why not. */
export function ensureUws() {
  return ensurePeer(UWS, 'about 260 MB');
}

/** Installs `name@version` into bench/.peers the first time; returns null when ready, else why not. */
export function ensurePeer(spec, size = '') {
  if (peerState.has(spec)) return peerState.get(spec);
  const name = spec.slice(0, spec.lastIndexOf('@'));
  const marker = path.join(peersDir, 'node_modules', name, 'package.json');
  let why = null;
  if (!existsSync(marker)) {
    process.stderr.write(`installing ${spec} into bench/.peers (first use${size ? `, ${size}` : ''})…\n`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const result = spawnSync(
      npm,
      ['install', '--prefix', peersDir, '--save-exact', '--no-audit', '--no-fund', '--fetch-retries=1', spec],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 180_000, // bounded: without a registry, skip the peer and go on
      },
    );
    if (result.status !== 0 || !existsSync(marker)) {
      const lines = (result.stderr?.toString() ?? '')
        .split('\n')
        .filter((l) => /npm (error|ERR)/.test(l) && !/complete log/.test(l));
      const detail =
        lines
          .slice(0, 2)
          .map((l) => l.replace(/^npm (error|ERR!)\s*/, ''))
          .join('; ') ||
        result.error?.message ||
        `exit ${result.status}`;
      why = `npm install ${spec} into bench/.peers failed (${detail})`;
    }
  }
  peerState.set(spec, why);
  return why;
}
