// Route schemas at run time: the same route and the same bad input give the same 400 with zod, valibot,
// TypeBox and a plain JSON Schema; coercion of params/query/headers; defaults; async Standard Schemas; the
// error hook reshapes the 400; response schemas project what leaves (a passwordHash is not sent); bad
// schemas fail at registration with KROZEN_ERR_INVALID_SCHEMA. Over the wire on both transports too.
import { Type } from '@sinclair/typebox';
import * as v from 'valibot';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { z } from 'zod';
import { createApp, ErrorCode, ValidationError, type RouteSchema } from '../../lib/index';
import { startServer, request } from '../fixtures/wire';

// One order schema in four kinds: { items: [{ sku: string, qty: integer ≥ 1 }], note?: string }.
const jsonSchemaOrder = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } },
        required: ['sku', 'qty'],
      },
    },
    note: { type: 'string' },
  },
  required: ['items'],
} as const;
const KINDS = [
  [
    'zod',
    z.object({
      items: z.array(z.object({ sku: z.string(), qty: z.number().int().min(1) })),
      note: z.string().optional(),
    }),
  ],
  [
    'valibot',
    toStandardJsonSchema(
      v.object({
        items: v.array(v.object({ sku: v.string(), qty: v.pipe(v.number(), v.integer(), v.minValue(1)) })),
        note: v.optional(v.string()),
      }),
    ),
  ],
  [
    'TypeBox',
    Type.Object({
      items: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) })),
      note: Type.Optional(Type.String()),
    }),
  ],
  ['JSON Schema', jsonSchemaOrder],
] as const;

type Body = { error: string; issues: Array<{ in: string; path: string; message: string }> };

function orderApp(schema: RouteSchema['body']) {
  return createApp().post('/orders', (req) => ({ status: 201, body: { got: req.body } }), {
    schema: { body: schema! },
  });
}

describe.each(KINDS)('body schema: %s', (_kind, schema) => {
  test('a valid body reaches the handler', async () => {
    const res = await orderApp(schema).inject({
      method: 'POST',
      url: '/orders',
      body: { items: [{ sku: 'a', qty: 2 }] },
    });
    expect(res.status).toBe(201);
    expect(res.json<{ got: unknown }>().got).toEqual({ items: [{ sku: 'a', qty: 2 }] });
  });

  test.each([
    [
      'a wrong type deep inside',
      {
        items: [
          { sku: 'a', qty: 1 },
          { sku: 'b', qty: 'two' },
        ],
      },
      [{ in: 'body', path: '/items/1/qty' }],
    ],
    ['a missing property', { items: [{ qty: 1 }] }, [{ in: 'body', path: '/items/0/sku' }]],
    ['a missing array', { note: 'x' }, [{ in: 'body', path: '/items' }]],
    [
      'two faults at once',
      { items: [{ sku: 1, qty: 0 }] },
      [
        { in: 'body', path: '/items/0/qty' },
        { in: 'body', path: '/items/0/sku' },
      ],
    ],
  ])('%s → 400 with the issues', async (_name, body, expected) => {
    const res = await orderApp(schema).inject({ method: 'POST', url: '/orders', body });
    expect(res.status).toBe(400);
    const got = res.json<Body>();
    expect(got.error).toBe('Validation failed');
    // The same shape and places whatever the schema kind; the wording is each library's own.
    const places = got.issues.map(({ in: part, path }) => ({ in: part, path }));
    expect(places.sort((a, b) => a.path.localeCompare(b.path))).toEqual(expected);
    for (const issue of got.issues) expect(issue.message).toEqual(expect.any(String));
  });

  test('a body that is not JSON at all → 400 at the root', async () => {
    const res = await orderApp(schema).inject({
      method: 'POST',
      url: '/orders',
      body: 'plain',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(400);
    expect(res.json<Body>().issues).toEqual([{ in: 'body', path: '', message: expect.any(String) }]);
  });
});

test('params, query and headers: JSON Schema coerces strings as fastify does, defaults apply', async () => {
  const app = createApp().get(
    '/users/:id',
    (req) => ({ body: { id: req.params.id, page: req.query.page, tags: req.query.tags, n: req.headers['x-n'] } }),
    {
      schema: {
        params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
        query: {
          type: 'object',
          properties: { page: { type: 'integer', default: 1 }, tags: { type: 'array', items: { type: 'string' } } },
        },
        headers: { type: 'object', properties: { 'x-n': { type: 'number' } }, required: ['x-n'] },
      },
    },
  );
  const ok = await app.inject({ url: '/users/42?tags=a', headers: { 'x-n': '1.5' } });
  expect(ok.status).toBe(200);
  expect(ok.json()).toEqual({ id: 42, page: 1, tags: ['a'], n: 1.5 });
  const bad = await app.inject({ url: '/users/abc?page=x' });
  expect(bad.status).toBe(400);
  expect(
    bad
      .json<Body>()
      .issues.map((i) => `${i.in} ${i.path}`)
      .sort(),
  ).toEqual(['headers /x-n', 'params /id', 'query /page']);
});

test('a Standard Schema transforms (zod coerce) and may be async', async () => {
  const slow = z.object({ n: z.coerce.number() }).refine(async (x) => x.n > 0, { message: 'must be positive' });
  const app = createApp().get('/n', (req) => ({ body: { n: req.query.n, type: typeof req.query.n } }), {
    schema: { query: slow },
  });
  expect((await app.inject({ url: '/n?n=5' })).json()).toEqual({ n: 5, type: 'number' });
  const bad = await app.inject({ url: '/n?n=-1' });
  expect(bad.status).toBe(400);
  expect(bad.json<Body>().issues).toEqual([{ in: 'query', path: '', message: 'must be positive' }]);
});

test('an error hook can reshape the 400', async () => {
  const app = createApp().post('/o', () => ({ body: 1 }), { schema: { body: jsonSchemaOrder } });
  app.on('error', (ctx) => {
    if (ctx.error instanceof ValidationError) {
      ctx.res.status = 422;
      ctx.res.body = { message: 'bad order', fields: ctx.error.issues.map((i) => i.path) };
    }
  });
  const res = await app.inject({ method: 'POST', url: '/o', body: { items: [{ sku: 'a' }] } });
  expect(res.status).toBe(422);
  expect(res.json()).toEqual({ message: 'bad order', fields: ['/items/0/qty'] });
});

describe.each([
  ['zod', z.object({ id: z.string(), name: z.string() })],
  ['valibot', toStandardJsonSchema(v.object({ id: v.string(), name: v.string() }))],
  ['TypeBox', Type.Object({ id: Type.String(), name: Type.String() })],
  ['JSON Schema', { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } } as const],
] as const)('response schema: %s', (_kind, user) => {
  test('only declared properties leave; errors are not projected', async () => {
    const app = createApp().get(
      '/me/:id',
      (req) => {
        if (req.params.id === 'gone') return { status: 404, body: { error: 'no such user' } };
        return { body: { id: req.params.id, name: 'Ada', passwordHash: 'x$secret' } };
      },
      { schema: { response: { 200: user, 404: { type: 'object', properties: { error: { type: 'string' } } } } } },
    );
    const res = await app.inject({ url: '/me/7' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"id":"7","name":"Ada"}');
    expect((await app.inject({ url: '/me/gone' })).json()).toEqual({ error: 'no such user' });
  });
});

test('the serializer by status (exact, class, none) stays right when a route answers with several, repeatedly', async () => {
  const only = (name: string) => ({ type: 'object', properties: { [name]: { type: 'string' } } }) as const;
  const app = createApp().get(
    '/s/:status',
    (req) => ({ status: Number(req.params.status), body: { a: 'A', b: 'B' } }),
    {
      schema: { response: { 200: only('a'), '2XX': only('b') } },
    },
  );
  for (let round = 0; round < 2; round++) {
    expect((await app.inject({ url: '/s/200' })).body).toBe('{"a":"A"}');
    expect((await app.inject({ url: '/s/201' })).body).toBe('{"b":"B"}');
    expect((await app.inject({ url: '/s/404' })).body).toBe('{"a":"A","b":"B"}');
  }
});

test('a response schema does not touch strings, Buffers or error answers', async () => {
  const logged: unknown[] = [];
  const note = (...args: unknown[]) => void logged.push(args);
  const app = createApp({ logger: { error: note, warn: note, info: note, debug: note } })
    .get('/t', () => ({ body: 'plain', headers: { 'content-type': 'text/plain' } }), {
      schema: { response: { 200: { type: 'object', properties: {} } } },
    })
    .get(
      '/boom',
      () => {
        throw new Error('x');
      },
      { schema: { response: { default: { type: 'object', properties: { ok: { type: 'boolean' } } } } } },
    );
  expect((await app.inject({ url: '/t' })).body).toBe('plain');
  expect((await app.inject({ url: '/boom' })).json()).toEqual({ error: 'Internal Server Error' });
  expect(logged).toHaveLength(1); // the 500 is logged, through settings.logger
});

test('bad schemas fail at registration with KROZEN_ERR_INVALID_SCHEMA', () => {
  const app = createApp();
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return (err as { code?: string; message: string }).code + ' ' + (err as Error).message;
    }
    return 'no error';
  };
  expect(codeOf(() => app.post('/a', () => undefined, { schema: { body: 5 as never } }))).toMatch(
    new RegExp(`^${ErrorCode.INVALID_SCHEMA} POST /a schema.body`),
  );
  expect(codeOf(() => app.post('/b', () => undefined, { schema: { body: { type: 'nope' } } as never }))).toMatch(
    /KROZEN_ERR_INVALID_SCHEMA POST \/b schema.body: invalid JSON Schema/,
  );
  expect(codeOf(() => app.post('/c', () => undefined, { schema: { bdy: {} } as never }))).toMatch(
    /unknown schema part "bdy"/,
  );
  expect(
    codeOf(() => app.get('/d', () => undefined, { schema: { response: { 200: { $ref: '#/$defs/nope' } } } as never })),
  ).toMatch(/KROZEN_ERR_INVALID_SCHEMA GET \/d schema.response\[200\]/);
  expect(codeOf(() => app.get('/e', () => undefined, { schema: { response: { ok: {} } } as never }))).toMatch(
    /not a status/,
  );
});

describe.each(['krozen', 'node'] as const)('over the wire, transport %s', (transport) => {
  test('400 with issues; 201 with the projected answer', async () => {
    const server = await startServer({ transport }, (app) => {
      app.post('/orders', (req) => ({ status: 201, body: { ...req.body, secret: 1 } }), {
        schema: {
          body: KINDS[0][1],
          response: { 201: { type: 'object', properties: { items: jsonSchemaOrder.properties.items } } },
        },
      });
    });
    try {
      const headers = { 'content-type': 'application/json' };
      const bad = await request(server.port, '/orders', {
        method: 'POST',
        headers,
        body: '{"items":[{"sku":"a","qty":0}]}',
      });
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(bad.body.toString()).issues[0]).toMatchObject({ in: 'body', path: '/items/0/qty' });
      const ok = await request(server.port, '/orders', {
        method: 'POST',
        headers,
        body: '{"items":[{"sku":"a","qty":3}]}',
      });
      expect(ok.status).toBe(201);
      expect(ok.body.toString()).toBe('{"items":[{"sku":"a","qty":3}]}');
    } finally {
      await server.stop();
    }
  });
});
