// app.ws(path, { schema: { message } }): every message is validated before message() runs (zod, valibot,
// TypeBox, plain JSON Schema); a refused one closes the connection with 1008, or with invalidMessage:
// 'reply' gets {"error":"Validation failed","issues":[…]} and is dropped while the connection stays open.
// Invalid JSON and binary frames count as refused. Real `ws` clients.
import { Type } from '@sinclair/typebox';
import * as v from 'valibot';
import { z } from 'zod';
import { createApp, ErrorCode } from '../../lib/index';
import { Inbox, closed, openWs, startWs, type RunningWs } from './helpers';
import { wsBase } from '../helpers/tls-lane';

const KINDS = [
  ['zod', z.object({ text: z.string().min(1), n: z.number().int().default(0) })],
  [
    'valibot',
    v.object({ text: v.pipe(v.string(), v.minLength(1)), n: v.optional(v.pipe(v.number(), v.integer()), 0) }),
  ],
  ['TypeBox', Type.Object({ text: Type.String({ minLength: 1 }), n: Type.Integer({ default: 0 }) })],
  [
    'JSON Schema',
    {
      type: 'object',
      properties: { text: { type: 'string', minLength: 1 }, n: { type: 'integer', default: 0 } },
      required: ['text'],
    },
  ],
] as const;

describe.each(KINDS)('schema.message: %s', (_kind, schema) => {
  let srv: RunningWs;
  const seen: unknown[] = [];
  beforeAll(async () => {
    srv = await startWs((app) => {
      app.ws('/strict/:room', {
        message({ ws, data }) {
          seen.push(data);
          ws.send({ room: ws.params.room, text: data.text, n: data.n });
        },
        schema: { message: schema },
      });
      app.ws('/lenient', {
        message({ ws, data }) {
          ws.send({ ok: data.text });
        },
        schema: { message: schema },
        invalidMessage: 'reply',
      });
    });
  });
  afterAll(() => srv.stop());
  const url = (path: string) => `${wsBase(srv.port)}${path}`;

  test('a valid message reaches message() with the validated value (defaults applied)', async () => {
    const ws = await openWs(url('/strict/r1'));
    const inbox = new Inbox(ws);
    ws.send('{"text":"hi"}');
    expect(await inbox.json()).toEqual({ room: 'r1', text: 'hi', n: 0 });
    ws.close();
  });

  test.each([
    ['a wrong type', '{"text":5}'],
    ['a missing field', '{"n":1}'],
    ['a value out of range', '{"text":""}'],
    ['invalid JSON', '{"text":'],
  ])('%s closes with 1008', async (_name, message) => {
    const before = seen.length;
    const ws = await openWs(url('/strict/r2'));
    ws.send(message);
    expect(await closed(ws)).toEqual({ code: 1008, reason: 'Invalid message' });
    expect(seen.length).toBe(before);
  });

  test('a binary frame closes with 1008', async () => {
    const ws = await openWs(url('/strict/r3'));
    ws.send(Buffer.from('{"text":"hi"}'));
    expect((await closed(ws)).code).toBe(1008);
  });

  test("invalidMessage: 'reply' answers the issues and keeps serving", async () => {
    const ws = await openWs(url('/lenient'));
    const inbox = new Inbox(ws);
    ws.send('{"text":7}');
    const reply = (await inbox.json()) as {
      error: string;
      issues: Array<{ in: string; path: string; message: string }>;
    };
    expect(reply.error).toBe('Validation failed');
    expect(reply.issues.map((i) => [i.in, i.path])).toEqual([['message', '/text']]);
    ws.send('{"text":"fine"}');
    expect(await inbox.json()).toEqual({ ok: 'fine' });
    ws.close();
  });
});

test('an async Standard Schema holds later messages in order', async () => {
  const slow = z.object({ i: z.number() }).refine(async (m) => {
    await new Promise((r) => setTimeout(r, m.i === 0 ? 30 : 0));
    return true;
  });
  const srv = await startWs((app) => {
    app.ws('/async', {
      message({ ws, data }) {
        ws.send({ i: data.i });
      },
      schema: { message: slow },
    });
  });
  try {
    const ws = await openWs(`${wsBase(srv.port)}/async`);
    const inbox = new Inbox(ws);
    for (let i = 0; i < 3; i++) ws.send(JSON.stringify({ i }));
    expect([await inbox.json(), await inbox.json(), await inbox.json()]).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    ws.close();
  } finally {
    await srv.stop();
  }
});

test('a bad message schema or policy fails at app.ws()', () => {
  const codeOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      return `${(err as { code: string }).code}: ${(err as Error).message}`;
    }
    return 'no error';
  };
  expect(codeOf(() => createApp().ws('/a', { schema: { message: 3 as never } }))).toMatch(
    new RegExp(`^${ErrorCode.INVALID_SCHEMA}: app.ws\\('/a'\\) schema.message`),
  );
  expect(codeOf(() => createApp().ws('/b', { schema: { msg: {} } as never }))).toMatch(/unknown schema part "msg"/);
  expect(codeOf(() => createApp().ws('/c', { invalidMessage: 'ignore' as never }))).toMatch(
    /invalidMessage must be 'close' or 'reply'/,
  );
});
