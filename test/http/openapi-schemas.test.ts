// The OpenAPI document from route schemas: the same routes in zod, valibot (toStandardJsonSchema), TypeBox and
// plain JSON Schema give typed path parameters, query and header parameters, a request body, response
// contents and a 400; the document stays valid OpenAPI 3.1. Also: a Standard Schema without a JSON Schema is
// `{}`, self-referring schemas move to components.schemas, a route's own 400 is kept.
import { Type } from '@sinclair/typebox';
import * as v from 'valibot';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { z } from 'zod';
import { createApp, type App, type RouteSchema } from '../../lib/index';
import { validateOpenApi } from '../helpers/openapi-validate';

type Json = Record<string, any>;

/** One route's schema in four kinds: params { id: integer }, query { verbose?: boolean, limit: integer },
 * headers { x-tenant: string, authorization?: string }, body { name: string }, 201 { id: integer }, 404 { error }. */
const KINDS: Array<[string, RouteSchema]> = [
  [
    'zod',
    {
      params: z.object({ id: z.coerce.number().int() }),
      query: z.object({ verbose: z.boolean().optional(), limit: z.coerce.number().int() }),
      headers: z.object({ 'x-tenant': z.string(), authorization: z.string().optional() }),
      body: z.object({ name: z.string() }),
      response: { 201: z.object({ id: z.number().int() }), 404: z.object({ error: z.string() }) },
    },
  ],
  [
    'valibot',
    {
      params: toStandardJsonSchema(v.object({ id: v.pipe(v.number(), v.integer()) })),
      query: toStandardJsonSchema(
        v.object({ verbose: v.optional(v.boolean()), limit: v.pipe(v.number(), v.integer()) }),
      ),
      headers: toStandardJsonSchema(v.object({ 'x-tenant': v.string(), authorization: v.optional(v.string()) })),
      body: toStandardJsonSchema(v.object({ name: v.string() })),
      response: {
        201: toStandardJsonSchema(v.object({ id: v.pipe(v.number(), v.integer()) })),
        404: toStandardJsonSchema(v.object({ error: v.string() })),
      },
    },
  ],
  [
    'TypeBox',
    {
      params: Type.Object({ id: Type.Integer() }),
      query: Type.Object({ verbose: Type.Optional(Type.Boolean()), limit: Type.Integer() }),
      headers: Type.Object({ 'x-tenant': Type.String(), authorization: Type.Optional(Type.String()) }),
      body: Type.Object({ name: Type.String() }),
      response: { 201: Type.Object({ id: Type.Integer() }), 404: Type.Object({ error: Type.String() }) },
    },
  ],
  [
    'JSON Schema',
    {
      params: { type: 'object', properties: { id: { type: 'integer' } } },
      query: {
        type: 'object',
        properties: { verbose: { type: 'boolean' }, limit: { type: 'integer' } },
        required: ['limit'],
      },
      headers: {
        type: 'object',
        properties: { 'x-tenant': { type: 'string' }, authorization: { type: 'string' } },
        required: ['x-tenant'],
      },
      body: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      response: {
        201: { type: 'object', properties: { id: { type: 'integer' } } },
        404: { type: 'object', properties: { error: { type: 'string' } } },
      },
    },
  ],
];

async function documentOf(app: App): Promise<Json> {
  const res = await app.inject({ url: '/_internal/openapi.json' });
  expect(res.status).toBe(200);
  return res.json<Json>();
}

/** Follows a `#/components/schemas/...` reference (schemas may be inline or there). */
function resolve(doc: Json, schema: Json): Json {
  const ref = schema.$ref as string | undefined;
  if (ref === undefined) return schema;
  let at: Json = doc;
  for (const token of ref.slice(2).split('/')) at = at[token.replace(/~1/g, '/').replace(/~0/g, '~')];
  return resolve(doc, at);
}

function usersApp(schema: RouteSchema): App {
  return (
    createApp({ openapiEndpoint: true })
      .post('/users/:id', () => ({ status: 201, body: { id: 1 } }), {
        schema,
        operationId: 'createUser',
        responses: { 404: 'No such user' },
      })
      // Shares the path item with the POST (another name at the same place), validates nothing.
      .get('/users/:uid', () => ({ body: {} }), { operationId: 'getUser' })
      .get('/plain', () => ({ body: {} }), { operationId: 'plain' })
  );
}

const docs = new Map<string, Json>();

beforeAll(async () => {
  for (const [kind, schema] of KINDS) docs.set(kind, await documentOf(usersApp(schema)));
});

describe.each(KINDS.map(([kind]) => [kind]))('%s route schemas in the OpenAPI document', (kind) => {
  const doc = () => docs.get(kind) as Json;
  const post = () => doc().paths['/users/{id}'].post as Json;

  test('the path parameter has the schema type; the path item keeps today’s single declaration', () => {
    expect(Object.keys(doc().paths)).toContain('/users/{id}');
    expect(doc().paths['/users/{uid}']).toBeUndefined();
    const [id, ...rest] = doc().paths['/users/{id}'].parameters as Json[];
    expect(rest).toEqual([]);
    expect(id).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(resolve(doc(), id.schema).type).toBe('integer');
  });

  test('a route sharing the path item without that schema overrides the parameter as a string', () => {
    const get = doc().paths['/users/{id}'].get as Json;
    expect(get.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(post().parameters.filter((p: Json) => p.in === 'path')).toEqual([]);
  });

  test('query parameters, one per property, required from the schema', () => {
    const query = (post().parameters as Json[]).filter((p) => p.in === 'query');
    expect(query.map((p) => [p.name, p.required === true])).toEqual([
      ['verbose', false],
      ['limit', true],
    ]);
    expect(resolve(doc(), query[0].schema).type).toBe('boolean');
    expect(resolve(doc(), query[1].schema).type).toBe('integer');
  });

  test('header parameters as named, authorization left out', () => {
    const headers = (post().parameters as Json[]).filter((p) => p.in === 'header');
    expect(headers.map((p) => p.name)).toEqual(['x-tenant']);
    expect(headers[0].required).toBe(true);
    expect(resolve(doc(), headers[0].schema).type).toBe('string');
  });

  test('the request body is required JSON with the body schema', () => {
    expect(post().requestBody.required).toBe(true);
    expect(Object.keys(post().requestBody.content)).toEqual(['application/json']);
    const body = resolve(doc(), post().requestBody.content['application/json'].schema);
    expect(body.properties.name.type).toBe('string');
    expect(body.required).toEqual(['name']);
  });

  test('responses: 201 and 404 carry their schemas, 404 its description, a 400 for validation; no 200', () => {
    const responses = post().responses as Json;
    expect(Object.keys(responses).sort()).toEqual(['201', '400', '404']);
    expect(responses['201'].description).toBe('Success');
    expect(resolve(doc(), responses['201'].content['application/json'].schema).properties.id.type).toBe('integer');
    expect(responses['404'].description).toBe('No such user');
    expect(resolve(doc(), responses['404'].content['application/json'].schema).properties.error.type).toBe('string');
    const invalid = resolve(doc(), responses['400'].content['application/json'].schema);
    expect(invalid.required).toEqual(['error', 'issues']);
    expect(invalid.properties.issues.items.required).toEqual(['in', 'path', 'message']);
  });

  test('routes without a schema are described as before', () => {
    expect(doc().paths['/plain'].get).toEqual({
      operationId: 'plain',
      responses: { '200': { description: 'Success' } },
    });
    expect(doc().paths['/users/{id}'].get.requestBody).toBeUndefined();
    expect(doc().paths['/users/{id}'].get.responses).toEqual({ '200': { description: 'Success' } });
  });
});

describe('edge cases', () => {
  const Node: z.ZodType = z.object({
    name: z.string(),
    get children() {
      return z.array(Node);
    },
  });
  const Str = z.string().meta({ id: 'Str' });
  let odd: Json;
  let results: Array<{ valid: boolean; errors?: unknown }>;

  beforeAll(async () => {
    odd = await documentOf(
      createApp({ openapiEndpoint: true })
        // valibot without toStandardJsonSchema: a Standard Schema with no JSON Schema.
        .post('/opaque', () => ({ body: 'x' }), {
          operationId: 'opaque',
          schema: {
            query: v.object({ q: v.string() }),
            body: v.object({ a: v.string() }),
            response: { 200: v.string() },
          },
        })
        .post('/tree', () => ({ body: {} }), { operationId: 'tree', schema: { body: Node, response: { 200: Node } } })
        .get('/a', () => ({ body: { s: 'x' } }), {
          operationId: 'a',
          schema: { response: { 200: z.object({ s: Str }) } },
        })
        .get('/b', () => ({ body: { s: 'x' } }), {
          operationId: 'b',
          schema: { response: { 200: z.object({ s: Str }) } },
        })
        .post('/own400', () => ({ status: 400, body: { why: 'x' } }), {
          operationId: 'own400',
          schema: { body: Type.Object({ x: Type.String() }), response: { 400: Type.Object({ why: Type.String() }) } },
        })
        .post('/described400', () => ({ body: {} }), {
          operationId: 'described400',
          responses: { 400: 'Bad input', 200: 'Done' },
          schema: { headers: { type: 'object', properties: { 'content-type': { type: 'string' }, accept: {} } } },
        }),
    );
    results = validateOpenApi([...docs.values(), odd]);
  });

  test('every document (the four kinds and these) is valid OpenAPI 3.1', () => {
    expect(results.map((r) => r.errors ?? null)).toEqual([null, null, null, null, null]);
    expect(results.map((r) => r.valid)).toEqual([true, true, true, true, true]);
  });

  test('a Standard Schema without a JSON Schema is any value; its query parameters are unknown', () => {
    const op = odd.paths['/opaque'].post;
    expect(op.parameters).toBeUndefined();
    expect(op.requestBody).toEqual({ required: true, content: { 'application/json': { schema: {} } } });
    expect(op.responses['200']).toEqual({ description: 'Success', content: { 'application/json': { schema: {} } } });
    expect(op.responses['400']).toBeDefined();
  });

  test('a recursive schema moves to components.schemas with its pointers rewritten', () => {
    const use = odd.paths['/tree'].post.requestBody.content['application/json'].schema;
    expect(use).toEqual({ $ref: expect.stringMatching(/^#\/components\/schemas\/tree_body$/) });
    const tree = resolve(odd, use);
    expect(tree.properties.children.items).toEqual({ $ref: '#/components/schemas/tree_body' });
    expect(JSON.stringify(odd.components)).not.toContain('"#"');
  });

  test('$defs move to components; an equal one under the same name is shared', () => {
    const a = resolve(odd, odd.paths['/a'].get.responses['200'].content['application/json'].schema);
    const b = resolve(odd, odd.paths['/b'].get.responses['200'].content['application/json'].schema);
    expect(a.properties.s).toEqual({ $ref: '#/components/schemas/Str' });
    expect(b.properties.s).toEqual({ $ref: '#/components/schemas/Str' });
    expect(odd.components.schemas.Str).toEqual({ type: 'string' });
    expect(a.$defs).toBeUndefined();
  });

  test("a route's own 400 (schema or description) is kept; forbidden header names are left out", () => {
    const own = odd.paths['/own400'].post.responses;
    expect(Object.keys(own)).toEqual(['400']);
    expect(resolve(odd, own['400'].content['application/json'].schema).properties.why.type).toBe('string');
    const described = odd.paths['/described400'].post;
    expect(described.responses).toEqual({ '400': { description: 'Bad input' }, '200': { description: 'Done' } });
    expect(described.parameters).toBeUndefined();
  });
});
