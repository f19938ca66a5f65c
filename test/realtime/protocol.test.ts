// krozen.v1 over a real `ws` client, by hand: handshake, sub/unsub/pub, requests and events both ways,
// errors and protocol violations (docs/realtime-protocol.md). Runs on both HTTP transports (KROZEN_TRANSPORT).
import { startWs, closed, sleep, type RunningWs } from '../ws/helpers';
import { connect, refusal, type Peer } from './helpers';
import { HttpError } from '../../lib/http/http-error';
import { RealtimeError, type RealtimeEndpoint } from '../../lib/realtime/index';
import type { WebSocket } from '../../lib/ws/websocket';
import { wsBase } from '../helpers/tls-lane';

const logged: unknown[] = [];
const logger = {
  error: (fields: { err?: unknown }) => void logged.push(fields.err),
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};
let srv: RunningWs;
let rt: RealtimeEndpoint;
let url: string;
const opened: WebSocket[] = [];
const peers: Peer[] = [];

beforeAll(async () => {
  srv = await startWs(
    (app) => {
      rt = app.realtime('/rt', {
        open: (ws) => void opened.push(ws),
        canSubscribe: (_ws, topic) => !topic.startsWith('secret'),
        canPublish: async (_ws, topic) => topic.startsWith('open/'),
        requests: {
          add: (data) => (data as { a: number; b: number }).a + (data as { a: number; b: number }).b,
          slow: async () => {
            await sleep(50);
            return 'done';
          },
          never: () => new Promise(() => undefined),
          boom: () => {
            throw new Error('secret detail');
          },
          teapot: () => {
            throw new HttpError(404, 'no such thing');
          },
          coded: () => {
            throw new RealtimeError('forbidden', 'not yours');
          },
          nothing: () => undefined,
          typed: (data) => data,
        },
        events: {
          hello: (data, ws) => void rt.emit(ws, 'hi', data),
        },
        schema: {
          requests: { typed: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } },
          publish: { 'open/typed': { type: 'string' } },
        },
      });
      app.realtime('/rt-typed', { requests: { typed: (d) => d } });
    },
    { realtimeMaxSubscriptions: 3, realtimeMaxPendingRequests: 4, logger },
  );
  url = `${wsBase(srv.port)}/rt`;
});
afterEach(() => {
  for (const p of peers.splice(0)) p.close();
});
afterAll(() => srv.stop());

async function peer(path = url): Promise<Peer> {
  const p = await connect(path);
  peers.push(p);
  return p;
}

test('a client that does not offer krozen.v1 is refused with 400 and a JSON body', async () => {
  const r = await refusal(url, []);
  expect(r.status).toBe(400);
  expect(JSON.parse(r.body).error).toMatch(/krozen\.v1/);
  expect((await refusal(url, ['chat'])).status).toBe(400);
  const p = await peer();
  expect(p.ws.protocol).toBe('krozen.v1');
});

test('sub, unsub and ping are answered; a repeated sub is fine', async () => {
  const p = await peer();
  expect(await p.ask(['sub', 1, 'news'])).toEqual(['ok', 1, { last: null, recovered: 0 }]);
  expect(await p.ask(['sub', 2, 'news'])).toEqual(['ok', 2, { last: null, recovered: 0 }]);
  p.send(['ping']);
  expect(await p.next()).toEqual(['pong']);
  expect(await p.ask(['unsub', 3, 'news'])).toEqual(['ok', 3, null]);
  expect(await p.ask(['sub', 4, ''])).toEqual(['err', 4, 'bad_request', 'empty topic']);
  expect((await p.ask(['sub', 5, 'x', 'nope']))[2]).toBe('bad_request');
});

test('app.publish reaches krozen.v1 subscribers as ["m", topic, data] and plain subscribers as the value', async () => {
  const p = await peer();
  await p.ask(['sub', 1, 'mixed']);
  // A plain subscriber on the global endpoint of the same app.
  const { openWs, Inbox } = await import('../ws/helpers');
  const plain = await openWs(`${wsBase(srv.port)}/ws`);
  const inbox = new Inbox(plain);
  await sleep(20);
  srv.app.wsHub.connections[srv.app.wsHub.connections.length - 1].subscribe('mixed');
  expect(srv.app.publish('mixed', { n: 1 })).toBe(2);
  expect(srv.app.publish('mixed', 'text')).toBe(2);
  expect(await p.next()).toEqual(['m', 'mixed', { n: 1 }]);
  expect(await p.next()).toEqual(['m', 'mixed', 'text']);
  expect([(await inbox.next()).text, (await inbox.next()).text]).toEqual(['{"n":1}', 'text']);
  expect(rt.publish('mixed', [1, 'ü'])).toBe(2);
  expect(await p.next()).toEqual(['m', 'mixed', [1, 'ü']]);
  // Bytes cannot go in a JSON envelope: refused with a clear error.
  expect(() => srv.app.publish('mixed', Buffer.from('x'))).toThrow(/krozen\.v1 topics carry JSON values/);
  plain.close();
});

test('canSubscribe and canPublish say no with forbidden; clients may not publish by default', async () => {
  const p = await peer();
  expect(await p.ask(['sub', 1, 'secret/x'])).toEqual(['err', 1, 'forbidden', 'may not subscribe to "secret/x"']);
  expect(await p.ask(['pub', 2, 'closed/x', 1])).toEqual(['err', 2, 'forbidden', 'may not publish to "closed/x"']);
  const other = await peer(`${wsBase(srv.port)}/rt-typed`);
  expect((await other.ask(['pub', 1, 'anything', 1]))[2]).toBe('forbidden');
});

test('pub reaches every subscriber, the publisher too; ref 0 wants no answer; the publish schema applies', async () => {
  const a = await peer();
  const b = await peer();
  await a.ask(['sub', 1, 'open/chat']);
  await b.ask(['sub', 1, 'open/chat']);
  const skipped: unknown[][] = [];
  expect(await a.ask(['pub', 2, 'open/chat', { text: 'hey' }], skipped)).toEqual(['ok', 2, null]);
  const all = [...skipped, ...(skipped.length === 0 ? [await a.next()] : [])];
  expect(all).toEqual([['m', 'open/chat', { text: 'hey' }]]);
  expect(await b.next()).toEqual(['m', 'open/chat', { text: 'hey' }]);
  a.send(['pub', 0, 'open/chat', 2]);
  expect(await b.next()).toEqual(['m', 'open/chat', 2]);
  expect(await a.next()).toEqual(['m', 'open/chat', 2]);
  const invalid = await a.ask(['pub', 3, 'open/typed', 5]);
  expect(invalid.slice(0, 4)).toEqual(['err', 3, 'invalid', 'Validation failed']);
  expect(Array.isArray(invalid[4])).toBe(true);
});

test('client requests: results, unknown events, schema, thrown errors', async () => {
  const p = await peer();
  expect(await p.ask(['req', 1, 'add', { a: 2, b: 3 }])).toEqual(['ok', 1, 5]);
  expect(await p.ask(['req', 2, 'nothing', null])).toEqual(['ok', 2, null]);
  expect(await p.ask(['req', 3, 'nope', null])).toEqual(['err', 3, 'not_found', 'no request handler for "nope"']);
  // A generic message: the error's text stays on the server.
  expect(await p.ask(['req', 4, 'boom', null])).toEqual(['err', 4, 'internal', 'internal error']);
  expect(logged).toEqual([expect.objectContaining({ message: 'secret detail' })]);
  expect(await p.ask(['req', 5, 'teapot', null])).toEqual(['err', 5, 'not_found', 'no such thing']);
  expect(await p.ask(['req', 6, 'coded', null])).toEqual(['err', 6, 'forbidden', 'not yours']);
  const invalid = await p.ask(['req', 7, 'typed', { n: 'x' }]);
  expect(invalid.slice(0, 3)).toEqual(['err', 7, 'invalid']);
  expect(await p.ask(['req', 8, 'typed', { n: 1 }])).toEqual(['ok', 8, { n: 1 }]);
  expect(await p.ask(['req', 9, 'slow', null])).toEqual(['ok', 9, 'done']);
});

test('events both ways', async () => {
  const p = await peer();
  p.send(['evt', 'hello', { x: 1 }]);
  expect(await p.next()).toEqual(['evt', 'hi', { x: 1 }]);
  p.send(['evt', 'unknown', 1]);
  expect(await p.silent()).toBe(true);
  const n = rt.broadcast('all', 7);
  expect(n).toBeGreaterThanOrEqual(1);
  expect(await p.next()).toEqual(['evt', 'all', 7]);
});

test('server requests: the answer, an err, a timeout, a close', async () => {
  const p = await peer();
  await sleep(20);
  const ws = opened[opened.length - 1];
  const asked = rt.request(ws, 'confirm', { q: 1 });
  const req = await p.next();
  expect(req).toEqual(['req', expect.any(Number), 'confirm', { q: 1 }]);
  p.send(['ok', req[1], 'yes']);
  await expect(asked).resolves.toBe('yes');

  const refused = rt.request(ws, 'confirm', null);
  const req2 = await p.next();
  p.send(['err', req2[1], 'forbidden', 'no way']);
  await expect(refused).rejects.toMatchObject({ name: 'RealtimeError', code: 'forbidden', message: 'no way' });

  await expect(rt.request(ws, 'confirm', null, { timeout: 50 })).rejects.toMatchObject({ code: 'timeout' });
  await p.next();

  const pending = rt.request(ws, 'confirm', null);
  await p.next();
  p.close();
  await expect(pending).rejects.toMatchObject({ code: 'closed' });
  await expect(rt.request(ws, 'confirm', null)).rejects.toMatchObject({ code: 'closed' });
});

test('realtimeMaxSubscriptions: one more sub is err limit', async () => {
  const p = await peer();
  for (let i = 1; i <= 3; i++) expect((await p.ask(['sub', i, `t${i}`]))[0]).toBe('ok');
  expect(await p.ask(['sub', 4, 't4'])).toEqual(['err', 4, 'limit', 'at most 3 subscriptions per connection']);
  await p.ask(['unsub', 5, 't1']);
  expect((await p.ask(['sub', 6, 't4']))[0]).toBe('ok');
});

test('realtimeMaxPendingRequests: a flood of requests is closed with 1008', async () => {
  const p = await peer();
  const done = closed(p.ws);
  for (let i = 1; i <= 5; i++) p.send(['req', i, 'never', null]);
  expect(await done).toEqual({ code: 1008, reason: 'krozen.v1: too many requests waiting for an answer' });
});

test.each<[string, string | Buffer, string]>([
  ['a binary frame', Buffer.from('["ping"]'), 'krozen.v1: binary messages are not part of the protocol'],
  ['invalid JSON', '["ping"', 'krozen.v1: invalid JSON'],
  ['not an array', '{"t":"sub"}', 'krozen.v1: a message is a JSON array'],
  ['an unknown type', '["subscribe",1,"x"]', 'krozen.v1: unknown message type "subscribe"'],
  ['a bad sub', '["sub","1","x"]', 'krozen.v1: malformed sub message'],
  ['a bad req', '["req",1]', 'krozen.v1: malformed req message'],
  ['a bad ref (ok for no request)', '["ok",99,null]', 'krozen.v1: ok for an unknown ref'],
  ['an err for no request', '["err",5,"internal","x"]', 'krozen.v1: err for an unknown ref'],
])('%s closes with 1008 and a reason', async (_name, message, reason) => {
  const p = await peer();
  const done = closed(p.ws);
  p.ws.send(message);
  expect(await done).toEqual({ code: 1008, reason });
});
