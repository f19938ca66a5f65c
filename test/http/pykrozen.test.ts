// The HTTP behaviours pykrozen's own test suite checks, ported.
import { createHash } from 'node:crypto';
import { startApp, type Running } from '../helpers/server';

let r: Running;
beforeAll(async () => {
  r = await startApp(
    (app) => {
      app.post('/echo', (req) => ({ body: req.body }));
      app.post('/checksum', (req) => {
        const body = req.body as { data: string };
        return {
          body: {
            length: body.data.length,
            sha256: createHash('sha256').update(body.data).digest('hex'),
            data: body.data,
          },
        };
      });
      app.post('/tagged', async (req) => {
        const body = req.body as { id: number };
        await new Promise((resolve) => setTimeout(resolve, body.id % 7));
        return { body: { id: body.id, doubled: body.id * 2 } };
      });
      let counter = 0;
      app.get('/seq', () => ({ body: { n: ++counter } }));
    },
    { maxBodySize: 4 * 1024 * 1024 },
  );
});
afterAll(() => r.stop());

function post(path: string, value: unknown) {
  return fetch(`${r.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  });
}

test('nested JSON round trip', async () => {
  const value = {
    a: { b: { c: { d: [1, [2, [3, { e: null, f: true, g: -1.5e-7 }]]] } } },
    list: Array.from({ length: 50 }, (_, i) => ({ i })),
  };
  expect(await (await post('/echo', value)).json()).toEqual(value);
});

test('unicode JSON round trip (accents, CJK, emoji, NUL, lone escapes)', async () => {
  const value = { text: 'héllo wörld — 你好 — 🚀🎉 — \u0000 — \u2028 — "quotes" \\ back', key: { ключ: 'значение' } };
  const res = await post('/echo', value);
  const raw = Buffer.from(await res.arrayBuffer());
  expect(raw.equals(Buffer.from(JSON.stringify(value)))).toBe(true);
});

test('100 kB JSON round trip with a checksum', async () => {
  const data = Array.from({ length: 100 * 1024 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
  const res = await post('/checksum', { data });
  const body = await res.json();
  expect(body.length).toBe(100 * 1024);
  expect(body.sha256).toBe(createHash('sha256').update(data).digest('hex'));
  expect(body.data).toBe(data);
});

test('200 concurrent POSTs, no cross-talk', async () => {
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, id) => post('/tagged', { id }).then((res) => res.json())),
  );
  results.forEach((body, id) => expect(body).toEqual({ id, doubled: id * 2 }));
});

test('50 sequential requests come back in order', async () => {
  const seen: number[] = [];
  for (let i = 0; i < 50; i++) seen.push((await (await fetch(`${r.base}/seq`)).json()).n);
  expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
});
