// The response-serializer cases of `node bench/json.mjs` (its first table; `--serializer` runs it alone):
// JSON.stringify (the baseline), krozen's compileSerializer (lib/schema/serializer.ts, what a route's
// `schema.response` compiles to) and fast-json-stringify compiled from the same schema, on three shapes: a
// one-field message (the bench servers' GET /json answer), a 5-field user (a nested object and an array),
// a list of 100 users. Every method must write JSON.stringify's text before it is timed.
import { createRequire } from 'node:module';
import path from 'node:path';
import { rootDir } from './servers.mjs';

const require = createRequire(import.meta.url);

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

/** The message schema is the one bench/servers/krozen.mjs declares on GET /json-schema. */
export const MESSAGE_SCHEMA = {
  type: 'object',
  properties: { message: { type: 'string' } },
  required: ['message'],
};

export const SERIALIZER_SHAPES = [
  { name: 'message', schema: MESSAGE_SCHEMA, value: { message: 'Hello, World!' } },
  { name: '5-field user', schema: user, value: makeUser(0) },
  {
    name: 'list of 100 users',
    schema: { type: 'array', items: user },
    value: Array.from({ length: 100 }, (_, i) => makeUser(i)),
  },
];

export const SERIALIZER_METHODS = ['JSON.stringify', 'krozen compileSerializer', 'fast-json-stringify'];

/**
 * Each shape with its methods compiled (`fns`, in SERIALIZER_METHODS' order) from this checkout's dist/;
 * throws if a method writes a shape differently from JSON.stringify.
 */
export function serializerCases() {
  const { compileSerializer } = require(path.join(rootDir, 'dist/schema/serializer.js'));
  const fastJson = require('fast-json-stringify');
  return SERIALIZER_SHAPES.map((shape) => {
    const ours = compileSerializer(shape.schema);
    const fjs = fastJson(shape.schema);
    const expected = JSON.stringify(shape.value);
    for (const [name, fn] of [
      ['krozen compileSerializer', ours],
      ['fast-json-stringify', fjs],
    ]) {
      if (fn(shape.value) !== expected) throw new Error(`${name} writes ${shape.name} differently from JSON.stringify`);
    }
    return { ...shape, bytes: Buffer.byteLength(expected), fns: [(v) => JSON.stringify(v), ours, fjs] };
  });
}

/** rows: [{ shape, bytes, nsPerOp: { method: ns } }] → a markdown table, ratios to JSON.stringify. */
export function serializerTable(rows) {
  const lines = ['| shape | method | ns/op | × JSON.stringify |', '|---|---|---:|---:|'];
  for (const r of rows) {
    const base = r.nsPerOp[SERIALIZER_METHODS[0]];
    for (const m of SERIALIZER_METHODS) {
      const ns = r.nsPerOp[m];
      lines.push(`| ${r.shape} (${r.bytes} B) | ${m} | ${ns.toFixed(1)} | ${(base / ns).toFixed(2)}× |`);
    }
  }
  return lines.join('\n');
}
