// settings.jsonMaxDepth: deeper JSON is refused before any user code sees it: HTTP 400, WebSocket 1008.
import WebSocket from 'ws';
import { startServer, request, json, type TestServer } from '../fixtures/wire';
import {
  exceedsDepth,
  parseJson,
  JsonDepthError,
  JsonProtoError,
  checkJsonSettings,
} from '../../lib/backend/json-codec';
import { wsBase } from '../helpers/tls-lane';

const DEEP = '['.repeat(100_000) + ']'.repeat(100_000);

describe('HTTP', () => {
  let server: TestServer;
  let seen = 0;
  beforeAll(async () => {
    server = await startServer({ jsonMaxDepth: 64 }, (app) => {
      app.use(() => {
        seen++;
      });
      app.post('/echo', (req) => ({ body: req.body }));
    });
  });
  afterAll(() => server.stop());

  test.each([
    ['application/json', 'application/json'],
    ['no content type', undefined],
  ])('a 100,000-deep array (%s) → 400 with a clear error; no middleware ran', async (_name, type) => {
    seen = 0;
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    const r = await request(server.port, '/echo', { method: 'POST', headers, body: DEEP });
    expect(r.status).toBe(400);
    expect(json(r)).toEqual({ error: 'JSON nesting too deep (limit 64)' });
    expect(seen).toBe(0);
    expect(
      (
        await request(server.port, '/echo', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '[1]',
        })
      ).status,
    ).toBe(200);
  });

  test('exactly at the limit passes; one more is refused; brackets inside strings do not count', async () => {
    const at = '['.repeat(64) + ']'.repeat(64);
    const ok = await request(server.port, '/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: at,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe(at);
    const over = '{"a":' + at + '}';
    expect(
      (
        await request(server.port, '/echo', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: over,
        })
      ).status,
    ).toBe(400);
    const inString = JSON.stringify({ s: '['.repeat(1000) + '\\"[[[' });
    const str = await request(server.port, '/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: inString,
    });
    expect(str.status).toBe(200);
    expect(str.body.toString()).toBe(inString);
  });
});

describe('WebSocket', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ jsonMaxDepth: 64, wsEndpoint: 'on' }, () => undefined);
  });
  afterAll(() => server.stop());

  test('a too-deep JSON message → close 1008 with the reason; the server keeps serving', async () => {
    const ws = new WebSocket(`${wsBase(server.port)}/ws`);
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<[number, string]>((resolve) =>
      ws.once('close', (code, reason) => resolve([code, reason.toString()])),
    );
    ws.send(DEEP);
    expect(await closed).toEqual([1008, 'JSON nesting too deep (limit 64)']);
    const ok = new WebSocket(`${wsBase(server.port)}/ws`);
    await new Promise((resolve) => ok.once('open', resolve));
    const reply = new Promise<string>((resolve) => ok.once('message', (d) => resolve(d.toString())));
    ok.send('{"a":[[1]]}');
    expect(await reply).toBe('{"echo":{"a":[[1]]}}');
    ok.close();
  });
});

test('exceedsDepth: no recursion, escapes, unterminated strings', () => {
  expect(exceedsDepth(DEEP, 1000)).toBe(true);
  expect(exceedsDepth('[[["]]]]]]"]]]', 3)).toBe(false);
  expect(exceedsDepth('["\\\\"' + ',[[[[1]]]]]', 4)).toBe(true); // an escaped backslash ends the string
  expect(exceedsDepth('["\\"[[[[[[[["]', 2)).toBe(false);
  expect(exceedsDepth('"unterminated [[[[[[', 2)).toBe(false);
  expect(() => parseJson(DEEP, { jsonMaxDepth: 128, jsonBigInt: false, jsonProto: 'error' })).toThrow(JsonDepthError);
  expect(() => checkJsonSettings({ jsonMaxDepth: 0, jsonBigInt: false, jsonProto: 'error' })).toThrow(
    /jsonMaxDepth must be a positive integer/,
  );
});

test('parseJson: depth is checked before jsonProto, and jsonProto after JSON.parse (a syntax error stays one)', () => {
  const deepProto = '{"__proto__":' + '['.repeat(200) + ']'.repeat(200) + '}';
  expect(() => parseJson(deepProto, { jsonMaxDepth: 128, jsonBigInt: false, jsonProto: 'error' })).toThrow(
    JsonDepthError,
  );
  expect(() => parseJson('{"__proto__":', { jsonMaxDepth: 128, jsonBigInt: false, jsonProto: 'error' })).toThrow(
    /JSON/,
  );
  expect(() => parseJson('{"__proto__":', { jsonMaxDepth: 128, jsonBigInt: false, jsonProto: 'error' })).not.toThrow(
    JsonProtoError,
  );
  expect(() => parseJson('{"__proto__":1}', { jsonMaxDepth: 128, jsonBigInt: false, jsonProto: 'error' })).toThrow(
    JsonProtoError,
  );
});
