#!/usr/bin/env node
// How krozen scales over cores: node bench/workers.mjs [--quick] [--rounds n] [--duration s] [--workers 1,2]
//   [--wrk-threads n] [--connections n]
// GET /json with wrk against bench/servers/krozen.mjs with settings.workers = 1, 2, … (node:cluster), and with
// settings.reusePort too where this Node has it (22.12+ / 23.1+ on Linux), interleaved round by round.
// Prints req/s and how many cores wrk itself used (its CPU time / wall time): on a small machine the load
// generator competes with the workers, so rerun on a larger one, e.g.
//   node bench/workers.mjs --workers 1,2,4,8 --wrk-threads 4 --connections 200
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCleanup, stop, track } from './lib/children.mjs';
import { freePort, waitForPort } from './lib/ports.mjs';
import { median } from './lib/stats.mjs';
import { runWrk, wrkMissing } from './lib/wrk.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.resolve(benchDir, '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i === -1 ? def : args[i + 1];
};
const quick = args.includes('--quick');
const ROUNDS = Number(opt('--rounds', quick ? 1 : 3));
const DURATION = Number(opt('--duration', quick ? 2 : 5));
const WORKERS = String(opt('--workers', '1,2')).split(',').map(Number);
const WRK_THREADS = Number(opt('--wrk-threads', 1));
const CONNECTIONS = Number(opt('--connections', 50));

function reusePortAvailable() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return process.platform === 'linux' && (major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12));
}

const variants = [];
for (const n of WORKERS) {
  variants.push({ name: n === 1 ? '1 process' : `${n} workers (node:cluster)`, env: { WORKERS: String(n) } });
  if (n > 1 && reusePortAvailable())
    variants.push({ name: `${n} workers (reusePort)`, env: { WORKERS: String(n), REUSE_PORT: '1' } });
}

async function startKrozen(env) {
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [path.join(benchDir, 'servers', 'krozen.mjs')], {
      cwd: rootDir,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, ...env, PORT: String(port) },
    }),
  );
  if (!(await waitForPort(port, 20_000, () => child.exitCode !== null))) {
    await stop(child);
    throw new Error('krozen did not start');
  }
  await new Promise((resolve) => setTimeout(resolve, 300)); // every worker up (the port answers with the first)
  return { port, stop: () => stop(child) };
}

async function main() {
  installCleanup();
  const missing = wrkMissing();
  if (missing) {
    console.log(`> skipped: ${missing}`);
    return;
  }
  const results = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) {
      const server = await startKrozen(v.env);
      try {
        await runWrk({
          url: `http://127.0.0.1:${server.port}/json`,
          seconds: 1,
          connections: CONNECTIONS,
          threads: WRK_THREADS,
        }); // warm-up
        const w = await runWrk({
          url: `http://127.0.0.1:${server.port}/json`,
          seconds: DURATION,
          connections: CONNECTIONS,
          threads: WRK_THREADS,
        });
        results[v.name].push({
          rate: w.rate,
          p99: w.p99,
          errors: w.errors,
          wrkCores: w.clientCpuMicros / 1e6 / w.seconds,
        });
      } finally {
        await server.stop();
      }
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const base = median(results[variants[0].name].map((x) => x.rate));
  console.log('| server | req/s | vs 1 process | p99 ms | wrk used (cores) |');
  console.log('|---|---:|---:|---:|---:|');
  const summary = {};
  for (const v of variants) {
    const rs = results[v.name];
    const s = {
      rate: median(rs.map((x) => x.rate)),
      p99: median(rs.map((x) => x.p99)),
      wrkCores: median(rs.map((x) => x.wrkCores)),
      errors: rs.reduce((a, x) => a + x.errors, 0),
    };
    summary[v.name] = s;
    console.log(
      `| krozen, ${v.name} | ${Math.round(s.rate).toLocaleString('en-US')} | ${(s.rate / base).toFixed(2)}× | ${(s.p99 / 1000).toFixed(2)} | ${s.wrkCores.toFixed(2)} |`,
    );
  }
  console.log(
    `\n${ROUNDS} round(s) × ${DURATION} s, interleaved, medians; wrk -t${WRK_THREADS} -c${CONNECTIONS} on the same machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? ''}), Node ${process.version}${reusePortAvailable() ? '' : ' (no reusePort on this Node: Node 22.12+ / 23.1+ on Linux)'}.`,
  );
  const out = path.join(benchDir, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'workers.json'),
    `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, duration: DURATION, wrkThreads: WRK_THREADS, connections: CONNECTIONS, summary, perRound: results }, null, 1)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
