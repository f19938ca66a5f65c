// Handler results: a WHATWG Response is sent; an unknown shape is a 500 that says why (with debug on) and a
// log line, never a silent empty 200; error answers keep the headers middleware set.
import { startServer, request, json, type TestServer } from '../fixtures/wire';
import { HttpError } from '../../lib/http/http-error';
import { checkResult, ResultShapeError } from '../../lib/http/result';

function routes(app: import('../../lib/app').App): void {
  app.use((_req, res) => {
    res.headers['access-control-allow-origin'] = 'https://app.example';
    res.headers['x-request-id'] = 'abc';
  });
  app.get('/shape', () => ({ hello: 'world' }) as never);
  app.get('/string', () => 'hi' as never);
  app.get('/array', async () => [1, 2] as never);
  app.get('/status', () => ({ status: 42 }));
  app.get('/web', () => new Response('hello web', { status: 201, headers: { 'x-web': '1' } }));
  app.get('/web-json', async () => Response.json({ a: 1, list: [1, 2] }, { headers: { 'set-cookie': 'a=1' } }));
  app.get('/web-cookies', () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/');
    return new Response(null, { status: 204, headers });
  });
  app.get('/web-stream', () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('part 1, '));
        controller.enqueue(new TextEncoder().encode('part 2'));
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/plain' } });
  });
  app.get('/throws', () => {
    throw new Error('secret internals');
  });
  app.get('/forbidden', () => {
    throw new HttpError(403, 'Forbidden');
  });
  app.get('/bigint', () => ({ body: { n: 1n } }));
}

describe.each([false, true])('debug %s', (debug) => {
  let server: TestServer;
  let errors: jest.SpyInstance;
  beforeAll(async () => {
    server = await startServer({ debug }, routes);
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => errors.mockRestore());

  test.each([
    ['/shape', 'an object with keys [hello]'],
    ['/string', 'a string (hi)'],
    ['/array', 'an array'],
    ['/status', 'status 42'],
  ])('%s → 500, never an empty 200; a log line names the route', async (path, why) => {
    const r = await request(server.port, path);
    expect(r.status).toBe(500);
    const body = json(r) as { error: string; detail?: string };
    expect(body.error).toBe('Internal Server Error');
    if (debug) {
      expect(body.detail).toContain(`The handler for GET ${path} returned ${why}`);
    } else {
      expect(body.detail).toBeUndefined();
    }
    expect(errors).toHaveBeenCalled();
    expect(String(errors.mock.calls[0][0])).toContain(`GET ${path}`);
    expect(r.headers['x-request-id']).toBe('abc');
  });

  test('a thrown error: 500 without the message, middleware headers kept', async () => {
    const r = await request(server.port, '/throws');
    expect(r.status).toBe(500);
    expect(json(r)).toEqual({ error: 'Internal Server Error' });
    expect(r.body.toString()).not.toContain('secret');
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(r.headers['x-request-id']).toBe('abc');
  });

  test('an HttpError keeps middleware headers too', async () => {
    const r = await request(server.port, '/forbidden');
    expect(r.status).toBe(403);
    expect(json(r)).toEqual({ error: 'Forbidden' });
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  test('a body JSON cannot encode: 500 with the middleware headers', async () => {
    const r = await request(server.port, '/bigint');
    expect(r.status).toBe(500);
    expect(r.headers['x-request-id']).toBe('abc');
  });

  test('a WHATWG Response: status, headers, body', async () => {
    const r = await request(server.port, '/web');
    expect(r.status).toBe(201);
    expect(r.body.toString()).toBe('hello web');
    expect(r.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(r.headers['x-web']).toBe('1');
    expect(r.headers['x-request-id']).toBe('abc'); // middleware headers merge, the handler's win
  });

  test('Response.json(), async, with a cookie', async () => {
    const r = await request(server.port, '/web-json');
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ a: 1, list: [1, 2] });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['set-cookie']).toEqual(['a=1']);
  });

  test('several Set-Cookie headers stay apart; a null body with 204', async () => {
    const r = await request(server.port, '/web-cookies');
    expect(r.status).toBe(204);
    expect(r.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(r.body.length).toBe(0);
  });

  test('a streamed WHATWG body', async () => {
    const r = await request(server.port, '/web-stream');
    expect(r.body.toString()).toBe('part 1, part 2');
    expect(r.headers['content-type']).toBe('text/plain');
  });

  test('HEAD of a WHATWG Response: headers, no body', async () => {
    const r = await request(server.port, '/web', { method: 'HEAD' });
    expect(r.status).toBe(201);
    expect(r.body.length).toBe(0);
  });
});

test('checkResult accepts the known shapes and names the unknown ones', () => {
  expect(checkResult(undefined, 'h')).toBeUndefined();
  expect(checkResult(null, 'h')).toBeUndefined();
  expect(checkResult({}, 'h')).toEqual({});
  expect(checkResult({ status: 201, body: 1, headers: {} }, 'h')).toEqual({ status: 201, body: 1, headers: {} });
  expect(() => checkResult({ headers: 'x' }, 'h')).toThrow('h returned headers that are not an object');
  expect(() => checkResult(42, 'h')).toThrow(ResultShapeError);
  expect(() => checkResult({ status: 200, data: 1 }, 'h')).toThrow('h returned an object with keys [status, data]');
});
