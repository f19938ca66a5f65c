// WebSocket masking, side by side in one process: krozen (the dispatcher lib/backend/mask.ts, each
// native kernel called raw through the addon's *Word entry points as the dispatcher calls them,
// the JS twin), bufferutil (native build), ws's JS byte loop, and Buffer.copy (memcpy ceiling).
// Rounds are interleaved (every method once per round, per size) and each method's best round is
// kept: on a shared machine the other tenants only ever slow a round down, so the best round is
// the most repeatable figure, and interleaving lets drift hit every method alike.
//
//   npm run build:ts && node bench/mask.mjs [--quick] [--crossover]
//     --quick      fewer rounds, shorter batches (< 30 s)
//     --crossover  small sizes only, JS twin vs native call: picks MASK/UNMASK_NATIVE_MIN
//     --word-loop  the JS twin's unmask compiled with several WORD_LOOP_MIN values, ns per call
// Prints markdown tables; writes bench/results/mask.json (or mask-crossover.json).
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const krozen = require(join(root, 'dist/backend/mask.js'));
const twin = require(join(root, 'dist/backend/mask-js.js'));
const { native, loadError } = require(join(root, 'dist/backend/load.js'));
const bufferutil = require('bufferutil');
const bufferutilFallback = require('bufferutil/fallback');

const args = new Set(process.argv.slice(2));
if (args.has('--word-loop')) {
  wordLoop();
  process.exit(0);
}
const quick = args.has('--quick');
const crossover = args.has('--crossover');
// Many short batches: a 2-3 ms batch often fits in one uncontended CPU slice on a busy machine.
const ROUNDS = quick ? 15 : 40;
const BATCH_MS = quick ? 2 : 3;

const bufferutilNative = bufferutil.unmask !== bufferutilFallback.unmask;
const kernels = native && typeof native.maskKernels === 'function' ? native.maskKernels() : [];
const defaultKernel = kernels[0];

// Each loop is compiled from its own source text (new Function) so V8 keeps separate type
// feedback per method: closures from one factory would share it and turn call sites megamorphic.
function loop(body) {
  return new Function('fn', 'src', 'key', 'out', `return function (n) { for (let k = 0; k < n; k++) { ${body} } };`);
}
const wsUnmaskLoop = new Function(
  'src',
  'key',
  `return function (n) {
  for (let k = 0; k < n; k++) { const len = src.length; for (let i = 0; i < len; i++) src[i] ^= key[i & 3]; } };`,
);
const wsMaskLoop = new Function(
  'src',
  'key',
  'out',
  `return function (n) {
  for (let k = 0; k < n; k++) { const len = src.length; for (let i = 0; i < len; i++) out[i] = src[i] ^ key[i & 3]; } };`,
);

function methods(op, src, key, out) {
  const list = [];
  const word = key.readUInt32LE(0); // the *Word entry points take mask[0] in the low byte
  const add = (name, make, kernel) => list.push({ name, run: make(), kernel });
  if (op === 'unmask') {
    if (native) add('krozen', () => loop('fn(src, key);')(krozen.unmask, src, key, out), defaultKernel);
    for (const k of kernels) add(`native ${k}`, () => loop('fn(src, key);')(native.unmaskWord, src, word, out), k);
    add('krozen JS twin', () => loop('fn(src, key);')(twin.unmask, src, key, out));
    add('bufferutil', () => loop('fn(src, key);')(bufferutil.unmask, src, key, out));
    add('ws JS loop', () => wsUnmaskLoop(src, key));
    add('Buffer.copy', () => loop('src.copy(out, 0);')(null, src, key, out));
  } else {
    const len = src.length;
    if (native) add('krozen', () => loop(`fn(src, key, out, 0, ${len});`)(krozen.mask, src, key, out), defaultKernel);
    for (const k of kernels)
      add(`native ${k}`, () => loop(`fn(src, key, out, 0, ${len});`)(native.maskWord, src, word, out), k);
    add('krozen JS twin', () => loop(`fn(src, key, out, 0, ${len});`)(twin.mask, src, key, out));
    add('bufferutil', () => loop(`fn(src, key, out, 0, ${len});`)(bufferutil.mask, src, key, out));
    add('ws JS loop', () => wsMaskLoop(src, key, out));
    add('Buffer.copy', () => loop('src.copy(out, 0);')(null, src, key, out));
  }
  return list;
}

// Loads dist/backend/mask-js.js once per candidate threshold (its source with the constant
// replaced) and times unmask at sizes around the switch, interleaved, best of 40 rounds.
function wordLoop() {
  const Module = require('node:module');
  const file = join(root, 'dist/backend/mask-js.js');
  const source = readFileSync(file, 'utf8');
  const candidates = [64, 96, 128, 160, 192, 256];
  const variants = candidates.map((v) => {
    const m = new Module(file);
    m.filename = file;
    m.paths = Module._nodeModulePaths(dirname(file));
    m._compile(source.replace(/exports\.WORD_LOOP_MIN = \d+/, `exports.WORD_LOOP_MIN = ${v}`), file);
    if (m.exports.WORD_LOOP_MIN !== v) throw new Error('could not set WORD_LOOP_MIN');
    return m.exports;
  });
  const key = randomBytes(4);
  console.log(`JS twin unmask, ns per call (best of 40 interleaved rounds), by WORD_LOOP_MIN\n`);
  console.log(
    `| size | ${candidates.map((v) => `min ${v}`).join(' | ')} |\n|---|${candidates.map(() => '---:').join('|')}|`,
  );
  for (const size of [64, 80, 96, 112, 128, 160, 192, 256, 384]) {
    const buf = randomBytes(size);
    const loops = variants.map((m) => loop('fn(src, key);')(m.unmask, buf, key, null));
    const best = loops.map(() => Infinity);
    for (const l of loops) l(20000);
    for (let r = 0; r < 40; r++) {
      loops.forEach((l, i) => {
        const t0 = process.hrtime.bigint();
        l(5000);
        best[i] = Math.min(best[i], Number(process.hrtime.bigint() - t0) / 5000);
      });
    }
    console.log(`| ${size} B | ${best.map((ns) => ns.toFixed(0)).join(' | ')} |`);
  }
}

function timeBatch(m, iterations) {
  if (m.kernel) native._setMaskKernel(m.kernel);
  const t0 = process.hrtime.bigint();
  m.run(iterations);
  const ns = Number(process.hrtime.bigint() - t0);
  if (m.kernel) native._setMaskKernel(defaultKernel);
  return ns;
}

// Doubles the iteration count until a batch takes >= 1 ms (this also warms the JIT), then
// scales it to BATCH_MS using the fastest of three batches at that count.
function calibrate(m) {
  let n = 1;
  while (timeBatch(m, n) < 1e6 && n < 1 << 26) n *= 2;
  const ns = Math.min(timeBatch(m, n), timeBatch(m, n), timeBatch(m, n));
  return Math.max(1, Math.round((n * BATCH_MS * 1e6) / Math.max(ns, 1)));
}

function measure(op, size) {
  const src = randomBytes(size);
  const out = Buffer.alloc(size);
  const key = randomBytes(4);
  const list = methods(op, src, key, out);
  for (const m of list) {
    m.iterations = calibrate(m);
    m.samples = [];
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of list) m.samples.push((size * m.iterations) / timeBatch(m, m.iterations)); // bytes/ns = GB/s
  }
  const result = {};
  for (const m of list) result[m.name] = Math.max(...m.samples);
  return result;
}

function label(size) {
  if (size >= 1 << 20) return `${size / (1 << 20)} MiB`;
  if (size >= 1024) return `${size / 1024} KiB`;
  return `${size} B`;
}

function fmt(v) {
  return v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function table(op, sizes, rows) {
  const names = Object.keys(rows[0]);
  const lines = [
    `### ${op}: GB/s (ratio to bufferutil)`,
    '',
    `| size | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`,
  ];
  sizes.forEach((size, i) => {
    const base = rows[i].bufferutil;
    const cells = names.map((n) =>
      n === 'bufferutil' ? fmt(rows[i][n]) : `${fmt(rows[i][n])} (${(rows[i][n] / base).toFixed(2)}×)`,
    );
    lines.push(`| ${label(size)} | ${cells.join(' | ')} |`);
  });
  return lines.join('\n');
}

const sizes = crossover
  ? [16, 32, 48, 64, 80, 96, 112, 128, 192, 256, 512]
  : [16, 64, 125, 1024, 16 * 1024, 64 * 1024, 1 << 20, 16 << 20];

console.log(
  `node ${process.version}, krozen mask backend: ${krozen.maskBackend}, kernels: ${kernels.join(', ') || 'none'}` +
    `${loadError ? ` (addon: ${loadError})` : ''}; bufferutil: ${bufferutilNative ? 'native' : 'JS fallback (!)'}; ` +
    `best of ${ROUNDS} interleaved rounds x ${BATCH_MS} ms`,
);
const started = Date.now();
const report = {
  node: process.version,
  maskBackend: krozen.maskBackend,
  kernels,
  bufferutilNative,
  rounds: ROUNDS,
  batchMs: BATCH_MS,
  results: {},
};
for (const op of ['unmask', 'mask']) {
  const rows = sizes.map((size) => measure(op, size));
  report.results[op] = Object.fromEntries(sizes.map((s, i) => [s, rows[i]]));
  console.log(`\n${table(op, sizes, rows)}`);
}
console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(
  join(root, `bench/results/${crossover ? 'mask-crossover' : 'mask'}.json`),
  JSON.stringify(report, null, 2),
);
