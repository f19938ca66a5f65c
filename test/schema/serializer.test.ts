// compileSerializer: for every value a schema allows, serialize(v) is the JSON of v projected on the
// schema (checked against `reference` below, an independent, naive writer), plus the unit cases.
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { ErrorCode } from '../../lib/base/errors';
import { BIGINT_JSON_SUPPORTED } from '../../lib/backend/json-codec';
import { compileSerializer, serializerSource } from '../../lib/schema/serializer';

type S = Record<string, unknown>;

const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));
const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** An object with these own enumerable properties, in this order (`__proto__` included as an own key). */
function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

// ---- the reference projection: JSON text built by hand, JSON.stringify only for leaves and names ----

function typesOf(s: S): string[] | null {
  let types: string[] | null = null;
  if (typeof s.type === 'string' || Array.isArray(s.type)) {
    types = ([] as string[]).concat(s.type as string).map((t) => (t === 'integer' ? 'number' : t));
  } else if (hasOwn(s, 'const') || Array.isArray(s.enum)) {
    types = (hasOwn(s, 'const') ? [s.const] : (s.enum as unknown[])).map((x) => (x === null ? 'null' : typeof x));
  } else if (s.properties || hasOwn(s, 'additionalProperties')) types = ['object'];
  else if (s.items) types = ['array'];
  if (types && s.nullable === true) types.push('null');
  return types;
}

const categoryOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function reference(root: S, schema: unknown, v: unknown, key: string): string | undefined {
  if (typeof schema !== 'object' || schema === null) return JSON.stringify(v);
  const s = schema as S;
  if (typeof s.$ref === 'string') return reference(root, (root.$defs as S)[s.$ref.slice('#/$defs/'.length)], v, key);
  const types = typesOf(s);
  if (types === null && Array.isArray(s.anyOf)) {
    if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON(k: string): unknown }).toJSON(key);
    }
    const branch = (s.anyOf as S[]).find((b) => (typesOf(b) ?? []).includes(categoryOf(v)));
    return branch ? reference(root, branch, v, key) : JSON.stringify(v);
  }
  if (types === null) return JSON.stringify(v);
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON(k: string): unknown }).toJSON(key);
  }
  if (types.includes('object') && typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as S;
    const parts: string[] = [];
    for (const name of Object.keys(props)) {
      const value = INHERITED.has(name) && !hasOwn(o, name) ? undefined : o[name];
      const text = value === undefined ? undefined : reference(root, props[name], value, name);
      if (text !== undefined) parts.push(`${JSON.stringify(name)}:${text}`);
    }
    const extra = s.additionalProperties;
    if (extra !== undefined && extra !== false) {
      for (const name of Object.keys(o)) {
        if (hasOwn(props, name) || o[name] === undefined) continue;
        const text = reference(root, extra, o[name], name);
        if (text !== undefined) parts.push(`${JSON.stringify(name)}:${text}`);
      }
    }
    return `{${parts.join(',')}}`;
  }
  if (types.includes('array') && Array.isArray(v)) {
    return `[${v.map((x, i) => reference(root, s.items, x, String(i)) ?? 'null').join(',')}]`;
  }
  return JSON.stringify(v);
}

// ---- random schemas, and random values each schema allows ----

const NAMES = [
  'id',
  'name',
  'a"b',
  'back\\slash',
  '__proto__',
  'constructor',
  'toString',
  "'); process.exit(1); ('",
  '1',
  '0',
  '',
  'line\nbreak',
  '\u2028',
  '\ud800',
  '😀',
  '${x}',
  '*/',
];
const HOSTILE = fc.constantFrom(
  '"',
  '\\',
  '\u0000',
  '\u001f',
  '\n',
  '\ud800',
  '\udfff',
  '😀',
  '\u2028',
  'a',
  'é',
  '</script>',
  ' ',
);
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.string({ unit: HOSTILE, maxLength: 8 }),
  fc.string({ maxLength: 60 }),
);
const anyNumber = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0), fc.integer());
const json = fc.jsonValue({ maxDepth: 2 });

const TREE: S = {
  type: 'object',
  properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/$defs/tree' } } },
};

const leafSchema: fc.Arbitrary<S> = fc.oneof(
  fc.constantFrom<S>(
    { type: 'string' },
    { type: 'number' },
    { type: 'integer' },
    { type: 'boolean' },
    { type: 'null' },
  ),
  fc.constantFrom<S>(
    {},
    { type: ['string', 'null'] },
    { type: 'number', nullable: true },
    { format: 'date-time', type: 'string' },
  ),
  fc.array(anyString, { minLength: 1, maxLength: 3 }).map((e) => ({ enum: e })),
  fc.oneof(anyString, anyNumber, fc.boolean()).map((c) => ({ const: c })),
  fc.constant<S>({ $ref: '#/$defs/tree' }),
);

const { schema: schemaArb } = fc.letrec<{ schema: S }>((tie) => ({
  schema: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafSchema,
    fc
      .tuple(
        fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), tie('schema')), { selector: ([n]) => n, maxLength: 5 }),
        fc.constantFrom<unknown>(
          undefined,
          false,
          true,
          { type: 'string' },
          { type: 'object', properties: { x: { type: 'number' } } },
        ),
        fc.boolean(),
      )
      .map(([props, additional, nullable]) => {
        const s: S = { type: nullable ? ['object', 'null'] : 'object', properties: objectOf(props) };
        if (additional !== undefined) s.additionalProperties = additional;
        return s;
      }),
    tie('schema').map((items) => ({ type: 'array', items })),
    tie('schema').map((obj) => ({
      anyOf: [{ type: 'string' }, { type: 'object', properties: { o: obj } }, { type: 'array', items: obj }],
    })),
  ),
})) as { schema: fc.Arbitrary<S> };

function treeValue(depth: number): fc.Arbitrary<unknown> {
  const kids = depth === 0 ? fc.constant([]) : fc.array(treeValue(depth - 1), { maxLength: 2 });
  return fc.record({ value: fc.integer(), children: kids }, { requiredKeys: ['value'] });
}

function valueOf(s: S): fc.Arbitrary<unknown> {
  if (s.$ref) return treeValue(3);
  if (Array.isArray(s.anyOf)) return fc.oneof(...(s.anyOf as S[]).map(valueOf));
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if (hasOwn(s, 'const')) return fc.constant(s.const);
  const types = typesOf(s);
  if (types === null) return json;
  const arbs = types.map((t): fc.Arbitrary<unknown> => {
    switch (t) {
      case 'string':
        return s.format === 'date-time' ? fc.oneof(anyString, fc.date({ noInvalidDate: true })) : anyString;
      case 'number':
        return s.type === 'integer' ? fc.oneof(fc.integer(), fc.constant(Number.MAX_SAFE_INTEGER)) : anyNumber;
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array':
        return fc.array(valueOf(s.items as S), { maxLength: 4 });
      default:
        return objectValue(s);
    }
  });
  return fc.oneof(...arbs);
}

function objectValue(s: S): fc.Arbitrary<unknown> {
  const props = s.properties as S;
  const declared = Object.keys(props).map((name) =>
    fc.option(valueOf(props[name] as S), { nil: undefined }).map((v) => [name, v] as [string, unknown]),
  );
  const extraValue =
    s.additionalProperties && s.additionalProperties !== true ? valueOf(s.additionalProperties as S) : json;
  const extras = fc.array(
    fc.tuple(
      fc.constantFrom('passwordHash', 'x', '2', 'extra"', '__proto__'),
      fc.oneof(extraValue, fc.constant(undefined)),
    ),
    { maxLength: 3 },
  );
  return fc.tuple(fc.tuple(...declared), extras, fc.boolean()).map(([own, more, extrasFirst]) => {
    const seen = new Set(own.map(([n]) => n));
    const undeclared = more.filter(([n]) => !seen.has(n) && !seen.has(n) && (seen.add(n), true));
    return objectOf(extrasFirst ? [...undeclared, ...own] : [...own, ...undeclared]);
  });
}

describe('compileSerializer: the projection of conforming values', () => {
  test('serialize(v) === the reference projection, for random schemas and values', () => {
    const case_ = schemaArb.chain((body) => {
      const root = { ...body, $defs: { tree: TREE } };
      return fc.tuple(fc.constant(root), fc.array(valueOf(body), { minLength: 1, maxLength: 5 }));
    });
    fc.assert(
      fc.property(case_, ([root, values]) => {
        const serialize = compileSerializer(root);
        for (const v of values) {
          const expected = reference(root, root, v, '');
          expect(serialize(v)).toBe(expected);
          expect(() => JSON.parse(serialize(v))).not.toThrow();
        }
      }),
      { numRuns: 600 },
    );
  });
});

const user = {
  type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' } },
  required: ['id', 'name'],
};

describe('compileSerializer: unit cases', () => {
  test('a property the schema does not declare (passwordHash) is not sent; declared order is kept', () => {
    const serialize = compileSerializer(user);
    expect(serialize({ passwordHash: 'x', name: 'Ada', id: 1 })).toBe('{"id":1,"name":"Ada"}');
  });

  test('additionalProperties: true keeps the other keys after the declared ones; a schema applies to them', () => {
    expect(compileSerializer({ ...user, additionalProperties: true })({ z: [1], name: 'A', id: 2 })).toBe(
      '{"id":2,"name":"A","z":[1]}',
    );
    const nested = { type: 'object', additionalProperties: { type: 'object', properties: { a: { type: 'number' } } } };
    expect(compileSerializer(nested)({ k: { a: 1, b: 2 }, m: 'str' })).toBe('{"k":{"a":1},"m":"str"}');
  });

  test('a Date under format: date-time is written as its toJSON()', () => {
    const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
    expect(compileSerializer(user)({ id: 1, name: 'a', createdAt: when })).toBe(
      `{"id":1,"name":"a","createdAt":"2024-01-02T03:04:05.006Z"}`,
    );
  });

  test('toJSON runs first and gets its key; an object schema projects its result', () => {
    const keys: string[] = [];
    const thing = { toJSON: (k: string) => (keys.push(k), { a: 1, secret: 2 }) };
    const schema = { type: 'object', properties: { t: { type: 'object', properties: { a: { type: 'number' } } } } };
    expect(compileSerializer(schema)({ t: thing })).toBe('{"t":{"a":1}}');
    expect(keys).toEqual(['t']);
  });

  test('BigInt: exact digits with { bigint: true }; a TypeError without, as JSON.stringify', () => {
    const schema = { type: 'object', properties: { n: { type: 'integer' }, any: {} } };
    const big = 2n ** 70n;
    expect(compileSerializer(schema, { bigint: true })({ n: big, any: { x: -big } })).toBe(
      `{"n":${big},"any":{"x":-${big}}}`,
    );
    expect(() => compileSerializer(schema)({ n: big })).toThrow(TypeError);
    expect(() => compileSerializer(schema)({ any: [big] })).toThrow(TypeError);
    expect(BIGINT_JSON_SUPPORTED || compileSerializer({}, { bigint: true })([1n, { a: 2n }]) === '[1,{"a":2}]').toBe(
      true,
    );
  });

  test('NaN and ±Infinity are written as null; -0 as 0', () => {
    const serialize = compileSerializer({ type: 'array', items: { type: 'number' } });
    expect(serialize([NaN, Infinity, -Infinity, -0, 1.5e300])).toBe('[null,null,null,0,1.5e+300]');
  });

  test('hostile property names are data, never code', () => {
    const names = [
      'a"b',
      '__proto__',
      'constructor',
      "'); process.exit(1); ('",
      '"]; globalThis.pwned = 1; ["',
      '\\',
      '\u2028',
      '*/ x /*',
      '${1}',
    ];
    const schema = { type: 'object', properties: objectOf(names.map((n) => [n, { type: 'string' }])) };
    const value = objectOf(names.map((n) => [n, n]));
    const text = compileSerializer(schema)(value);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
    expect(Object.keys(JSON.parse(text))).toEqual(names);
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
    expect(serializerSource(schema)).toContain(JSON.stringify(JSON.stringify("'); process.exit(1); ('")).slice(1, -1));
    // inherited names are written only when own
    expect(compileSerializer(schema)({})).toBe('{}');
  });

  test('a recursive $ref (a tree) and the 1,000-deep guard', () => {
    const schema = { $ref: '#/$defs/node', $defs: { node: TREE } };
    const serialize = compileSerializer({ ...schema, $defs: { node: TREE, tree: TREE } });
    const tree = { value: 1, x: 0, children: [{ value: 2, children: [] }, { value: 3 }] };
    expect(serialize(tree)).toBe('{"value":1,"children":[{"value":2,"children":[]},{"value":3}]}');
    let deep: unknown = { value: 0 };
    for (let i = 0; i < 1200; i++) deep = { value: i, children: [deep] };
    expect(() => serialize(deep)).toThrow(RangeError);
    expect(() => serialize(deep)).toThrow(/deeper than 1000/);
    let ok: unknown = { value: 0 };
    for (let i = 0; i < 900; i++) ok = { value: i, children: [ok] };
    expect(serialize(ok)).toBe(JSON.stringify(ok));
    // a cycle through definitions only is caught the same way
    const self = { $ref: '#/$defs/a', $defs: { a: { type: 'object', properties: { a: { $ref: '#/$defs/a' } } } } };
    const cyclic: Record<string, unknown> = {};
    cyclic.a = cyclic;
    expect(() => compileSerializer(self)(cyclic)).toThrow(RangeError);
  });

  test('$id references (TypeBox Type.Recursive) and #/definitions work', () => {
    const Node = Type.Recursive((This) => Type.Object({ id: Type.Number(), nodes: Type.Array(This) }));
    expect(compileSerializer(Node)({ id: 1, x: 1, nodes: [{ id: 2, nodes: [] }] })).toBe(
      '{"id":1,"nodes":[{"id":2,"nodes":[]}]}',
    );
    const defs = {
      type: 'object',
      properties: { a: { $ref: '#/definitions/A' } },
      definitions: { A: { type: 'string' } },
    };
    expect(compileSerializer(defs)({ a: 'x' })).toBe('{"a":"x"}');
  });

  test('non-conforming values are written in full, as valid JSON', () => {
    const schema = {
      type: 'object',
      properties: {
        n: { type: 'number' },
        o: { type: 'object', properties: { a: { type: 'string' } } },
        s: { type: 'string' },
      },
    };
    const serialize = compileSerializer(schema);
    for (const bad of [
      { n: 'seven', o: 'not an object', s: 12 },
      { n: null, o: null, s: null },
      { n: [1], o: [1, { a: 2 }], s: { t: 1 } },
      { n: () => 1, o: Symbol('x'), s: undefined },
      'a string',
      42,
      [1, 2],
      null,
    ]) {
      const text = serialize(bad);
      expect(() => JSON.parse(text)).not.toThrow();
      expect(text).toBe(reference(schema, schema, bad, ''));
    }
    expect(() => serialize(undefined)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_SERIALIZABLE }));
  });

  test('type arrays, nullable, enum, const, anyOf, allOf, prefixItems', () => {
    const schema = {
      type: 'object',
      properties: {
        a: { type: ['string', 'null'] },
        b: { type: 'object', nullable: true, properties: { x: { type: 'number' } } },
        c: { enum: ['x', 2, null] },
        d: { const: 'k' },
        e: { anyOf: [{ type: 'string' }, { type: 'object', properties: { y: { type: 'number' } } }] },
        f: {
          allOf: [{ type: 'object', properties: { p: { type: 'number' } } }, { properties: { q: { type: 'string' } } }],
        },
        g: {
          type: 'array',
          prefixItems: [{ type: 'string' }, { type: 'object', properties: { z: { type: 'number' } } }],
        },
        h: {
          oneOf: [
            { type: 'object', properties: { u: {} } },
            { type: 'object', properties: { w: {} } },
          ],
        },
      },
    };
    const serialize = compileSerializer(schema);
    const value = {
      a: null,
      b: null,
      c: 2,
      d: 'k',
      e: { y: 1, n: 2 },
      f: { q: 'q', p: 1, r: 0 },
      g: ['s', { z: 1, r: 2 }, 3],
      h: { u: 1, w: 2 },
    };
    expect(serialize(value)).toBe(
      '{"a":null,"b":null,"c":2,"d":"k","e":{"y":1},"f":{"p":1,"q":"q"},"g":["s",{"z":1},3],"h":{"u":1,"w":2}}',
    );
    expect(serialize({ b: { x: 1, y: 2 }, e: 'str' })).toBe('{"b":{"x":1},"e":"str"}');
  });

  test('a TypeBox schema serializes like the equivalent plain schema', () => {
    const tb = Type.Object({
      id: Type.Integer(),
      name: Type.String(),
      tags: Type.Array(Type.String()),
      note: Type.Optional(Type.String()),
    });
    const plain = JSON.parse(JSON.stringify(tb)) as object;
    const value = { id: 1, name: 'n"', tags: ['a', '\ud800'], extra: true, note: undefined };
    expect(compileSerializer(tb)(value)).toBe(compileSerializer(plain)(value));
    expect(compileSerializer(tb)(value)).toBe('{"id":1,"name":"n\\"","tags":["a","\\ud800"]}');
  });

  test('compile-time errors are KrozenTypeErrors with KROZEN_ERR_INVALID_SCHEMA', () => {
    for (const bad of [
      null,
      'string',
      [1],
      { $ref: '#/$defs/missing' },
      { $ref: 'http://x/y' },
      { properties: { a: 3 } },
    ]) {
      expect(() => compileSerializer(bad as object)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_SCHEMA }),
      );
      expect(() => compileSerializer(bad as object)).toThrow(TypeError);
    }
  });

  test('long strings and strings with escapes are written as JSON.stringify writes them', () => {
    const serialize = compileSerializer({ type: 'array', items: { type: 'string' } });
    const strings = [
      'x'.repeat(10000),
      `${'y'.repeat(5000)}"`,
      'é'.repeat(3000),
      '😀'.repeat(100),
      `${'z'.repeat(100)}\ud800`,
      '',
    ];
    expect(serialize(strings)).toBe(JSON.stringify(strings));
  });
});
