import { joinPath, normalizePrefix, router, routeInfo, RouterGroup } from '../lib/router-group';
import type { RouteInfo } from '../lib/router-group';
import type { Handler } from '../lib/http/types';

const noop: Handler = () => undefined;

function paths(group: RouterGroup): string[] {
  return group.routes().map(([method, fullPath]) => `${method} ${fullPath}`);
}

describe('router(prefix): joining paths', () => {
  test("router('/api/v1').get('/') is the prefix itself, and a trailing slash is dropped", () => {
    const g = router('/api/v1');
    g.get('/', noop).get('/things/', noop).get('/things/:id', noop).post('/things', noop);
    expect(paths(g)).toEqual(['GET /api/v1', 'GET /api/v1/things', 'GET /api/v1/things/:id', 'POST /api/v1/things']);
  });

  test('each join rule', () => {
    expect(joinPath('/api/v1', '/')).toBe('/api/v1');
    expect(joinPath('/api/v1', '')).toBe('/api/v1');
    expect(joinPath('/api/v1', '/things/')).toBe('/api/v1/things');
    expect(joinPath('/api/v1', '/things')).toBe('/api/v1/things');
    expect(joinPath('/api/v1', 'things')).toBe('/api/v1/things');
    expect(joinPath('/api/v1', '/a/b//')).toBe('/api/v1/a/b');
    expect(joinPath('/api/v1', '/files/*rest')).toBe('/api/v1/files/*rest');
    // No prefix: paths as given.
    expect(joinPath('', '/things/')).toBe('/things/');
    expect(joinPath('', '/')).toBe('/');
    expect(joinPath('', '')).toBe('/');
    expect(joinPath('', 'x')).toBe('/x');
  });

  test('prefix normalization: none, "", "/" are no prefix; trailing slashes go; a leading slash is added', () => {
    expect(normalizePrefix(undefined)).toBe('');
    expect(normalizePrefix('')).toBe('');
    expect(normalizePrefix('/')).toBe('');
    expect(normalizePrefix('/api/')).toBe('/api');
    expect(normalizePrefix('api')).toBe('/api');
    expect(router('/').prefix).toBe('');
    expect(router().prefix).toBe('');
  });

  test("prefix '' or '/' keeps the paths as given, trailing slash included", () => {
    for (const prefix of ['', '/', undefined]) {
      const g = router(prefix);
      g.get('/', noop).get('/echo/', noop).get('/echo', noop);
      expect(paths(g)).toEqual(['GET /', 'GET /echo/', 'GET /echo']);
    }
  });

  test('every method shortcut, in order, chaining', () => {
    const g = router('/r')
      .get('/a', noop)
      .post('/a', noop)
      .put('/a', noop)
      .delete('/a', noop)
      .patch('/a', noop)
      .route('options', '/a', noop);
    expect(paths(g)).toEqual(['GET /r/a', 'POST /r/a', 'PUT /r/a', 'DELETE /r/a', 'PATCH /r/a', 'OPTIONS /r/a']);
  });

  test('routes() hands back the handler and is a copy', () => {
    const h: Handler = () => ({ body: 1 });
    const g = router('/x').get('/y', h);
    const list = g.routes();
    expect(list[0][2]).toBe(h);
    list.pop();
    expect(g.routes()).toHaveLength(1);
  });
});

describe('router groups: errors at the line that adds the route', () => {
  test('duplicate METHOD + full path (also when two spellings join to the same path)', () => {
    const g = router('/api').get('/things', noop);
    expect(() => g.get('/things', noop)).toThrow(new Error('Duplicate route: GET /api/things'));
    expect(() => g.get('/things/', noop)).toThrow(new Error('Duplicate route: GET /api/things'));
    g.get('/', noop);
    expect(() => g.get('', noop)).toThrow(new Error('Duplicate route: GET /api'));
    expect(paths(g)).toEqual(['GET /api/things', 'GET /api']);
  });

  test('conflicting parameter names, with the exact message', () => {
    const g = router('/u').get('/:id', noop);
    expect(() => g.delete('/:id', noop)).not.toThrow();
    expect(() => g.get('/:name/posts', noop)).toThrow(
      new Error("Conflicting parameter names at /u/:name/posts: 'id' vs 'name'"),
    );
    expect(paths(g)).toEqual(['GET /u/:id', 'DELETE /u/:id']);
  });

  test('a handler that is not a function is refused', () => {
    expect(() => router('/x').get('/y', 'nope' as unknown as Handler)).toThrow(
      new TypeError('Handler for GET /y is not a function'),
    );
  });
});

describe('router groups: metadata', () => {
  test('defaults: group tags, operationId = handler name, responses { 200: Success }, not deprecated', () => {
    const g = router('/api', { tags: ['things'] });
    g.get('/things', function listThings() {
      return { body: [] };
    });
    const info = g.routes()[0][3];
    expect(info).toEqual({
      tags: ['things'],
      deprecated: false,
      operationId: 'listThings',
      responses: { '200': 'Success' },
      rawBody: false,
      compress: true,
    });
  });

  test('group tags and route tags merge, group first, without duplicates', () => {
    const g = router('/api', { tags: ['a', 'b'] });
    g.get('/x', noop, { tags: ['b', 'c', 'c'] });
    expect(g.routes()[0][3].tags).toEqual(['a', 'b', 'c']);
    expect(
      router('/p')
        .get('/x', noop, { tags: ['only'] })
        .routes()[0][3].tags,
    ).toEqual(['only']);
    expect(router('/p').get('/x', noop).routes()[0][3].tags).toEqual([]);
  });

  test('every meta field is kept; an explicit operationId wins over the handler name', () => {
    const g = router('/api');
    g.post(
      '/things',
      function createThing() {
        return undefined;
      },
      {
        summary: 'Create a thing',
        description: 'Longer text',
        deprecated: true,
        operationId: 'makeThing',
        responses: { 201: 'Created', 400: 'Bad input' },
        rawBody: true,
        compress: false,
      },
    );
    const info: RouteInfo = g.routes()[0][3];
    expect(info).toEqual({
      tags: [],
      summary: 'Create a thing',
      description: 'Longer text',
      deprecated: true,
      operationId: 'makeThing',
      responses: { '201': 'Created', '400': 'Bad input' },
      rawBody: true,
      compress: false,
    });
  });

  test('operationId from the handler name: named consts, bound functions; anonymous handlers have none', () => {
    const fetchUser: Handler = () => undefined;
    function show() {
      return undefined;
    }
    const g = router('/o')
      .get('/a', fetchUser)
      .get('/b', show.bind(null))
      .get(
        '/c',
        (
          () => () =>
            undefined
        )(),
      );
    const ids = g.routes().map((r) => r[3].operationId);
    expect(ids).toEqual(['fetchUser', 'show', undefined]);
    expect('operationId' in g.routes()[2][3]).toBe(false);
  });

  test('routeInfo is usable on its own (for routes added outside a group)', () => {
    expect(routeInfo(noop, { summary: 's' })).toEqual({
      tags: [],
      summary: 's',
      deprecated: false,
      operationId: 'noop',
      responses: { '200': 'Success' },
      rawBody: false,
      compress: true,
    });
  });

  test('the group tags are a frozen copy of the option', () => {
    const tags = ['t'];
    const g = router('/x', { tags });
    tags.push('later');
    g.get('/y', noop);
    expect(g.routes()[0][3].tags).toEqual(['t']);
    expect(Object.isFrozen(g.tags)).toBe(true);
  });
});

describe('router groups: onRoute', () => {
  test('fires for routes added after it, with full path and info, not for earlier ones', () => {
    const g = router('/api', { tags: ['api'] });
    g.get('/before', noop);
    const seen: Array<[string, string, Handler, RouteInfo]> = [];
    g.onRoute((method, fullPath, handler, info) => seen.push([method, fullPath, handler, info]));
    const later: Handler = function later() {
      return undefined;
    };
    g.post('/after/', later);
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toBe('POST');
    expect(seen[0][1]).toBe('/api/after');
    expect(seen[0][2]).toBe(later);
    expect(seen[0][3].tags).toEqual(['api']);
    expect(seen[0][3].operationId).toBe('later');
  });

  test('the includeRouter pattern: existing routes() + onRoute sees every route exactly once', () => {
    const g = router('/v1');
    g.get('/a', noop);
    const table: string[] = [];
    for (const [method, fullPath] of g.routes()) table.push(`${method} ${fullPath}`);
    g.onRoute((method, fullPath) => table.push(`${method} ${fullPath}`));
    g.get('/b', noop).put('/a', noop);
    expect(table).toEqual(['GET /v1/a', 'GET /v1/b', 'PUT /v1/a']);
  });

  test('several listeners all fire; a rejected route fires none', () => {
    const g = router('/m');
    let a = 0;
    let b = 0;
    g.onRoute(() => a++);
    g.onRoute(() => b++);
    g.get('/x', noop);
    expect(() => g.get('/x', noop)).toThrow('Duplicate route: GET /m/x');
    expect([a, b]).toEqual([1, 1]);
  });

  test('a listener that throws (e.g. the app refusing the route) reaches the caller', () => {
    const g = router('/m');
    g.onRoute((method, fullPath) => {
      throw new Error(`Duplicate route: ${method} ${fullPath}`);
    });
    expect(() => g.get('/x', noop)).toThrow(new Error('Duplicate route: GET /m/x'));
  });
});
