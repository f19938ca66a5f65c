// First the response serializers (bench/lib/serializer-cases.mjs): JSON.stringify vs krozen's compileSerializer
// (a route's `schema.response`) vs fast-json-stringify on three shapes, JSON text only (no bytes).
// Then JSON → UTF-8 bytes, side by side in one process: krozen encodeJson (native path and JS twin, with and
// without headroom), Buffer.from(JSON.stringify(x)) as the baseline, fast-json-stringify (a schema per
// shape) + Buffer.from; then text → bytes for 16 B … 16 MiB strings: utf8WithHeadroom (its own choice),
// the native transcoder forced, the JS twin, Buffer.from.
// Rounds are interleaved (every method once per round, per case) and each method's best round is kept:
// on a shared machine other tenants only ever slow a round down, and interleaving lets drift hit all alike.
//
//   npm run build:ts && node bench/json.mjs [--quick] [--serializer | --crossover]
//     --quick       fewer rounds, shorter batches (< 30 s); the full run takes about 1.5 min
//     --serializer  the serializer table only (~10 s; writes bench/results/json-serializer.json)
//     --crossover   text sizes 128 … 16 Ki only, native transcoder vs JS twin: picks the NATIVE_MIN_* thresholds
// Prints markdown tables; writes bench/results/json.json (or json-serializer.json, json-crossover.json).
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERIALIZER_METHODS, serializerCases, serializerTable } from './lib/serializer-cases.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const json = require(join(root, 'dist/backend/json.js'));
const fastJson = require('fast-json-stringify');

const quick = process.argv.includes('--quick');
const crossover = process.argv.includes('--crossover');
const serializerOnly = process.argv.includes('--serializer');
if (crossover && serializerOnly) throw new Error('--serializer and --crossover each pick one table: give one');
const ROUNDS = quick ? 7 : 15;
const BATCH_MS = quick ? 3 : 5;
const BIG_ROUNDS = quick ? 5 : 9; // cases whose single op takes more than half a batch
const binding = json.jsonNative;

// ---- the three shapes of ../shared/spec/anchors.md ----
function rngFrom(seed) {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const small = { id: 12345, name: 'krozen bench', ok: true, score: 98.6, tags: ['fast', 'json'] };

const records = Array.from({ length: 100 }, (_, i) => ({
  id: i,
  uuid: `a1b2c3d4-${i.toString(16).padStart(8, '0')}`,
  name: `user ${i}`,
  email: `user${i}@example.com`,
  active: i % 3 === 0,
  balance: Math.round(i * 1337) / 100,
  age: 20 + (i % 50),
  tags: ['alpha', 'beta', 'gamma'],
  address: { street: `${i} Main Street`, city: 'Springfield', zip: '12345' },
  created: '2024-01-01T00:00:00.000Z',
  note: 'lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore',
}));

// ~1 MB: records of prose where about one word in six needs escaping or is non-ASCII (Latin-1, CJK, emoji).
function mixedShape() {
  const rng = rngFrom(42);
  const plain = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'server', 'socket', 'frame', 'bytes'];
  const special = [
    '"quoted"',
    'back\\slash',
    'line\nbreak',
    'tab\there',
    'caf\u00e9',
    'na\u00efve',
    '\u4e2d\u6587',
    '\ud83d\ude00',
    '</script>',
    'ctrl\u0001',
    '\u00fcber',
    '\u2028sep',
  ];
  const word = () => (rng() < 0.16 ? special : plain)[Math.floor(rng() * 12)];
  const sentence = (n) => Array.from({ length: n }, word).join(' ');
  const out = [];
  for (let size = 0, id = 0; size < 1_000_000; id++) {
    const rec = { id, title: sentence(6), body: sentence(40), score: Math.round(rng() * 1e6) / 1e3, flag: rng() < 0.5 };
    out.push(rec);
    size += Buffer.byteLength(JSON.stringify(rec));
  }
  return out;
}
const mixed = mixedShape();

const str = { type: 'string' };
const num = { type: 'number' };
const bool = { type: 'boolean' };
const schemas = {
  small: {
    type: 'object',
    properties: { id: { type: 'integer' }, name: str, ok: bool, score: num, tags: { type: 'array', items: str } },
  },
  records: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        id: { type: 'integer' },
        uuid: str,
        name: str,
        email: str,
        active: bool,
        balance: num,
        age: { type: 'integer' },
        tags: { type: 'array', items: str },
        address: { type: 'object', properties: { street: str, city: str, zip: str } },
        created: str,
        note: str,
      },
    },
  },
  mixed: {
    type: 'array',
    items: { type: 'object', properties: { id: { type: 'integer' }, title: str, body: str, score: num, flag: bool } },
  },
};

// ---- timing ----
// Each loop is compiled from its own source (new Function) so V8 keeps separate type feedback per method.
function loop(body, ...names) {
  return (...values) =>
    new Function(...names, `return function (n) { let r; for (let k = 0; k < n; k++) { r = ${body}; } return r; };`)(
      ...values,
    );
}

// CPU time of this process (user + system), not wall time: on a machine shared with other busy tenants
// the wall clock also counts the time we wait for a core. GC helper threads count: they are our cost.
function timeBatch(run, n) {
  const t0 = process.cpuUsage();
  run(n);
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / n;
}

// Best ns/op per method over interleaved rounds. `warm`: each method first runs 20,000 times (optimized before
// the first round) and its batch is sized from a timed batch of at least 1 ms, not from one cold call: for
// operations of tens of ns, where one call's CPU time is below the clock's resolution.
function measure(methods, { warm = false } = {}) {
  const perOp = methods.map((m) => {
    if (warm) {
      m.run(20000);
      let n = 1000;
      let t = timeBatch(m.run, n);
      while (t * n < 1e6 && n < 1e8) t = timeBatch(m.run, (n *= 4));
      return Math.max(2, Math.floor((BATCH_MS * 1e6) / t));
    }
    m.run(1);
    const t = timeBatch(m.run, 1);
    return Math.max(2, Math.min(1e6, Math.floor((BATCH_MS * 1e6) / Math.max(t, 1))));
  });
  const rounds = perOp.some((n) => n === 2) ? BIG_ROUNDS : ROUNDS;
  const best = methods.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    methods.forEach((m, i) => {
      best[i] = Math.min(best[i], timeBatch(m.run, perOp[i]));
    });
  }
  return best;
}

// ---- correctness before speed: every method must give the baseline's bytes ----
function same(bytes, want, label) {
  const body = bytes.length === want.length ? bytes : bytes.subarray(bytes.length - want.length);
  if (!Buffer.from(body).equals(want)) throw new Error(`${label}: bytes differ from Buffer.from(JSON.stringify)`);
}

function forcedNative(text, headroom) {
  const latin1 = !/[^\x00-\xff]/.test(text);
  const out = Buffer.allocUnsafe(headroom + binding.utf8Prepare(text, latin1));
  binding.utf8Commit(out, headroom);
  return out;
}

const fmtUs = (ns) => (ns / 1e3 >= 100 ? (ns / 1e3).toFixed(0) : (ns / 1e3).toFixed(2));
const fmtX = (x) => `${x.toFixed(2)}×`;
const results = {
  node: process.version,
  backend: json.jsonBackend,
  kernel: binding ? binding.utf8Kernel() : null,
  quick,
  serializer: [],
  shapes: {},
  strings: {},
};
const started = Date.now();

// ---- response serializers: JSON text only ----
if (!crossover) {
  console.log(`## response serializers (JSON text, no bytes), node ${process.version}${quick ? ', --quick' : ''}\n`);
  for (const c of serializerCases()) {
    const ns = measure(
      c.fns.map((fn, i) => ({ run: loop(i === 0 ? 'JSON.stringify(v)' : 's(v)', 's', 'v')(fn, c.value) })),
      { warm: true },
    );
    const row = { shape: c.name, bytes: c.bytes, nsPerOp: {} };
    SERIALIZER_METHODS.forEach((m, i) => {
      row.nsPerOp[m] = ns[i];
    });
    results.serializer.push(row);
  }
  console.log(serializerTable(results.serializer));
  console.log(
    "\nns per call, best of interleaved rounds (CPU time); × JSON.stringify: its time / the method's (higher is faster).\n" +
      'The serializers return a concatenated (cons) string: flattening it, which writing it to a socket does, is not counted.\n',
  );
}

// ---- shapes ----
if (!crossover && !serializerOnly) {
  console.log(
    `## encodeJson, node ${process.version}, backend ${json.jsonBackend}${binding ? ` (${binding.utf8Kernel()})` : ''}${quick ? ', --quick' : ''}\n`,
  );
  const shapeRows = [];
  const shapeMethods = [
    'Buffer.from(JSON.stringify)',
    'encodeJson',
    'encodeJson, JS twin',
    'encodeJsonWithHeadroom(14)',
    'encodeJsonWithHeadroom(14), JS twin',
    'fast-json-stringify + Buffer.from',
    'JSON.stringify only (no bytes)',
  ];
  for (const [name, value] of [
    ['small', small],
    ['records', records],
    ['mixed', mixed],
  ]) {
    const stringify = fastJson(schemas[name]);
    const want = Buffer.from(JSON.stringify(value));
    same(json.encodeJson(value), want, 'encodeJson');
    same(json.encodeJsonJs(value), want, 'encodeJsonJs');
    same(json.encodeJsonWithHeadroom(value, 14), want, 'encodeJsonWithHeadroom');
    same(Buffer.from(stringify(value)), want, 'fast-json-stringify');
    const methods = [
      { run: loop('Buffer.from(JSON.stringify(v))', 'v')(value) },
      { run: loop('enc(v)', 'enc', 'v')(json.encodeJson, value) },
      { run: loop('enc(v)', 'enc', 'v')(json.encodeJsonJs, value) },
      { run: loop('enc(v, 14)', 'enc', 'v')(json.encodeJsonWithHeadroom, value) },
      { run: loop('enc(v, 14)', 'enc', 'v')(json.encodeJsonWithHeadroomJs, value) },
      { run: loop('Buffer.from(s(v))', 's', 'v')(stringify, value) },
      { run: loop('JSON.stringify(v)', 'v')(value) },
    ];
    const ns = measure(methods);
    const row = { bytes: want.length, text: JSON.stringify(value).length, nsPerOp: {}, ratio: {} };
    shapeMethods.forEach((m, i) => {
      row.nsPerOp[m] = ns[i];
      row.ratio[m] = ns[0] / ns[i];
    });
    // The cost split: the same text to bytes, without the stringify.
    const text = JSON.stringify(value);
    const split = measure([
      { run: loop('Buffer.from(t)', 't')(text) },
      { run: loop('u(t, 0)', 'u', 't')(json.utf8WithHeadroom, text) },
    ]);
    row.textToBytes = { 'Buffer.from(text)': split[0], 'utf8WithHeadroom(text, 0)': split[1] };
    results.shapes[name] = row;
    shapeRows.push([name, row]);
  }
  console.log(`| method | ${shapeRows.map(([n, r]) => `${n} (${r.bytes} B)`).join(' | ')} |`);
  console.log(`|---|${shapeRows.map(() => '---').join('|')}|`);
  for (const m of shapeMethods) {
    console.log(
      `| ${m} | ${shapeRows.map(([, r]) => `${fmtX(r.ratio[m])} (${fmtUs(r.nsPerOp[m])} µs)`).join(' | ')} |`,
    );
  }
  for (const m of ['Buffer.from(text)', 'utf8WithHeadroom(text, 0)']) {
    console.log(
      `| text → bytes only: ${m} | ${shapeRows.map(([, r]) => `${fmtUs(r.textToBytes[m])} µs`).join(' | ')} |`,
    );
  }
  console.log(
    '\nRatios: Buffer.from(JSON.stringify(x)) time / method time (higher is faster). Best of interleaved rounds.\n',
  );
}

if (!serializerOnly) {
  // ---- strings: text → bytes ----
  const sizes = crossover
    ? [128, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 16384]
    : quick
      ? [16, 256, 1024, 4096, 16384, 65536, 1 << 20, 16 << 20]
      : [16, 64, 256, 1024, 2048, 4096, 8192, 16384, 65536, 262144, 1 << 20, 4 << 20, 16 << 20];
  function textOf(kind, length) {
    const rng = rngFrom(length);
    let s = '';
    const piece = (r) => {
      if (kind === 'ascii') return 'abcdefghijklmnopqrstuvwxyz {}":,'.charAt(Math.floor(r * 32));
      if (kind === 'latin1') return r < 0.9 ? 'abcdefgh'.charAt(Math.floor(r * 8)) : '\u00e9';
      return r < 0.6
        ? 'abcdefgh'.charAt(Math.floor(r * 8))
        : r < 0.75
          ? '\u00e9'
          : r < 0.95
            ? '\u4e2d'
            : '\ud83d\ude00';
    };
    const chunk = Array.from({ length: Math.min(length, 4096) }, () => piece(rng())).join('');
    while (s.length < length) s += chunk;
    return Buffer.from(Buffer.from(s.slice(0, length))).toString(); // a flat string, surrogate pairs kept whole
  }
  const stringMethods = ['Buffer.from', 'utf8WithHeadroom (auto)', 'native forced', 'JS twin'];
  console.log(`## text → UTF-8 bytes, headroom 14 (Buffer.from has none)${crossover ? ', crossover' : ''}\n`);
  console.log(
    `| text | Buffer.from µs | utf8WithHeadroom (auto) | native forced | JS twin |${crossover ? ' native / JS twin |' : ''}`,
  );
  console.log(`|---|---|---|---|---|${crossover ? '---|' : ''}`);
  for (const kind of ['ascii', 'latin1', 'two-byte']) {
    results.strings[kind] = {};
    for (const size of sizes) {
      const text = textOf(kind, size);
      const want = Buffer.from(text);
      same(json.utf8WithHeadroom(text, 14), want, 'utf8WithHeadroom');
      const methods = [
        { run: loop('Buffer.from(t)', 't')(text) },
        { run: loop('u(t, 14)', 'u', 't')(json.utf8WithHeadroom, text) },
        ...(binding ? [{ run: loop('f(t, 14)', 'f', 't')(forcedNative, text) }] : []),
        { run: loop('u(t, 14)', 'u', 't')(json.utf8WithHeadroomJs, text) },
      ];
      if (binding) same(forcedNative(text, 14), want, 'native forced');
      const ns = measure(methods);
      if (!binding) ns.splice(2, 0, NaN);
      const row = { units: text.length, bytes: want.length, nsPerOp: {}, ratio: {} };
      stringMethods.forEach((m, i) => {
        row.nsPerOp[m] = ns[i];
        row.ratio[m] = ns[0] / ns[i];
      });
      results.strings[kind][size] = row;
      const label = size >= 1 << 20 ? `${size / (1 << 20)} Mi` : size >= 1024 ? `${size / 1024} Ki` : `${size}`;
      const cell = (m) => (Number.isNaN(row.nsPerOp[m]) ? 'n/a' : `${fmtX(row.ratio[m])}`);
      const vsTwin = crossover ? ` ${fmtX(row.nsPerOp['JS twin'] / row.nsPerOp['native forced'])} |` : '';
      console.log(
        `| ${kind} ${label} units | ${fmtUs(ns[0])} | ${cell(stringMethods[1])} | ${cell(stringMethods[2])} | ${cell(stringMethods[3])} |${vsTwin}`,
      );
    }
  }
  console.log(
    '\nRatios: Buffer.from(text) time / method time. ascii: JSON-like ASCII; latin1: 10% é; two-byte: 15% é, 20% CJK, 5% emoji.',
  );
  console.log(
    `Thresholds in use: NATIVE_MIN_LATIN1_CHARS=${json.NATIVE_MIN_LATIN1_CHARS}, NATIVE_MIN_TWO_BYTE_CHARS=${json.NATIVE_MIN_TWO_BYTE_CHARS}`,
  );
}

results.seconds = (Date.now() - started) / 1000;
mkdirSync(join(root, 'bench/results'), { recursive: true });
const outFile = crossover ? 'json-crossover.json' : serializerOnly ? 'json-serializer.json' : 'json.json';
writeFileSync(join(root, 'bench/results', outFile), `${JSON.stringify(results, null, 1)}\n`);
console.log(`\n(${results.seconds.toFixed(1)} s; bench/results/${outFile})`);
