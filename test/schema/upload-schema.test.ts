// app.upload(path, handler, { schema }): schema.body checks the multipart text fields once they are read
// (a JSON Schema coerces none: fields are strings; a Standard Schema may coerce); 400 with the issues.
import { z } from 'zod';
import { createApp } from '../../lib/index';
import { MULTIPART_TYPE, multipart } from '../fixtures/multipart';

function uploadApp() {
  const seen: unknown[] = [];
  const app = createApp().upload(
    '/docs/:folder',
    (files, req) => {
      seen.push(req.body);
      return { body: { folder: req.params.folder, fields: req.body, files: files.length } };
    },
    {
      schema: {
        params: { type: 'object', properties: { folder: { type: 'string', pattern: '^[a-z]+$' } } },
        body: z.object({ title: z.string().min(1), pages: z.coerce.number().int() }),
      },
    },
  );
  return { app, seen };
}

const file = { name: 'f', filename: 'a.txt', contentType: 'text/plain', content: 'alpha' };

test('valid fields reach the handler, coerced by the schema', async () => {
  const { app } = uploadApp();
  const body = multipart([{ name: 'title', content: 'Report' }, { name: 'pages', content: '12' }, file]);
  const res = await app.inject({
    method: 'POST',
    url: '/docs/reports',
    headers: { 'content-type': MULTIPART_TYPE },
    body,
  });
  expect(res.status).toBe(200);
  expect(res.json()).toEqual({ folder: 'reports', fields: { title: 'Report', pages: 12 }, files: 1 });
});

test('invalid fields → 400 with the issues; the handler never runs', async () => {
  const { app, seen } = uploadApp();
  const body = multipart([{ name: 'pages', content: 'many' }, file]);
  const res = await app.inject({
    method: 'POST',
    url: '/docs/reports',
    headers: { 'content-type': MULTIPART_TYPE },
    body,
  });
  expect(res.status).toBe(400);
  const issues = res.json<{ issues: Array<{ in: string; path: string }> }>().issues;
  expect(issues.map((i) => `${i.in} ${i.path}`).sort()).toEqual(['body /pages', 'body /title']);
  expect(seen).toEqual([]);
});

test('params are checked before the body is read', async () => {
  const { app, seen } = uploadApp();
  const body = multipart([
    { name: 'title', content: 'x' },
    { name: 'pages', content: '1' },
  ]);
  const res = await app.inject({
    method: 'POST',
    url: '/docs/NOPE',
    headers: { 'content-type': MULTIPART_TYPE },
    body,
  });
  expect(res.status).toBe(400);
  expect(res.json<{ issues: Array<{ in: string }> }>().issues[0].in).toBe('params');
  expect(seen).toEqual([]);
});
