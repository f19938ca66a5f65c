// settings.jsonProto: prototype-poisoning keys (`__proto__`, `constructor.prototype`) in JSON bodies,
// WebSocket JSON messages, URL-encoded forms and query strings. 'error' (default): HTTP 400 / close 1008;
// 'remove': deleted before handlers see the value; 'allow': kept (JSON.parse's own keys).
import WebSocket from 'ws';
import { createApp } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { startServer, request, json, type TestServer } from '../fixtures/wire';
import {
  BIGINT_JSON_SUPPORTED,
  JsonProtoError,
  checkJsonSettings,
  parseJson,
  suspectKey,
  type JsonSettings,
} from '../../lib/backend/json-codec';
import { parseQuery } from '../../lib/http/query';
import { nodeMajor } from '../helpers/node22';
import { wsBase } from '../helpers/tls-lane';

const PROTO = '{"__proto__":{"admin":true}}';
const CTOR = '{"a":{"constructor":{"prototype":{"x":1}}}}';
const ESCAPED = '{"\\u005f_proto__":{"admin":true}}';
const IN_ARRAY = '[1,{"b":[{"__proto__":{"admin":true}}]}]';

/** What a handler saw: the body (as JSON), own keys, and what `Object.assign({}, body)` inherits. */
function seen(body: unknown): unknown {
  const copy = Object.assign({}, body) as { admin?: unknown };
  return {
    body,
    own: body !== null && typeof body === 'object' ? Object.keys(body) : null,
    hasProto: body !== null && typeof body === 'object' && Object.hasOwn(body, '__proto__'),
    copiedAdmin: copy.admin ?? null,
  };
}

/** A POST to /echo; `type` null: no content-type header. */
async function post(port: number, body: string, type: string | null = 'application/json') {
  const headers: Record<string, string> = type === null ? {} : { 'content-type': type };
  return request(port, '/echo', { method: 'POST', headers, body });
}

describe.each(['krozen', 'node'] as const)('transport %s', (transport) => {
  const servers: Partial<Record<'error' | 'remove' | 'allow', TestServer>> = {};
  let handled = 0;
  const start = (jsonProto: Settings['jsonProto'] | undefined) =>
    startServer(jsonProto === undefined ? { transport } : { transport, jsonProto }, (app) => {
      app.post('/echo', (req) => {
        handled++;
        return { body: seen(req.body) };
      });
      app.get('/q', (req) => {
        handled++;
        return { body: { keys: Object.keys(req.query), proto: Object.getPrototypeOf(Object.assign({}, req.query)) } };
      });
    });
  beforeAll(async () => {
    servers.error = await start(undefined); // the default
    servers.remove = await start('remove');
    servers.allow = await start('allow');
  });
  afterAll(async () => {
    for (const s of Object.values(servers)) await s.stop();
  });

  test.each([
    ['__proto__', PROTO, 'Forbidden JSON key __proto__'],
    ['constructor.prototype', CTOR, 'Forbidden JSON key constructor.prototype'],
    ['escaped \\u005f_proto__', ESCAPED, 'Forbidden JSON key __proto__'],
    ['__proto__ nested in arrays', IN_ARRAY, 'Forbidden JSON key __proto__'],
  ])('default (error): %s → 400 with a JSON error; the handler never runs', async (_name, body, message) => {
    const port = servers.error!.port;
    for (const type of ['application/json', 'application/vnd.api+json', 'application/json; charset=utf-8', null]) {
      handled = 0;
      const r = await post(port, body, type);
      expect([type, r.status]).toEqual([type, 400]);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(json(r)).toEqual({ error: message });
      expect(handled).toBe(0);
    }
  });

  test('default: ordinary bodies, a constructor key without prototype, "__proto__" as a value all pass', async () => {
    const port = servers.error!.port;
    const plain = await post(port, '{"a":1,"b":[true,null]}');
    expect(json(plain)).toMatchObject({ body: { a: 1, b: [true, null] } });
    const ctor = await post(port, '{"constructor":{"name":"x"},"s":"__proto__","t":"\\"__proto__\\":"}');
    expect(ctor.status).toBe(200);
    expect(json(ctor)).toMatchObject({ body: { constructor: { name: 'x' }, s: '__proto__' } });
    // Not JSON, no content type: still the string, as before.
    const text = await post(port, 'just "__proto__": text', null);
    expect(json(text)).toMatchObject({ body: 'just "__proto__": text' });
  });

  test("'remove': the keys are gone before the handler sees the body", async () => {
    const port = servers.remove!.port;
    expect(json(await post(port, PROTO))).toEqual({ body: {}, own: [], hasProto: false, copiedAdmin: null });
    expect(json(await post(port, ESCAPED, null))).toEqual({
      body: {},
      own: [],
      hasProto: false,
      copiedAdmin: null,
    });
    expect(json(await post(port, '{"a":1,"__proto__":{"admin":true}}'))).toEqual({
      body: { a: 1 },
      own: ['a'],
      hasProto: false,
      copiedAdmin: null,
    });
    expect(json(await post(port, CTOR))).toMatchObject({ body: { a: {} } });
    expect(json(await post(port, IN_ARRAY))).toMatchObject({ body: [1, { b: [{}] }] });
  });

  test("'allow': the key is there, as JSON.parse leaves it (and Object.assign copies it into the prototype)", async () => {
    const r = json(await post(servers.allow!.port, PROTO));
    expect(r).toEqual({
      body: { ['__proto__']: { admin: true } },
      own: ['__proto__'],
      hasProto: true,
      copiedAdmin: true,
    });
    expect(json(await post(servers.allow!.port, CTOR))).toMatchObject({
      body: { a: { constructor: { prototype: { x: 1 } } } },
    });
  });

  test('jsonBigInt (Node >= 22): a big integer with a __proto__ key → 400; a big integer alone is a BigInt', async () => {
    if (!BIGINT_JSON_SUPPORTED) {
      expect(nodeMajor()).toBeLessThan(22);
      return;
    }
    const big = await startServer({ transport, jsonBigInt: true }, (app) => {
      app.post('/echo', (req) => ({ body: { type: typeof (req.body as { n: unknown }).n, body: req.body } }));
    });
    try {
      const bad = await post(big.port, '{"n":18446744073709551616,"__proto__":{"admin":true}}');
      expect([bad.status, json(bad)]).toEqual([400, { error: 'Forbidden JSON key __proto__' }]);
      const ok = await post(big.port, '{"n":18446744073709551616}');
      expect(ok.body.toString()).toBe('{"type":"bigint","body":{"n":18446744073709551616}}');
    } finally {
      await big.stop();
    }
  });

  test('URL-encoded forms: a __proto__ field is a 400 / dropped / kept', async () => {
    const form = 'application/x-www-form-urlencoded';
    const bad = await post(servers.error!.port, 'a=1&__proto__[]=x', form);
    expect([bad.status, json(bad)]).toEqual([400, { error: 'Forbidden form field __proto__' }]);
    const encoded = await post(servers.error!.port, '%5F%5Fproto__=x', form);
    expect(encoded.status).toBe(400);
    expect(json(await post(servers.remove!.port, 'a=1&__proto__[]=x&__proto__=y', form))).toMatchObject({
      body: { a: '1' },
      own: ['a'],
    });
    expect(json(await post(servers.allow!.port, '__proto__=y', form))).toMatchObject({ own: ['__proto__'] });
    // Keys that only contain the name are ordinary keys.
    expect(json(await post(servers.error!.port, 'a[__proto__]=1&constructor[]=2', form))).toMatchObject({
      own: ['a[__proto__]', 'constructor'],
    });
  });

  test('query strings: a __proto__ key is a 400 (even when the handler never reads the query) / dropped / kept', async () => {
    handled = 0;
    const bad = await request(servers.error!.port, '/q?__proto__[]=x');
    expect([bad.status, json(bad)]).toEqual([400, { error: 'Forbidden query key __proto__' }]);
    const unreadQuery = await request(servers.error!.port, '/echo?__proto__=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unreadQuery.status).toBe(400);
    expect((await request(servers.error!.port, '/q?%5F%5Fproto%5F%5F=x')).status).toBe(400);
    expect(handled).toBe(0);
    expect(json(await request(servers.remove!.port, '/q?a=1&__proto__[]=x'))).toEqual({ keys: ['a'], proto: {} });
    // 'allow': today's rule, an own key (and an array value becomes the prototype of an Object.assign copy).
    expect(json(await request(servers.allow!.port, '/q?__proto__[]=x'))).toEqual({ keys: ['__proto__'], proto: ['x'] });
  });
});

describe('app.inject()', () => {
  const app = createApp({ port: 0 });
  app.post('/echo', (req) => ({ body: seen(req.body) }));
  const removing = createApp({ port: 0, jsonProto: 'remove' });
  removing.post('/echo', (req) => ({ body: seen(req.body) }));

  test('the same 400, and remove', async () => {
    for (const body of [PROTO, CTOR, ESCAPED, IN_ARRAY]) {
      const r = await app.inject({
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect([r.status, r.json()]).toEqual([400, { error: expect.stringMatching(/^Forbidden JSON key /) }]);
    }
    const r = await app.inject({ method: 'POST', url: '/echo', body: PROTO });
    expect(r.status).toBe(400); // no content type: not the string either
    const object = await app.inject({ method: 'POST', url: '/echo', body: { ['__proto__']: { admin: true } } });
    expect(object.status).toBe(400);
    const removed = await removing.inject({ method: 'POST', url: '/echo', body: PROTO });
    expect(removed.json()).toEqual({ body: {}, own: [], hasProto: false, copiedAdmin: null });
  });
});

describe('WebSocket', () => {
  let server: TestServer;
  let removing: TestServer;
  const data: unknown[] = [];
  const configure = (app: import('../../lib/app').App) =>
    app.on('ws:message', (ctx: { data: unknown; reply: unknown }) => {
      data.push(ctx.data);
      ctx.reply = { own: Object.keys(ctx.data as object) };
    });
  beforeAll(async () => {
    server = await startServer({ wsEndpoint: 'on' }, configure);
    removing = await startServer({ wsEndpoint: 'on', jsonProto: 'remove' }, configure);
  });
  afterAll(async () => {
    await server.stop();
    await removing.stop();
  });

  async function open(port: number): Promise<WebSocket> {
    const ws = new WebSocket(`${wsBase(port)}/ws`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return ws;
  }

  test.each([
    ['{"__proto__":{}}', 'Forbidden JSON key __proto__'],
    [ESCAPED, 'Forbidden JSON key __proto__'],
    [CTOR, 'Forbidden JSON key constructor.prototype'],
  ])('%s read through ctx.data → close 1008 with the reason; the server keeps serving', async (text, reason) => {
    data.length = 0;
    const ws = await open(server.port);
    const closed = new Promise<[number, string]>((resolve) =>
      ws.once('close', (code, r) => resolve([code, r.toString()])),
    );
    ws.send(text);
    expect(await closed).toEqual([1008, reason]);
    expect(data).toEqual([undefined]);
    const ok = await open(server.port);
    const reply = new Promise<string>((resolve) => ok.once('message', (d) => resolve(d.toString())));
    ok.send('{"a":1,"constructor":{"name":"x"}}');
    expect(await reply).toBe('{"own":["a","constructor"]}');
    ok.close();
  });

  test("'remove': the message arrives without the key", async () => {
    const ws = await open(removing.port);
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send('{"a":1,"__proto__":{"admin":true}}');
    expect(await reply).toBe('{"own":["a"]}');
    ws.close();
  });

  test('upgrade query: a __proto__ key is refused with 400', async () => {
    const ws = new WebSocket(`${wsBase(server.port)}/ws?__proto__[]=x`);
    ws.on('error', () => undefined); // terminate() before the handshake ends reports one
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    ws.terminate();
    expect(status).toBe(400);
  });
});

describe('parseJson', () => {
  const opts = (jsonProto: JsonSettings['jsonProto'], jsonBigInt = false): JsonSettings => ({
    jsonMaxDepth: 128,
    jsonBigInt,
    jsonProto,
  });

  test("'error': JsonProtoError for __proto__ anywhere and constructor.prototype, escaped spellings too", () => {
    for (const text of [
      PROTO,
      ESCAPED,
      IN_ARRAY,
      '{"\\u005F\\u005F\\u0070roto\\u005f_" :1}',
      '{"a":{"__proto__":null}}',
    ]) {
      expect(() => parseJson(text, opts('error'))).toThrow(new JsonProtoError('__proto__'));
    }
    expect(() => parseJson(CTOR, opts('error'))).toThrow(JsonProtoError);
    expect(() => parseJson('{"\\u0063onstructor":{"prototype":1}}', opts('error'))).toThrow(
      'Forbidden JSON key constructor.prototype',
    );
    const err = (() => {
      try {
        parseJson(PROTO, opts('error'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SyntaxError);
    expect((err as JsonProtoError).key).toBe('__proto__');
  });

  test("'error': what is not a forbidden key passes unchanged", () => {
    for (const text of [
      '{"constructor":1}',
      '{"constructor":{"name":"x"}}',
      '{"constructor":{"prototype":1}}'.replace('prototype', 'proto'),
      '["__proto__", {"s":"\\"__proto__\\":1"}]',
      '{"__proto":1,"_proto__":2,"__proto__x":3}',
      '"__proto__"',
      '12',
      'null',
    ]) {
      expect(parseJson(text, opts('error'))).toEqual(JSON.parse(text));
    }
  });

  test("'remove' deletes the keys (nested, in arrays); 'allow' keeps them", () => {
    const removed = parseJson('{"a":[{"__proto__":{"x":1},"b":2}],"__proto__":{"admin":true}}', opts('remove'));
    expect(removed).toEqual({ a: [{ b: 2 }] });
    expect(Object.hasOwn(removed as object, '__proto__')).toBe(false);
    expect((Object.assign({}, removed) as { admin?: boolean }).admin).toBeUndefined();
    expect(parseJson(CTOR, opts('remove'))).toEqual({ a: {} });
    const kept = parseJson(PROTO, opts('allow')) as object;
    expect(Object.hasOwn(kept, '__proto__')).toBe(true);
    expect((Object.assign({}, kept) as { admin?: boolean }).admin).toBe(true);
  });

  test('the pretest: every spelling of the keys, and none of the ordinary texts', () => {
    expect(suspectKey('{"__proto__":1}')).toBe(true);
    expect(suspectKey('{"__proto__" \n :1}')).toBe(true);
    expect(suspectKey('{"\\u005F\\u005f\\u0070\\u0072\\u006F\\u0074\\u006f\\u005f\\u005F":1}')).toBe(true);
    expect(suspectKey('{"constructor":1}')).toBe(true);
    expect(suspectKey('{"\\u0063\\u006F\\u006E\\u0073\\u0074\\u0072\\u0075\\u0063\\u0074\\u006f\\u0072":1}')).toBe(
      true,
    );
    expect(suspectKey('{"id":12345,"name":"krozen","tags":["a","b","c"],"nested":{"ok":true,"n":1.5}}')).toBe(false);
    expect(suspectKey('["__proto__","constructor"]')).toBe(false);
  });

  // jsonBigInt needs Node >= 22 (test/json-bigint.test.ts runs a wire case in a Node 22 child process too).
  test('with the BigInt reviver (jsonBigInt, Node >= 22)', () => {
    if (!BIGINT_JSON_SUPPORTED) {
      expect(nodeMajor()).toBeLessThan(22);
      return;
    }
    expect(() => parseJson('{"n":18446744073709551616,"__proto__":{"admin":true}}', opts('error', true))).toThrow(
      JsonProtoError,
    );
    expect(parseJson('{"n":18446744073709551616}', opts('error', true))).toEqual({ n: 18446744073709551616n });
    expect(parseJson('{"n":18446744073709551616,"__proto__":{}}', opts('remove', true))).toEqual({
      n: 18446744073709551616n,
    });
  });

  test('checkJsonSettings: a clear error for an unknown jsonProto', () => {
    expect(() => checkJsonSettings({ ...opts('error'), jsonProto: 'strip' as 'error' })).toThrow(
      'settings.jsonProto must be one of "error", "remove", "allow", got "strip"',
    );
  });
});

test('parseQuery: __proto__ under each jsonProto; the default of the bare function keeps it', () => {
  expect(() => parseQuery('__proto__=x', Infinity, undefined, 'error')).toThrow('Forbidden query key __proto__');
  expect(Object.keys(parseQuery('a=1&__proto__[]=x&%5F%5Fproto__=y', Infinity, undefined, 'remove'))).toEqual(['a']);
  expect(Object.keys(parseQuery('__proto__=x', Infinity, undefined, 'allow'))).toEqual(['__proto__']);
  expect(Object.keys(parseQuery('__proto__=x'))).toEqual(['__proto__']);
});
