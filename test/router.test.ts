import { RadixRouter } from '../lib/router';

function build(routes: Array<[string, string]>): RadixRouter<string> {
  const r = new RadixRouter<string>();
  for (const [method, path] of routes) r.add(method, path, `${method} ${path}`);
  return r;
}

/** The route value and params found, or null, in one comparable object. */
function hit(r: RadixRouter<string>, method: string, path: string) {
  const m = r.find(method, path);
  return m === null ? null : { value: m.value, params: { ...m.params } };
}

describe('RadixRouter: static routes', () => {
  const r = build([
    ['GET', '/'],
    ['GET', '/echo'],
    ['GET', '/a/b/c'],
    ['POST', '/echo'],
  ]);

  test('exact static paths match with empty params', () => {
    expect(hit(r, 'GET', '/echo')).toEqual({ value: 'GET /echo', params: {} });
    expect(hit(r, 'GET', '/a/b/c')).toEqual({ value: 'GET /a/b/c', params: {} });
    expect(hit(r, 'POST', '/echo')).toEqual({ value: 'POST /echo', params: {} });
  });

  test('"" and "/" are both the root', () => {
    expect(hit(r, 'GET', '/')?.value).toBe('GET /');
    expect(hit(r, 'GET', '')?.value).toBe('GET /');
    const r2 = build([['GET', '']]);
    expect(hit(r2, 'GET', '/')?.value).toBe('GET ');
    expect(() => r2.add('GET', '/', 'again')).toThrow('Duplicate route: GET /');
  });

  test('a trailing slash is its own segment: /echo/ is not /echo', () => {
    expect(hit(r, 'GET', '/echo/')).toBeNull();
    expect(hit(r, 'GET', '/a/b/c/')).toBeNull();
    const r2 = build([['GET', '/echo/']]);
    expect(hit(r2, 'GET', '/echo/')?.value).toBe('GET /echo/');
    expect(hit(r2, 'GET', '/echo')).toBeNull();
  });

  test('unknown paths, prefixes and unknown methods give null', () => {
    expect(hit(r, 'GET', '/a/b')).toBeNull();
    expect(hit(r, 'GET', '/a/b/c/d')).toBeNull();
    expect(hit(r, 'GET', '/nope')).toBeNull();
    expect(hit(r, 'PUT', '/echo')).toBeNull();
  });

  test('method names are case-insensitive at registration and lookup', () => {
    const r2 = build([['patch', '/x']]);
    expect(hit(r2, 'PATCH', '/x')?.value).toBe('patch /x');
    expect(hit(r2, 'patch', '/x')?.value).toBe('patch /x');
    expect(r2.routes()[0].method).toBe('PATCH');
  });

  test('a path without a leading slash is the same as with one', () => {
    const r2 = build([['GET', 'plain']]);
    expect(hit(r2, 'GET', '/plain')?.value).toBe('GET plain');
    expect(hit(r2, 'GET', 'plain')?.value).toBe('GET plain');
  });

  test('static matches share one frozen params object (no allocation per lookup)', () => {
    const a = r.find('GET', '/echo');
    const b = r.find('GET', '/echo');
    expect(a).toBe(b);
    expect(Object.isFrozen(a!.params)).toBe(true);
    expect(Object.keys(a!.params)).toEqual([]);
  });
});

describe('RadixRouter: :param and *wildcard', () => {
  test(':name matches one segment and captures it', () => {
    const r = build([
      ['GET', '/users/:id'],
      ['GET', '/users/:id/posts/:post'],
    ]);
    expect(hit(r, 'GET', '/users/42')).toEqual({ value: 'GET /users/:id', params: { id: '42' } });
    expect(hit(r, 'GET', '/users/42/posts/7')).toEqual({
      value: 'GET /users/:id/posts/:post',
      params: { id: '42', post: '7' },
    });
    expect(hit(r, 'GET', '/users/42/posts')).toBeNull();
    expect(hit(r, 'GET', '/users/42/extra')).toBeNull();
  });

  test(':name may match an empty segment: /users/ against /users/:id', () => {
    const r = build([
      ['GET', '/users/:id'],
      ['GET', '/a/:x/b'],
    ]);
    expect(hit(r, 'GET', '/users/')).toEqual({ value: 'GET /users/:id', params: { id: '' } });
    expect(hit(r, 'GET', '/a//b')).toEqual({ value: 'GET /a/:x/b', params: { x: '' } });
    expect(hit(r, 'GET', '/users')).toBeNull();
  });

  test('a param value keeps what the decoded path holds (spaces, unicode, dots)', () => {
    const r = build([['GET', '/f/:name']]);
    expect(hit(r, 'GET', '/f/a b.txt')?.params).toEqual({ name: 'a b.txt' });
    expect(hit(r, 'GET', '/f/ünï🙂')?.params).toEqual({ name: 'ünï🙂' });
  });

  test('*name takes the rest joined with /, possibly empty', () => {
    const r = build([['GET', '/files/*rest']]);
    expect(hit(r, 'GET', '/files/a')).toEqual({ value: 'GET /files/*rest', params: { rest: 'a' } });
    expect(hit(r, 'GET', '/files/a/b/c.txt')?.params).toEqual({ rest: 'a/b/c.txt' });
    expect(hit(r, 'GET', '/files/')?.params).toEqual({ rest: '' });
    expect(hit(r, 'GET', '/files/a/')?.params).toEqual({ rest: 'a/' });
    // '/files' has no segment after 'files' for the wildcard to take.
    expect(hit(r, 'GET', '/files')).toBeNull();
  });

  test('bare * matches without capturing', () => {
    const r = build([
      ['GET', '/static/*'],
      ['GET', '/*'],
    ]);
    expect(hit(r, 'GET', '/static/x/y')).toEqual({ value: 'GET /static/*', params: {} });
    expect(hit(r, 'GET', '/anything/else')).toEqual({ value: 'GET /*', params: {} });
    expect(hit(r, 'GET', '/')).toEqual({ value: 'GET /*', params: {} });
  });

  test('a root wildcard catches everything, the root included, unless something more specific exists', () => {
    const r = build([
      ['GET', '/*path'],
      ['GET', '/api/:v'],
    ]);
    expect(hit(r, 'GET', '/')?.params).toEqual({ path: '' });
    expect(hit(r, 'GET', '/x/y')?.params).toEqual({ path: 'x/y' });
    expect(hit(r, 'GET', '/api/1')).toEqual({ value: 'GET /api/:v', params: { v: '1' } });
    expect(hit(r, 'GET', '/api/1/2')?.params).toEqual({ path: 'api/1/2' });
  });

  test('a lone ":" matches one segment without capturing', () => {
    const r = build([['GET', '/x/:/y']]);
    expect(hit(r, 'GET', '/x/anything/y')).toEqual({ value: 'GET /x/:/y', params: {} });
  });

  test('a dynamic match gets a fresh params object each time', () => {
    const r = build([['GET', '/u/:id']]);
    const a = r.find('GET', '/u/1')!;
    const b = r.find('GET', '/u/2')!;
    expect(a.params).not.toBe(b.params);
    expect(a.params).toEqual({ id: '1' });
    expect(b.params).toEqual({ id: '2' });
  });
});

describe('RadixRouter: precedence and backtracking', () => {
  test('static beats :param: /users/list beats /users/:id', () => {
    const r = build([
      ['GET', '/users/:id'],
      ['GET', '/users/list'],
    ]);
    expect(hit(r, 'GET', '/users/list')).toEqual({ value: 'GET /users/list', params: {} });
    expect(hit(r, 'GET', '/users/lis')).toEqual({ value: 'GET /users/:id', params: { id: 'lis' } });
  });

  test('registration order does not change precedence', () => {
    const r = build([
      ['GET', '/users/list'],
      ['GET', '/users/:id'],
    ]);
    expect(hit(r, 'GET', '/users/list')?.value).toBe('GET /users/list');
    expect(hit(r, 'GET', '/users/7')?.value).toBe('GET /users/:id');
  });

  test(':param beats *wildcard: /files/:n/info beats /files/*rest, and *rest still gets the rest', () => {
    const r = build([
      ['GET', '/files/*rest'],
      ['GET', '/files/:n/info'],
    ]);
    expect(hit(r, 'GET', '/files/a/info')).toEqual({ value: 'GET /files/:n/info', params: { n: 'a' } });
    expect(hit(r, 'GET', '/files/a/other')).toEqual({ value: 'GET /files/*rest', params: { rest: 'a/other' } });
    expect(hit(r, 'GET', '/files/a')).toEqual({ value: 'GET /files/*rest', params: { rest: 'a' } });
    expect(hit(r, 'GET', '/files/a/info/more')?.params).toEqual({ rest: 'a/info/more' });
  });

  test('a static branch that dead-ends falls back to :param: /a/:x/c vs /a/b/*rest', () => {
    const r = build([
      ['GET', '/a/:x/c'],
      ['GET', '/a/b/*rest'],
    ]);
    // Static 'b' is tried first and its wildcard takes 'c'.
    expect(hit(r, 'GET', '/a/b/c')).toEqual({ value: 'GET /a/b/*rest', params: { rest: 'c' } });
    expect(hit(r, 'GET', '/a/b/d')).toEqual({ value: 'GET /a/b/*rest', params: { rest: 'd' } });
    expect(hit(r, 'GET', '/a/z/c')).toEqual({ value: 'GET /a/:x/c', params: { x: 'z' } });
    expect(hit(r, 'GET', '/a/z/d')).toBeNull();
  });

  test('backtracking out of a static branch into :param', () => {
    const r = build([
      ['GET', '/a/b/c'],
      ['GET', '/a/:x/d'],
    ]);
    expect(hit(r, 'GET', '/a/b/d')).toEqual({ value: 'GET /a/:x/d', params: { x: 'b' } });
    expect(hit(r, 'GET', '/a/b/c')).toEqual({ value: 'GET /a/b/c', params: {} });
  });

  test('backtracking out of a :param branch into *wildcard keeps only the winning captures', () => {
    const r = build([
      ['GET', '/p/:a/:b/end'],
      ['GET', '/p/*rest'],
    ]);
    expect(hit(r, 'GET', '/p/1/2/end')).toEqual({ value: 'GET /p/:a/:b/end', params: { a: '1', b: '2' } });
    expect(hit(r, 'GET', '/p/1/2/nope')).toEqual({ value: 'GET /p/*rest', params: { rest: '1/2/nope' } });
  });

  test('deep backtracking across several levels', () => {
    const r = build([
      ['GET', '/x/y/z/1'],
      ['GET', '/x/y/:c/2'],
      ['GET', '/x/:b/z/3'],
      ['GET', '/:a/y/z/4'],
      ['GET', '/*all'],
    ]);
    expect(hit(r, 'GET', '/x/y/z/1')?.value).toBe('GET /x/y/z/1');
    expect(hit(r, 'GET', '/x/y/z/2')).toEqual({ value: 'GET /x/y/:c/2', params: { c: 'z' } });
    expect(hit(r, 'GET', '/x/y/z/3')).toEqual({ value: 'GET /x/:b/z/3', params: { b: 'y' } });
    expect(hit(r, 'GET', '/x/y/z/4')).toEqual({ value: 'GET /:a/y/z/4', params: { a: 'x' } });
    expect(hit(r, 'GET', '/x/y/z/5')).toEqual({ value: 'GET /*all', params: { all: 'x/y/z/5' } });
  });

  test('many static siblings (looked up by map) still give static precedence and backtracking', () => {
    const routes: Array<[string, string]> = [];
    for (let i = 0; i < 20; i++) routes.push(['GET', `/n/s${i}/end`]);
    routes.push(['GET', '/n/:x/other']);
    const r = build(routes);
    expect(hit(r, 'GET', '/n/s7/end')).toEqual({ value: 'GET /n/s7/end', params: {} });
    expect(hit(r, 'GET', '/n/s19/end')?.value).toBe('GET /n/s19/end');
    expect(hit(r, 'GET', '/n/s7/other')).toEqual({ value: 'GET /n/:x/other', params: { x: 's7' } });
    expect(hit(r, 'GET', '/n/s/end')).toBeNull();
    expect(hit(r, 'GET', '/n/s70/end')).toBeNull();
  });

  test('a static segment must match whole, not as a prefix of the path segment', () => {
    const r = build([
      ['GET', '/ab/:x'],
      ['GET', '/a/:x'],
      ['GET', '/abc'],
    ]);
    expect(hit(r, 'GET', '/abc/1')).toBeNull();
    expect(hit(r, 'GET', '/ab/1')).toEqual({ value: 'GET /ab/:x', params: { x: '1' } });
    expect(hit(r, 'GET', '/a/1')).toEqual({ value: 'GET /a/:x', params: { x: '1' } });
    expect(hit(r, 'GET', '/a')).toBeNull();
  });

  test('a route ending at an inner node (prefix of a longer route)', () => {
    const r = build([
      ['GET', '/a/:id'],
      ['GET', '/a/:id/b'],
    ]);
    expect(hit(r, 'GET', '/a/1')?.value).toBe('GET /a/:id');
    expect(hit(r, 'GET', '/a/1/b')?.value).toBe('GET /a/:id/b');
    expect(hit(r, 'GET', '/a/1/')).toBeNull();
  });
});

describe('RadixRouter: methods', () => {
  const r = build([
    ['GET', '/items'],
    ['POST', '/items'],
    ['GET', '/items/:id'],
    ['PUT', '/items/:id'],
    ['DELETE', '/items/:id'],
    ['PATCH', '/items/:id'],
    ['GET', '/items/special'],
  ]);

  test('several methods on one path each find their own route', () => {
    expect(hit(r, 'GET', '/items')?.value).toBe('GET /items');
    expect(hit(r, 'POST', '/items')?.value).toBe('POST /items');
    expect(hit(r, 'PUT', '/items/3')).toEqual({ value: 'PUT /items/:id', params: { id: '3' } });
    expect(hit(r, 'DELETE', '/items/3')?.value).toBe('DELETE /items/:id');
    expect(hit(r, 'PATCH', '/items/3')).toEqual({ value: 'PATCH /items/:id', params: { id: '3' } });
  });

  test('each method has its own tree: a static route of GET does not shadow PUT :id', () => {
    expect(hit(r, 'GET', '/items/special')?.value).toBe('GET /items/special');
    expect(hit(r, 'PUT', '/items/special')).toEqual({ value: 'PUT /items/:id', params: { id: 'special' } });
  });

  test('methodsFor lists the methods with a matching route, in registration order', () => {
    expect(r.methodsFor('/items')).toEqual(['GET', 'POST']);
    expect(r.methodsFor('/items/9')).toEqual(['GET', 'PUT', 'DELETE', 'PATCH']);
    expect(r.methodsFor('/items/special')).toEqual(['GET', 'PUT', 'DELETE', 'PATCH']);
    expect(r.methodsFor('/nothing')).toEqual([]);
    expect(r.methodsFor('/items/')).toEqual(['GET', 'PUT', 'DELETE', 'PATCH']);
  });

  test('routes() lists every route in registration order', () => {
    expect(r.routes().map((e) => `${e.method} ${e.path}`)).toEqual([
      'GET /items',
      'POST /items',
      'GET /items/:id',
      'PUT /items/:id',
      'DELETE /items/:id',
      'PATCH /items/:id',
      'GET /items/special',
    ]);
    expect(r.routes()[0].value).toBe('GET /items');
  });

  test('routes() is a copy', () => {
    const list = r.routes();
    list.pop();
    expect(r.routes()).toHaveLength(7);
  });
});

describe('RadixRouter: registration errors', () => {
  test('duplicate METHOD + path', () => {
    const r = build([
      ['GET', '/x'],
      ['GET', '/u/:id'],
      ['GET', '/f/*rest'],
      ['GET', '/s/*'],
    ]);
    expect(() => r.add('GET', '/x', 'again')).toThrow(new Error('Duplicate route: GET /x'));
    expect(() => r.add('get', '/x', 'again')).toThrow(new Error('Duplicate route: GET /x'));
    expect(() => r.add('GET', '/u/:id', 'again')).toThrow(new Error('Duplicate route: GET /u/:id'));
    expect(() => r.add('GET', '/f/*rest', 'again')).toThrow(new Error('Duplicate route: GET /f/*rest'));
    expect(() => r.add('GET', '/s/*', 'again')).toThrow(new Error('Duplicate route: GET /s/*'));
    // Same path, other method: fine.
    expect(() => r.add('POST', '/x', 'post')).not.toThrow();
  });

  test('conflicting :names at the same place, with the exact message', () => {
    const r = build([['GET', '/users/:id']]);
    expect(() => r.add('GET', '/users/:name', 'v')).toThrow(
      new Error("Conflicting parameter names at /users/:name: 'id' vs 'name'"),
    );
    expect(() => r.add('GET', '/users/:uid/posts', 'v')).toThrow(
      new Error("Conflicting parameter names at /users/:uid/posts: 'id' vs 'uid'"),
    );
    // The same name at the same place is fine, and so is another method.
    expect(() => r.add('GET', '/users/:id/posts', 'v')).not.toThrow();
    expect(() => r.add('DELETE', '/users/:name', 'v')).not.toThrow();
  });

  test('conflicting wildcard names', () => {
    const r = build([['GET', '/f/*rest']]);
    expect(() => r.add('GET', '/f/*path', 'v')).toThrow(
      new Error("Conflicting parameter names at /f/*path: 'rest' vs 'path'"),
    );
    expect(() => r.add('GET', '/f/*', 'v')).toThrow(new Error("Conflicting parameter names at /f/*: 'rest' vs '*'"));
  });

  test('a rejected route leaves the router unchanged', () => {
    const r = build([['GET', '/users/:id']]);
    expect(() => r.add('GET', '/users/:name/x', 'bad')).toThrow();
    expect(hit(r, 'GET', '/users/1/x')).toBeNull();
    expect(r.routes()).toHaveLength(1);
    expect(() => r.add('PUT', '/a/*rest/b', 'bad')).toThrow();
    expect(r.methodsFor('/a/x/b')).toEqual([]);
  });

  test('a wildcard must be the last segment', () => {
    const r = new RadixRouter<number>();
    expect(() => r.add('GET', '/a/*rest/b', 1)).toThrow(new Error('Wildcard must be the last segment: /a/*rest/b'));
  });

  test('the same parameter name twice in one path is rejected', () => {
    const r = new RadixRouter<number>();
    expect(() => r.add('GET', '/a/:id/b/:id', 1)).toThrow(new Error("Duplicate parameter name 'id' in /a/:id/b/:id"));
    expect(() => r.add('GET', '/a/:id/*id', 1)).toThrow(new Error("Duplicate parameter name 'id' in /a/:id/*id"));
  });

  test('__proto__ as a parameter name is rejected (it would replace the prototype)', () => {
    const r = new RadixRouter<number>();
    expect(() => r.add('GET', '/a/:__proto__', 1)).toThrow(
      new Error("Invalid parameter name '__proto__' in /a/:__proto__"),
    );
  });

  test('other dangerous-looking names are plain keys', () => {
    const r = build([['GET', '/a/:constructor/:toString']]);
    const m = r.find('GET', '/a/1/2')!;
    expect(m.params.constructor).toBe('1');
    expect(m.params.toString).toBe('2');
  });
});
