// The in-process micro-benchmarks (bench/mask.mjs, bench/json.mjs, written by the native engineers): run as
// child processes; their markdown table is printed as is and their JSON result file is kept in ours.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, rootDir } from './servers.mjs';
import { track, stop } from './children.mjs';

const TIMEOUT_MS = 90_000;

export function runMicro(suiteName, suite, { quick, rounds, duration, warmup }) {
  const script = path.join(benchDir, suite.script);
  if (!existsSync(script)) return Promise.resolve({ skipped: `bench/${suite.script} does not exist yet` });
  const timing = suite.forwardTiming
    ? ['--rounds', String(rounds), '--duration', String(duration), '--warmup', String(warmup)]
    : [];
  const args = [script, ...(quick ? ['--quick'] : []), ...timing];
  return new Promise((resolve) => {
    const child = track(
      spawn(process.execPath, args, {
        cwd: rootDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: process.env,
      }),
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err = (err + c).slice(-2000);
    });
    const timeoutMs = suite.timeoutMs ?? TIMEOUT_MS;
    const timer = setTimeout(() => {
      err += `\n(timed out after ${timeoutMs / 1000} s)`;
      stop(child, 500);
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        resolve({
          skipped: `node bench/${suite.script} failed (exit ${code}): ${err.trim().split('\n').slice(-2).join(' | ')}`,
          output: out,
        });
        return;
      }
      let data = null;
      const jsonFile = path.join(benchDir, 'results', `${suiteName}.json`);
      try {
        if (existsSync(jsonFile)) data = JSON.parse(readFileSync(jsonFile, 'utf8'));
      } catch {
        data = null;
      }
      resolve({ output: out.trim(), data });
    });
  });
}
