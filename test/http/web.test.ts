// CORS, cookies, URL-encoded forms, repeated query keys and per-segment path decoding, at the wire.
import { createHmac } from 'node:crypto';
import { startServer, request, json, type TestServer } from '../fixtures/wire';
import { cors } from '../../lib/features/cors';
import { setCookie, clearCookie, signCookie, unsignCookie } from '../../lib/http/cookies';
import { parseQuery, routingPath, routeParam } from '../../lib/http/query';
import { Response } from '../../lib/http/response';
import { curl } from '../helpers/curl';
import { httpBase } from '../helpers/tls-lane';

describe('CORS plugin', () => {
  let server: TestServer;
  let url: string;
  beforeAll(async () => {
    server = await startServer({ maxBodySize: 100 }, (app) => {
      app.plugin(
        cors({
          origin: ['https://app.example', /\.trusted\.example$/],
          credentials: true,
          exposedHeaders: ['x-total'],
          maxAge: 600,
        }),
      );
      app.get('/items', () => ({ body: [1], headers: { 'x-total': '1' } }));
      app.post('/items', (req) => ({ status: 201, body: req.body }));
      app.get('/boom', () => {
        throw new Error('boom');
      });
    });
    url = `${httpBase(server.port)}`;
  });
  afterAll(() => server.stop());

  test('preflight answered with 204 and the allow-lists (curl)', async () => {
    const r = await curl(`${url}/items`, [
      '-X',
      'OPTIONS',
      '-H',
      'Origin: https://app.example',
      '-H',
      'Access-Control-Request-Method: POST',
      '-H',
      'Access-Control-Request-Headers: content-type, x-token',
    ]);
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(r.headers['access-control-allow-methods']).toBe('GET, HEAD, PUT, PATCH, POST, DELETE');
    expect(r.headers['access-control-allow-headers']).toBe('content-type, x-token');
    expect(r.headers['access-control-allow-credentials']).toBe('true');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(r.headers.vary).toBe('Origin, Access-Control-Request-Headers');
    expect(r.body.length).toBe(0);
  });

  test('a preflight for a path with no OPTIONS route and a RegExp origin', async () => {
    const r = await curl(`${url}/boom`, [
      '-X',
      'OPTIONS',
      '-H',
      'Origin: https://a.trusted.example',
      '-H',
      'Access-Control-Request-Method: GET',
    ]);
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('https://a.trusted.example');
  });

  test('an actual request from an allowed origin: allow-origin, credentials, expose-headers', async () => {
    const r = await request(server.port, '/items', { headers: { origin: 'https://app.example' } });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(r.headers['access-control-expose-headers']).toBe('x-total');
    expect(r.headers.vary).toBe('Origin');
  });

  test('another origin gets no CORS headers (the browser refuses); Vary: Origin still set', async () => {
    const r = await request(server.port, '/items', { headers: { origin: 'https://evil.example' } });
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(r.headers.vary).toBe('Origin');
    const pre = await request(server.port, '/items', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(pre.headers['access-control-allow-methods']).toBeUndefined();
  });

  test('a 500 keeps the CORS headers, so the page can read the error', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const r = await request(server.port, '/boom', { headers: { origin: 'https://app.example' } });
      expect(r.status).toBe(500);
      expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
    } finally {
      spy.mockRestore();
    }
  });

  test('a 413 (body over the limit) and a 400 (invalid JSON) carry the CORS headers too', async () => {
    const big = await request(server.port, '/items', {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'text/plain' },
      body: 'x'.repeat(500),
    });
    expect(big.status).toBe(413);
    expect(big.headers['access-control-allow-origin']).toBe('https://app.example');
    const bad = await request(server.port, '/items', {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/json' },
      body: '{bad',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  test("origin '*' answers '*'; credentials with '*' is refused at setup", async () => {
    const open = await startServer({}, (app) => {
      app.plugin(cors());
      app.get('/x', () => ({ body: 1 }));
    });
    try {
      const r = await request(open.port, '/x', { headers: { origin: 'https://any.example' } });
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(r.headers.vary).toBeUndefined();
    } finally {
      await open.stop();
    }
    expect(() => cors({ credentials: true })).toThrow(/credentials: true needs a specific origin/);
  });
});

describe('cookies', () => {
  const SECRET = 'k3y-for-tests';
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ cookieSecret: ['new-secret', SECRET] }, (app) => {
      app.use((req, res) => {
        if (req.path === '/mw') setCookie(res, 'from_mw', '1');
      });
      app.get('/cookies', (req) => ({ body: { cookies: req.cookies, signed: req.signedCookies } }));
      app.get('/set', () => {
        const res = setCookie({ body: { ok: true } }, 'theme', 'dark mode', { maxAge: 3600 });
        setCookie(res, 'sid', 'user-42', { secret: 'new-secret', secure: true, sameSite: 'strict' });
        return clearCookie(res, 'old');
      });
      app.get('/mw', () => setCookie({ body: 1 }, 'from_handler', '2'));
      app.get('/chain', () => new Response({ ok: 1 }).cookie('a', 'b'));
    });
  });
  afterAll(() => server.stop());

  test('req.cookies parses the Cookie header; signed cookies verify with any listed secret', async () => {
    const good = signCookie('user-42', SECRET);
    const tampered = signCookie('user-43', SECRET).replace('user-43', 'admin');
    const r = await request(server.port, '/cookies', {
      headers: {
        cookie: `theme=dark%20mode; sid=${encodeURIComponent(good)}; bad=${encodeURIComponent(tampered)}; plain=x`,
      },
    });
    const body = json(r) as { cookies: Record<string, string>; signed: Record<string, string> };
    expect(body.cookies.theme).toBe('dark mode');
    expect(body.cookies.plain).toBe('x');
    expect(body.signed).toEqual({ sid: 'user-42' });
  });

  test('no Cookie header → {}', async () => {
    expect(json(await request(server.port, '/cookies'))).toEqual({ cookies: {}, signed: {} });
  });

  test('setCookie / clearCookie: safe defaults, options, signing, several Set-Cookie lines (curl)', async () => {
    const r = await curl(`${httpBase(server.port)}/set`);
    const lines = r.headerLines.filter(([n]) => n === 'set-cookie').map(([, v]) => v);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('theme=dark%20mode; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax');
    const sid = /^sid=([^;]+); Path=\/; HttpOnly; Secure; SameSite=Strict$/.exec(lines[1]);
    expect(sid).not.toBeNull();
    const value = decodeURIComponent(sid![1]);
    const mac = createHmac('sha256', 'new-secret').update('user-42').digest('base64url');
    expect(value).toBe(`s:user-42.${mac}`);
    expect(unsignCookie(value, ['new-secret'])).toBe('user-42');
    expect(unsignCookie(value, 'other')).toBe(false);
    expect(lines[2]).toMatch(/^old=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/);
  });

  test("middleware's and the handler's cookies are both sent", async () => {
    const r = await request(server.port, '/mw');
    expect(r.headers['set-cookie']).toEqual([
      'from_mw=1; Path=/; HttpOnly; SameSite=Lax',
      'from_handler=2; Path=/; HttpOnly; SameSite=Lax',
    ]);
    const chained = await request(server.port, '/chain');
    expect(chained.headers['set-cookie']).toEqual(['a=b; Path=/; HttpOnly; SameSite=Lax']);
  });
});

describe('URL-encoded forms', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ formMaxFields: 5, maxBodySize: 2000 }, (app) => {
      app.post('/form', (req) => ({ body: { body: req.body } }));
    });
  });
  afterAll(() => server.stop());

  const FORM = 'application/x-www-form-urlencoded';

  test('parsed into an object with the query rules (curl --data)', async () => {
    const r = await curl(`${httpBase(server.port)}/form`, [
      '--data',
      'name=Ada+Lovelace&tag=a&tag=b&ids[]=1&note=%E2%82%AC',
    ]);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({
      body: { name: 'Ada Lovelace', tag: ['a', 'b'], ids: ['1'], note: '€' },
    });
  });

  test('with a charset parameter; an empty form is {}', async () => {
    const r = await request(server.port, '/form', {
      method: 'POST',
      headers: { 'content-type': `${FORM}; charset=UTF-8` },
      body: 'a=1',
    });
    expect(json(r)).toEqual({ body: { a: '1' } });
  });

  test('more fields than formMaxFields → 413; bad encoding → 400; over maxBodySize → 413', async () => {
    const many = await request(server.port, '/form', {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'a=1&b=2&c=3&d=4&e=5&f=6',
    });
    expect(many.status).toBe(413);
    expect(json(many)).toEqual({ error: 'Too many form fields (limit 5)' });
    const bad = await request(server.port, '/form', {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'a=%zz',
    });
    expect(bad.status).toBe(400);
    expect(json(bad)).toEqual({ error: 'Malformed percent-encoding in form' });
    const big = await request(server.port, '/form', {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'a=' + 'x'.repeat(3000),
    });
    expect(big.status).toBe(413);
  });
});

describe('query and path decoding', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({}, (app) => {
      app.get('/q', (req) => ({ body: req.query }));
      app.get('/files/:name', (req) => ({ body: { name: req.params.name, path: req.path } }));
      app.get('/files/:name/info', (req) => ({ body: { info: req.params.name } }));
      app.get('/raw/*rest', (req) => ({ body: { rest: req.params.rest } }));
      app.get('/a/b', () => ({ body: 'a/b route' }));
    });
  });
  afterAll(() => server.stop());

  test('repeated keys become arrays; [] forces an array; single keys stay strings', async () => {
    const r = await request(server.port, '/q?tag=a&tag=b&one=1&list[]=x&tag=c&empty&sp=a+b');
    expect(json(r)).toEqual({ tag: ['a', 'b', 'c'], one: '1', list: ['x'], empty: '', sp: 'a b' });
  });

  test('%2F stays inside its segment: one parameter, not two segments', async () => {
    const r = await request(server.port, '/files/a%2Fb');
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ name: 'a/b', path: '/files/a/b' });
    expect(json(await request(server.port, '/files/a%2Fb/info'))).toEqual({ info: 'a/b' });
    expect(json(await request(server.port, '/files/100%25%2F2'))).toEqual({ name: '100%/2', path: '/files/100%/2' });
    // An encoded slash does not reach the /a/b route either.
    expect((await request(server.port, '/a%2Fb')).status).toBe(404);
    expect(json(await request(server.port, '/a/%62'))).toBe('a/b route');
    expect(json(await request(server.port, '/raw/x%2Fy/z'))).toEqual({ rest: 'x/y/z' });
  });

  test('malformed encoding in a segment → 400', async () => {
    const r = await request(server.port, '/files/%E0%A4%A');
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error: 'Malformed percent-encoding in path' });
  });

  test('parseQuery, routingPath and routeParam', () => {
    const q = parseQuery('__proto__=1&constructor=2');
    expect(q.__proto__).toBe('1');
    expect(Object.getPrototypeOf(q)).toBeNull();
    expect(() => parseQuery('a=1&b=2&c=3', 2)).toThrow('Too many query parameters');
    expect(routingPath('/x/a%2Fb/%41')).toBe('/x/a%2Fb/A');
    expect(routingPath('/plain')).toBe('/plain');
    expect(routeParam('a%2Fb%25c')).toBe('a/b%c');
  });
});
