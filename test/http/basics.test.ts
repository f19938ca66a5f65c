// The first slice at the wire: JSON responses, 404/405, HEAD/OPTIONS, port 0, stop.
import { startApp, type Running } from '../helpers/server';
import { TEST_HTTP2 } from '../helpers/tls-lane';

let r: Running;
beforeAll(async () => {
  r = await startApp((app) => {
    app.get('/json', () => ({ body: { message: 'Hello, World!' } }));
    app.post('/echo', (req) => ({ body: req.body }));
    app.get('/nothing', () => undefined);
  });
});
afterAll(() => r.stop());

test('GET /json answers JSON with a content length', async () => {
  const res = await fetch(`${r.base}/json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(res.headers.get('content-length')).toBe('27');
  expect(await res.text()).toBe('{"message":"Hello, World!"}');
});

test('POST /echo returns the JSON body', async () => {
  const res = await fetch(`${r.base}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":[1,2,{"b":null}]}',
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ a: [1, 2, { b: null }] });
});

test('a handler returning nothing → 200 {}', async () => {
  const res = await fetch(`${r.base}/nothing`);
  expect(res.status).toBe(200);
  expect(await res.text()).toBe('{}');
});

test('unknown path → 404 with method and path', async () => {
  const res = await fetch(`${r.base}/missing/x`);
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toBe('application/json');
  expect(await res.json()).toEqual({ error: 'Not Found', method: 'GET', path: '/missing/x' });
});

test('known path, other method → 405 + Allow', async () => {
  const res = await fetch(`${r.base}/json`, { method: 'DELETE' });
  expect(res.status).toBe(405);
  expect(res.statusText).toBe(TEST_HTTP2 ? '' : 'Method Not Allowed'); // HTTP/2 has no reason phrase
  expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  expect(await res.json()).toEqual({ error: 'Method Not Allowed', method: 'DELETE', path: '/json' });
});
