#!/usr/bin/env node
// krozen's side-by-side benchmark: node bench/run.mjs [suite…] [--quick] [--servers a,b] [--rounds n]
//   [--duration s] [--warmup s] [--gen-threads n] [--idle-connections n] [--out dir] [--servers-dir dir]
// For each suite and round, each server starts fresh (interleaved A B A B …), takes the load, and has its own
// CPU time and memory read from /proc. Prints one table per suite; writes bench/results/<timestamp>.json,
// latest.json and latest.svg. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installCleanup } from './lib/children.mjs';
import { SERVERS, benchDir, unavailable } from './lib/servers.mjs';
import { SUITES, SUITE_ALIASES, SUITE_ORDER } from './lib/suites.mjs';
import { startServer } from './lib/server-process.mjs';
import { IDLE_CONNECTIONS, runHttpRound } from './lib/http-suite.mjs';
import { runWsRound } from './lib/ws-suite.mjs';
import { runMicro } from './lib/micro-suite.mjs';
import { aggregate, tlsCost } from './lib/aggregate.mjs';
import { suiteTable } from './lib/table.mjs';
import { wrkMissing } from './lib/wrk.mjs';
import { h2loadMissing } from './lib/h2load.mjs';
import { hardFdLimit } from './lib/limits.mjs';
import { renderChart } from './chart.mjs';
import { krozenBuildNotes } from './lib/krozen-build.mjs';

const USAGE = `usage: node bench/run.mjs [suite…] [--quick] [--servers a,b] [--rounds n] [--duration s] [--warmup s]
       [--gen-threads n] [--idle-connections n] [--out dir] [--servers-dir dir]
suites: ${SUITE_ORDER.join(', ')} (default: all but ws-idle-100k); realtime = ws-publish-redis
servers: ${Object.keys(SERVERS).join(', ')} (default: each suite's list)`;

function parseArgs(argv) {
  const opts = {
    suites: [],
    quick: false,
    servers: null,
    rounds: null,
    duration: null,
    warmup: null,
    genThreads: 2,
    idleConnections: IDLE_CONNECTIONS,
    out: path.join(benchDir, 'results'),
    serversDir: path.join(benchDir, 'servers'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--servers') opts.servers = value().split(',').filter(Boolean);
    else if (a === '--rounds') opts.rounds = Number(value());
    else if (a === '--duration') opts.duration = Number(value());
    else if (a === '--warmup') opts.warmup = Number(value());
    else if (a === '--gen-threads') opts.genThreads = Number(value());
    else if (a === '--idle-connections') opts.idleConnections = Number(value());
    else if (a === '--out') opts.out = path.resolve(value());
    else if (a === '--servers-dir') opts.serversDir = path.resolve(value());
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else if (SUITE_ALIASES[a]) opts.suites.push(SUITE_ALIASES[a]);
    else if (!SUITES[a]) throw new Error(`unknown suite '${a}'\n${USAGE}`);
    else opts.suites.push(a);
  }
  if (opts.suites.length === 0) opts.suites = SUITE_ORDER.filter((name) => SUITES[name].optional !== true);
  opts.rounds ??= opts.quick ? 1 : 3;
  opts.duration ??= opts.quick ? 2 : 5; // wrk rounds to whole seconds
  opts.warmup ??= opts.quick ? 0.5 : 1;
  for (const s of opts.servers ?? []) if (!SERVERS[s]) throw new Error(`unknown server '${s}'\n${USAGE}`);
  return opts;
}

function suiteFor(name) {
  const suite = SUITES[name];
  if (suite.ws?.mode !== 'idle') return { suite, note: null };
  // Server and generator each hold one descriptor per connection (plus a few dozen of their own).
  const limit = hardFdLimit();
  const want = suite.ws.connections;
  if (limit >= want + 256) return { suite, note: null };
  const connections = Math.max(100, limit - 256);
  return {
    suite: { ...suite, ws: { ...suite.ws, connections } },
    note: `fd hard limit is ${limit}: opened ${connections} connections instead of ${want}`,
  };
}

async function runSuite(name, opts, availability) {
  const { suite, note } = suiteFor(name);
  const notes = note ? [note] : [];
  if (suite.kind === 'micro') {
    const micro = await runMicro(name, suite, opts);
    if (micro.skipped) notes.push(micro.skipped);
    return { title: suite.title, kind: 'micro', output: micro.output ?? null, data: micro.data ?? null, notes };
  }
  if (suite.kind === 'http') {
    const missing = suite.http === 'h2get' ? h2loadMissing() : wrkMissing();
    if (missing)
      return { title: suite.title, kind: 'http', baseline: suite.baseline, rows: [], notes: [missing], error: missing };
  }
  // --servers may also pick a server outside the suite's default list, if it serves that kind of load.
  const names = opts.servers ? opts.servers.filter((s) => SERVERS[s][suite.kind]) : suite.servers;
  const perServer = {};
  const runnable = [];
  for (const server of names) {
    if (!availability.has(server)) availability.set(server, await unavailable(server, opts.serversDir));
    const why = availability.get(server);
    perServer[server] = { rounds: [], failures: why ? [`skipped: ${why}`] : [] };
    if (!why) runnable.push(server);
  }
  const timing = {
    duration: opts.duration,
    warmup: opts.warmup,
    genThreads: opts.genThreads,
    idleConnections: opts.idleConnections,
  };
  for (let round = 0; round < opts.rounds; round++) {
    for (const server of runnable) {
      let proc = null;
      try {
        proc = await startServer(server, opts.serversDir, suite.env ?? {});
        const result =
          suite.kind === 'http' ? await runHttpRound(proc, suite.http, timing) : await runWsRound(proc, suite, timing);
        perServer[server].rounds.push(result);
      } catch (err) {
        perServer[server].failures.push(err.message.split('\n')[0].slice(0, 300));
      } finally {
        if (proc) await proc.stop();
      }
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  if (names.length === 0) notes.push(`no selected server serves ${suite.kind} load`);
  const { rows, baselineMissing } = aggregate(suite, perServer);
  if (baselineMissing) notes.push(`baseline ${suite.baseline} has no result: no ratios`);
  const costs = tlsCost(suite.tlsPairs, rows);
  notes.push(...costs.map((c) => c.line));
  if (rows.some((r) => r.limit === 'generator')) {
    notes.push(
      'generator-bound: the load generator (not the server) was the limit for the rows marked so; compare server CPU µs/op there',
    );
  }
  if (rows.some((r) => r.limit === 'contended')) {
    notes.push(
      'CPU contended: other processes kept the machine busy while neither server nor generator saturated; figures are noisy',
    );
  }
  const result = { title: suite.title, kind: suite.kind, baseline: suite.baseline, unit: suite.unit, rows, notes };
  if (suite.tlsPairs) result.tlsCost = costs.map((c) => ({ ...c, line: undefined }));
  return result;
}

function printSuite(name, result) {
  console.log(`\n## ${name}: ${result.title}\n`);
  if (result.kind === 'micro') {
    if (result.output) console.log(result.output);
  } else if (result.rows.length > 0) console.log(suiteTable(SUITES[name], result.rows));
  for (const n of result.notes) console.log(`\n> ${n}`);
}

function writeResults(results, opts, stamp) {
  mkdirSync(opts.out, { recursive: true });
  const json = `${JSON.stringify(results, null, 1)}\n`;
  writeFileSync(path.join(opts.out, `${stamp}.json`), json);
  writeFileSync(path.join(opts.out, 'latest.json'), json);
  writeFileSync(path.join(opts.out, 'latest.svg'), renderChart(results));
}

async function main() {
  installCleanup();
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const results = {
    date: started.toISOString(),
    command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.availableParallelism?.() ?? os.cpus().length,
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
    },
    options: {
      quick: opts.quick,
      rounds: opts.rounds,
      duration: opts.duration,
      warmup: opts.warmup,
      genThreads: opts.genThreads,
      idleConnections: opts.idleConnections,
    },
    suites: {},
  };
  console.log(
    `# krozen bench: ${results.date}, ${results.machine.cpu}, ${results.machine.cores} cores, Node ${process.version}`,
  );
  console.log(
    `rounds ${opts.rounds} × ${opts.duration} s (+${opts.warmup} s warm-up), servers interleaved; medians over rounds`,
  );
  const wantsKrozen =
    opts.suites.some((n) => SUITES[n].kind !== 'micro') &&
    (!opts.servers || opts.servers.some((s) => s.startsWith('krozen')));
  results.krozen = wantsKrozen ? krozenBuildNotes() : [];
  for (const note of results.krozen) console.log(`> ${note}`);
  const availability = new Map();
  for (const name of opts.suites) {
    process.stderr.write(`${name} `);
    const result = await runSuite(name, opts, availability);
    results.suites[name] = result;
    printSuite(name, result);
    writeResults(results, opts, stamp);
  }
  results.seconds = (Date.now() - started.getTime()) / 1000;
  writeResults(results, opts, stamp);
  console.log(
    `\nresults: ${path.relative(process.cwd(), path.join(opts.out, `${stamp}.json`))}, latest.json, latest.svg (${results.seconds.toFixed(0)} s)`,
  );
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
