#!/usr/bin/env node
// Long fuzz runs: `npm run fuzz -- --minutes N [--seed S] [--only receiver|encoding|http]`.
// Runs the property suites in test/fuzz with a fresh seed (or --seed) and the time split evenly between
// the properties, then prints executions per property and the seed of any failure (rerun a failure with
// FUZZ_SEED=<seed> FUZZ_PATH=<path> npx jest <file>, printed with it). In `npm test` the same suites run
// with a fixed seed and a few hundred executions each.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const minutes = Number(option('minutes', '1'));
const seed = option('seed', undefined);
const only = option('only', undefined);
if (!(minutes > 0)) {
  console.error('usage: npm run fuzz -- --minutes N [--seed S] [--only receiver|encoding|http]');
  process.exit(2);
}

const dir = path.join(process.cwd(), 'test', 'fuzz');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.fuzz.test.ts') && (only === undefined || f.startsWith(only)));
// Properties per file (fuzz('name', ...) calls): the time is split between all of them.
const properties = files.reduce(
  (n, f) => n + (fs.readFileSync(path.join(dir, f), 'utf8').match(/\bfuzz\('/g) ?? []).length,
  0,
);
const report = path.join(os.tmpdir(), `krozen-fuzz-${process.pid}.jsonl`);
fs.rmSync(report, { force: true });

console.log(
  `fuzz: ${properties} properties in ${files.length} files, ${minutes} min` +
    (seed ? `, seed ${seed}` : ', fresh seeds'),
);
const env = { ...process.env, FUZZ_MINUTES: String(minutes), FUZZ_PROPERTIES: String(properties), FUZZ_REPORT: report };
if (seed !== undefined) env.FUZZ_SEED = seed;
const result = spawnSync('npx', ['jest', '--runInBand', ...files.map((f) => path.join('test', 'fuzz', f))], {
  stdio: 'inherit',
  env,
});

const lines = fs.existsSync(report)
  ? fs
      .readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
let total = 0;
console.log('\nfuzz report');
for (const r of lines) {
  total += r.runs;
  console.log(
    `  ${r.failed ? 'FAILED' : 'ok    '} ${r.name.padEnd(28)} ${String(r.runs).padStart(10)} executions  seed ${r.seed}`,
  );
}
const failed = lines.filter((r) => r.failed);
console.log(`  total ${total} executions, ${failed.length} failing properties`);
if (result.status !== 0 || failed.length > 0) {
  console.log(
    `fuzz: FAILED (${failed.map((r) => `${r.name}: seed ${r.seed}`).join('; ') || `jest exit ${result.status}`})`,
  );
  process.exit(1);
}
console.log('fuzz: passed');
