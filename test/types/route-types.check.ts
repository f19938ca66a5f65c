// Compile-time checks of typed routes (run by `npm run typecheck` and by route-types.test.ts): every
// `@ts-expect-error` line must stay an error, or tsc fails with "Unused '@ts-expect-error' directive".
import { Type } from '@sinclair/typebox';
import * as v from 'valibot';
import { z } from 'zod';
import { createApp, router, type Request } from '../../lib/index';

const app = createApp();

// Params from the path literal.
app.get('/users/:id/posts/:postId', (req) => {
  const id: string = req.params.id;
  const postId: string = req.params.postId;
  // @ts-expect-error a misspelt param
  void req.params.idd;
  return { body: { id, postId } };
});
app.get('/files/*rest', (req) => ({ body: { rest: req.params.rest } }));
app.get('/files2/*rest', (req) => {
  // @ts-expect-error only `rest` exists
  void req.params.path;
});
app.post('/plain', (req) => {
  // @ts-expect-error no params on a static path
  void req.params.id;
});

// A path only known as a string keeps the loose shape.
const dynamic: string = '/x/:a';
app.get(dynamic, (req) => ({ body: req.params.anything }));

// Router groups: the prefix's params too.
router('/orgs/:org').get('/members/:member', (req) => {
  const both: string = req.params.org + req.params.member;
  // @ts-expect-error not a param of this route
  void req.params.team;
  return { body: both };
});

// Schemas type the body, and the response.
const Todo = z.object({ title: z.string(), done: z.boolean().default(false) });
app.post(
  '/todos/:id',
  (req) => {
    const title: string = req.body.title;
    // @ts-expect-error a wrong body field
    void req.body.titel;
    return { status: 201, body: { id: req.params.id, title } };
  },
  { schema: { body: Todo, response: { 201: z.object({ id: z.string(), title: z.string() }) } } },
);
// @ts-expect-error a wrong response shape (title must be a string)
app.post('/todos2', (req) => ({ status: 201, body: { id: '1', title: req.body.done } }), {
  schema: { body: Todo, response: { 201: z.object({ id: z.string(), title: z.string() }) } },
});
// @ts-expect-error a status the schema does not declare
app.get('/todos3', () => ({ status: 202, body: { ok: true } }), {
  schema: { response: { 200: z.object({ ok: z.boolean() }) } },
});

// A plain JSON Schema literal, inline: the route's `const` type parameter keeps its literal types.
app.post(
  '/json-schema',
  (req) => {
    const qty: number = req.body.qty;
    const note: string | undefined = req.body.note;
    // @ts-expect-error not declared
    void req.body.price;
    return { body: { qty, note: note ?? '' } };
  },
  {
    schema: {
      body: {
        type: 'object',
        properties: { qty: { type: 'integer' }, note: { type: 'string' } },
        required: ['qty'],
        additionalProperties: false,
      },
      query: { type: 'object', properties: { page: { type: 'integer' } } },
    },
  },
);

// TypeBox and valibot.
app.put(
  '/tb/:id',
  (req) => {
    const n: number = req.body.count;
    const page: number | undefined = req.query.page;
    // @ts-expect-error TypeBox's static type has no `cnt`
    void req.body.cnt;
    return { body: { n, page } };
  },
  {
    schema: {
      body: Type.Object({ count: Type.Number() }),
      query: Type.Object({ page: Type.Optional(Type.Integer()) }),
    },
  },
);
app.patch(
  '/vb',
  (req) => {
    const name: string = req.body.name;
    // @ts-expect-error valibot's output has no `nam`
    void req.body.nam;
    return { body: name };
  },
  { schema: { body: v.object({ name: v.string() }) } },
);

// Untyped handlers stay as they were (a Promise with no parameters, html(), a fetch Response).
app.get('/slow', () => new Promise((resolve) => setTimeout(() => resolve({ body: 1 }), 1)));
app.get('/fetch', () => new Response('ok'));
const named = (req: Request<{ id: string }>) => ({ body: req.params.id });
app.get('/named/:id', named);

// app.publish typed by a topic map.
const typed = createApp<{ chat: { text: string } }>();
typed.publish('chat', { text: 'hi' });
// @ts-expect-error wrong payload
typed.publish('chat', { txt: 'hi' });
// @ts-expect-error unknown topic
typed.publish('chta', { text: 'hi' });

// WebSocket endpoints: params from the path, ws.data from upgrade()'s { data }, messages from schema.message.
app.ws('/rooms/:room', {
  upgrade(req) {
    const room: string = req.params.room;
    // @ts-expect-error a misspelt param in upgrade()
    void req.params.rom;
    return { data: { user: 'ada', room } };
  },
  open({ ws }) {
    const user: string = ws.data.user;
    const room: string = ws.params.room;
    // @ts-expect-error ws.data has no `usr`
    void ws.data.usr;
    ws.subscribe(`room:${room}:${user}`);
  },
  message({ ws, data }) {
    const text: string = data.text;
    // @ts-expect-error the message schema has no `txt`
    void data.txt;
    ws.send({ echo: text, from: ws.data.user });
  },
  schema: { message: z.object({ text: z.string() }) },
  invalidMessage: 'reply',
});
app.ws('/plain', {
  message({ ws, data }) {
    // Without a schema a message is unknown, ws.data a record.
    const d: unknown = data;
    const v: unknown = ws.data.anything;
    ws.send({ d, v });
  },
});
