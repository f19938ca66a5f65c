import { buildOpenApiDocument } from '../../lib/features/openapi';
import type { OpenApiDocument, OpenApiRoute } from '../../lib/features/openapi';
import { router, routeInfo } from '../../lib/router-group';
import type { Handler } from '../../lib/http/types';
import { validateOpenApi as validateAll } from '../helpers/openapi-validate';

const noop: Handler = () => undefined;

/** A route table like an app's: group routes, plain routes, built-ins. */
function appRoutes(): OpenApiRoute[] {
  const users = router('/api/v1/users', { tags: ['users'] });
  users
    .get(
      '/',
      function listUsers() {
        return undefined;
      },
      { summary: 'List users' },
    )
    .post(
      '/',
      function createUser() {
        return undefined;
      },
      { summary: 'Create a user', responses: { 201: 'Created', 400: 'Invalid body' } },
    )
    .get(
      '/:id',
      function getUser() {
        return undefined;
      },
      { description: 'One user by id', tags: ['lookup'] },
    )
    .delete(
      '/:id',
      function deleteUser() {
        return undefined;
      },
      { deprecated: true },
    );
  const files = router('/files', { tags: ['files'] }).get('/*rest', function getFile() {
    return undefined;
  });
  const routes: OpenApiRoute[] = [];
  for (const group of [users, files]) {
    for (const [method, fullPath, handler, info] of group.routes()) {
      void handler;
      routes.push({ method, path: fullPath, info });
    }
  }
  routes.push({
    method: 'GET',
    path: '/',
    info: routeInfo(function home() {
      return undefined;
    }),
  });
  routes.push({ method: 'HEAD', path: '/', info: routeInfo(noop) });
  routes.push({
    method: 'GET',
    path: '/_internal/health',
    info: routeInfo(noop, { tags: ['internal'], operationId: 'internalHealth' }),
  });
  routes.push({ method: 'OPTIONS', path: '/cors', info: routeInfo(noop) });
  routes.push({ method: 'PROPFIND', path: '/dav' });
  return routes;
}

/** Every `{name}` in each path key is declared exactly once as a path parameter, and nothing else is. */
function expectParametersDeclared(doc: OpenApiDocument): void {
  for (const [key, item] of Object.entries(doc.paths)) {
    const inTemplate = [...key.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
    const declared = (item.parameters ?? []).map((p) => p.name);
    expect({ key, names: declared }).toEqual({ key, names: inTemplate });
    expect(new Set(inTemplate).size).toBe(inTemplate.length);
    for (const p of item.parameters ?? []) {
      expect(p).toMatchObject({ in: 'path', required: true, schema: { type: 'string' } });
    }
  }
}

function operationIds(doc: OpenApiDocument): string[] {
  const ids: string[] = [];
  for (const item of Object.values(doc.paths)) {
    for (const [field, op] of Object.entries(item)) {
      if (field !== 'parameters' && op !== undefined && !Array.isArray(op) && op.operationId !== undefined) {
        ids.push(op.operationId);
      }
    }
  }
  return ids;
}

describe('buildOpenApiDocument', () => {
  const main = buildOpenApiDocument(appRoutes(), { title: 'demo', version: '1.2.3', description: 'A demo API' });
  const noInternal = buildOpenApiDocument(appRoutes(), { title: 'demo', version: '1.2.3', includeInternal: false });
  const sharedNames = buildOpenApiDocument(
    [
      {
        method: 'GET',
        path: '/a',
        info: routeInfo(function list() {
          return undefined;
        }),
      },
      {
        method: 'GET',
        path: '/b',
        info: routeInfo(function list() {
          return undefined;
        }),
      },
      {
        method: 'GET',
        path: '/c',
        info: routeInfo(function list() {
          return undefined;
        }),
      },
      { method: 'GET', path: '/d', info: routeInfo(noop, { operationId: 'list_2' }) },
    ],
    { title: 't', version: '0' },
  );
  const odd = buildOpenApiDocument(
    [
      { method: 'GET', path: '/x/:/y/:' },
      { method: 'GET', path: '/s/*' },
      { method: 'GET', path: '/m/:wildcard/*' },
      { method: 'GET', path: '/br/:a{b}' },
      { method: 'GET', path: '/lit/{not-a-param}/a b/q?/h#' },
      { method: 'GET', path: '' },
      { method: 'GET', path: '/echo/' },
      { method: 'GET', path: '/u/:id' },
      { method: 'DELETE', path: '/u/:uid' },
      { method: 'GET', path: '/f/:a' },
      { method: 'GET', path: '/f/*rest' },
    ],
    { title: 't', version: '0' },
  );
  const empty = buildOpenApiDocument([], { title: 'nothing', version: '0.0.0' });
  let results: Array<{ valid: boolean; errors?: unknown }>;

  beforeAll(() => {
    results = validateAll([main, noInternal, sharedNames, odd, empty]);
  });

  test('every document is valid OpenAPI 3.1 according to @seriousme/openapi-schema-validator', () => {
    expect(results.map((r) => r.errors ?? null)).toEqual([null, null, null, null, null]);
    expect(results.map((r) => r.valid)).toEqual([true, true, true, true, true]);
  });

  test('the validator really rejects a broken document (so the check above means something)', () => {
    const broken = JSON.parse(JSON.stringify(main));
    broken.paths['/api/v1/users'].get.responses = 'nope';
    delete broken.info.version;
    const [result] = validateAll([broken]);
    expect(result.valid).toBe(false);
  });

  test('header: openapi 3.1.0, info with title, version, description', () => {
    expect(main.openapi).toBe('3.1.0');
    expect(main.info).toEqual({ title: 'demo', version: '1.2.3', description: 'A demo API' });
    expect(empty).toEqual({ openapi: '3.1.0', info: { title: 'nothing', version: '0.0.0' }, paths: {} });
  });

  test('paths in registration order, :id → {id}, *rest → {rest}, trailing slash joined away', () => {
    expect(Object.keys(main.paths)).toEqual([
      '/api/v1/users',
      '/api/v1/users/{id}',
      '/files/{rest}',
      '/',
      '/_internal/health',
      '/cors',
    ]);
    expect(main.paths['/api/v1/users/{id}'].parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
    ]);
    expect(main.paths['/files/{rest}'].parameters?.[0]).toMatchObject({ name: 'rest', in: 'path', required: true });
    expect(main.paths['/api/v1/users'].parameters).toBeUndefined();
    expectParametersDeclared(main);
  });

  test('operations carry tags, summary, description, deprecated, operationId and responses', () => {
    const users = main.paths['/api/v1/users'];
    expect(users.get).toEqual({
      tags: ['users'],
      summary: 'List users',
      operationId: 'listUsers',
      responses: { '200': { description: 'Success' } },
    });
    expect(users.post).toEqual({
      tags: ['users'],
      summary: 'Create a user',
      operationId: 'createUser',
      responses: { '201': { description: 'Created' }, '400': { description: 'Invalid body' } },
    });
    const one = main.paths['/api/v1/users/{id}'];
    expect(one.get).toEqual({
      tags: ['users', 'lookup'],
      description: 'One user by id',
      operationId: 'getUser',
      responses: { '200': { description: 'Success' } },
    });
    expect(one.delete).toMatchObject({ deprecated: true, operationId: 'deleteUser' });
    expect((one.get as { deprecated?: boolean }).deprecated).toBeUndefined();
  });

  test('top-level tags: each tag once, in order of first use', () => {
    expect(main.tags).toEqual([{ name: 'users' }, { name: 'lookup' }, { name: 'files' }, { name: 'internal' }]);
    expect(empty.tags).toBeUndefined();
  });

  test('HEAD and methods OpenAPI has no field for are left out; OPTIONS stays', () => {
    expect(main.paths['/'].head).toBeUndefined();
    expect(main.paths['/'].get).toMatchObject({ operationId: 'home' });
    expect(main.paths['/cors'].options).toBeDefined();
    expect(main.paths['/dav']).toBeUndefined();
  });

  test('/_internal/* routes are in by default and out with includeInternal: false', () => {
    expect(main.paths['/_internal/health'].get).toMatchObject({ operationId: 'internalHealth', tags: ['internal'] });
    expect(noInternal.paths['/_internal/health']).toBeUndefined();
    expect(noInternal.tags?.map((t) => t.name)).not.toContain('internal');
    expect(Object.keys(noInternal.paths)).toHaveLength(5);
  });

  test('operationIds are unique: repeats get _2, _3, skipping ids already taken', () => {
    expect(operationIds(sharedNames)).toEqual(['list', 'list_2', 'list_3', 'list_2_2']);
    expect(operationIds(main)).toEqual([
      'listUsers',
      'createUser',
      'getUser',
      'deleteUser',
      'getFile',
      'home',
      'internalHealth',
      'noop',
    ]);
  });

  test('a route without info gets the default response and no optional fields', () => {
    expect(odd.paths['/echo/'].get).toEqual({ responses: { '200': { description: 'Success' } } });
  });

  test('nameless captures get safe, unique names; braces in names and static segments cannot break templates', () => {
    expect(Object.keys(odd.paths)).toEqual([
      '/x/{param}/y/{param2}',
      '/s/{wildcard}',
      '/m/{wildcard}/{wildcard2}',
      '/br/{a_b_}',
      '/lit/%7Bnot-a-param%7D/a%20b/q%3F/h%23',
      '/',
      '/echo/',
      '/u/{id}',
      '/f/{a}',
      '/f/{rest}',
    ]);
    expectParametersDeclared(odd);
    expect(odd.paths['/s/{wildcard}'].parameters?.[0].description).toMatch(/rest of the path/);
  });

  test('templates differing only in parameter names share one path key', () => {
    // GET /u/:id and DELETE /u/:uid: OpenAPI forbids two "identical" templates.
    expect(Object.keys(odd.paths['/u/{id}']).sort()).toEqual(['delete', 'get', 'parameters']);
    expect(odd.paths['/u/{uid}']).toBeUndefined();
    // Same method at one place (:a vs *rest): both kept, neither lost.
    expect(odd.paths['/f/{a}'].get).toBeDefined();
    expect(odd.paths['/f/{rest}'].get).toBeDefined();
  });

  test('the document is plain JSON (serializes and round-trips unchanged)', () => {
    expect(JSON.parse(JSON.stringify(main))).toEqual(main);
  });
});
