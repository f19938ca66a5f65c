// Schema-compiled JSON serializers, side by side in one process: JSON.stringify (the baseline), krozen's
// compileSerializer (lib/schema/serializer.ts) and fast-json-stringify compiled from the same schema, on
// three shapes: a one-field message, a 5-field user (a nested object and an array), a list of 100 users.
// Rounds are interleaved (every method once per round, per shape); each method's median round is reported.
//
//   npx tsc -p tsconfig.json && node bench/json-schema.mjs [--rounds N] [--ms M] [--json]
//     --rounds N   rounds per method and shape (default 5)
//     --ms M       milliseconds per round (default 200)
//     --json       one JSON object on stdout instead of the table
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { compileSerializer } = require(join(root, 'dist/schema/serializer.js'));
const fastJson = require('fast-json-stringify');

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  return at === -1 ? fallback : Number(argv[at + 1]);
};
const ROUNDS = option('--rounds', 5);
const ROUND_MS = option('--ms', 200);
const asJson = argv.includes('--json');

const user = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    email: { type: 'string' },
    address: {
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' }, zip: { type: 'string' } },
    },
    tags: { type: 'array', items: { type: 'string' } },
  },
};
const makeUser = (i) => ({
  id: 123 + i,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  address: { street: '12 St James Square', city: 'London', zip: 'SW1Y 4JH' },
  tags: ['a', 'b', 'c'],
});

const shapes = [
  {
    name: 'message',
    schema: { type: 'object', properties: { message: { type: 'string' } } },
    value: { message: 'Hello, World!' },
  },
  { name: '5-field user', schema: user, value: makeUser(0) },
  {
    name: 'list of 100 users',
    schema: { type: 'array', items: user },
    value: Array.from({ length: 100 }, (_, i) => makeUser(i)),
  },
];

for (const shape of shapes) {
  const ours = compileSerializer(shape.schema);
  const fjs = fastJson(shape.schema);
  const expected = JSON.stringify(shape.value);
  for (const [name, fn] of [
    ['krozen', ours],
    ['fast-json-stringify', fjs],
  ]) {
    if (fn(shape.value) !== expected) throw new Error(`${name} writes ${shape.name} differently from JSON.stringify`);
  }
  shape.methods = [
    ['JSON.stringify', (v) => JSON.stringify(v)],
    ['krozen compileSerializer', ours],
    ['fast-json-stringify', fjs],
  ];
  shape.samples = shape.methods.map(() => []);
}

let sink = 0;
/** ns per call of fn(value), over about ROUND_MS of calls. */
function round(fn, value) {
  let batch = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) sink += fn(value).length;
    const ns = Number(process.hrtime.bigint() - start);
    if (ns >= ROUND_MS * 1e6 || batch >= 2 ** 30) return ns / batch;
    batch = ns < 1e6 ? batch * 8 : Math.ceil((batch * ROUND_MS * 1e6) / ns);
  }
}

// Warm-up: every method compiled by the optimizing tier before the first timed round.
for (const shape of shapes)
  for (const [, fn] of shape.methods) for (let i = 0; i < 20000; i++) sink += fn(shape.value).length;

for (let r = 0; r < ROUNDS; r++) {
  for (const shape of shapes) {
    shape.methods.forEach(([, fn], m) => shape.samples[m].push(round(fn, shape.value)));
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = shapes.map((shape) => {
  const ns = shape.samples.map(median);
  return {
    shape: shape.name,
    bytes: JSON.stringify(shape.value).length,
    methods: shape.methods.map(([name], m) => ({ name, nsPerOp: ns[m], speedup: ns[0] / ns[m] })),
  };
});

if (asJson) {
  console.log(JSON.stringify({ node: process.version, rounds: ROUNDS, roundMs: ROUND_MS, results }, null, 2));
} else {
  console.log(`Node ${process.version}, ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms, median ns/op\n`);
  console.log('| shape | method | ns/op | × JSON.stringify |');
  console.log('|---|---|---:|---:|');
  for (const r of results) {
    for (const m of r.methods) {
      console.log(`| ${r.shape} (${r.bytes} B) | ${m.name} | ${m.nsPerOp.toFixed(1)} | ${m.speedup.toFixed(2)}× |`);
    }
  }
}
if (sink === 0) console.log('');
