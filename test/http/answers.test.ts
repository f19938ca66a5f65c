// What goes on the wire for answers the RFCs constrain, on both transports (issue 19, item 5): a handler's
// 1xx is not sent as a final answer (a logged 500 instead); 204 and 304 carry no made-up Content-Length;
// HEAD announces exactly the representation headers GET sends, compression included.
import * as http from 'node:http';
import { Readable } from 'node:stream';
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { startApp, type Running } from '../helpers/server';
import { laneRequest, laneAgent } from '../helpers/tls-lane';

const TRANSPORTS = ['node', 'krozen'] as const;

const SMALL_JSON = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) }; // ~5 kB
const BIG_TEXT = 'all work and no play makes krozen a dull server\n'.repeat(3000); // ~144 kB > SYNC_LIMIT

function routes(app: App): void {
  app.get('/s100', () => ({ status: 100, body: { a: 1 } }));
  app.get('/s103', () => ({ status: 103 }));
  app.get('/s101', async () => ({ status: 101, headers: { upgrade: 'h2c' } }));
  app.get('/s204', () => ({ status: 204 }));
  app.get('/s204-body', () => ({ status: 204, body: { dropped: true } }));
  app.get('/s204-length', () => ({ status: 204, headers: { 'content-length': '0' } }));
  app.get('/s304', () => ({ status: 304, headers: { etag: '"v1"' } }));
  app.get('/s304-body', () => ({ status: 304, body: 'stale', headers: { 'content-type': 'text/plain' } }));
  app.get('/json', () => ({ body: SMALL_JSON }));
  app.get('/text', () => ({ body: BIG_TEXT, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
  app.get('/stream', () => ({
    body: Readable.from([Buffer.from(BIG_TEXT)]),
    headers: { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(BIG_TEXT)) },
  }));
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = laneRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode as number, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The headers that describe the representation: what HEAD must announce as GET does. */
function described(h: http.IncomingHttpHeaders): Record<string, unknown> {
  return {
    type: h['content-type'],
    encoding: h['content-encoding'],
    vary: h.vary,
    length: h['content-length'],
    etag: h.etag,
  };
}

describe.each(TRANSPORTS)('transport %s: constrained answers', (transport) => {
  let r: Running;
  const logged: string[] = [];
  beforeAll(async () => {
    const logger = {
      error: (_fields: unknown, message: string) => logged.push(message),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
    };
    r = await startApp(routes, {
      transport: transport as Settings['transport'],
      logger: logger as unknown as Settings['logger'],
    });
  });
  afterAll(() => r.stop());

  test.each(['/s100', '/s103', '/s101'])(
    'a handler status 1xx (%s) is a logged 500, not an interim answer',
    async (path) => {
      logged.length = 0;
      const res = await request(r.port, 'GET', path);
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body.toString())).toEqual({ error: 'Internal Server Error' });
      expect(logged.join('\n')).toMatch(/cannot send the response/);
    },
  );

  test.each(['/s204', '/s204-body', '/s204-length'])('%s: a 204 has no Content-Length and no body', async (path) => {
    const res = await request(r.port, 'GET', path);
    expect(res.status).toBe(204);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.body.length).toBe(0);
  });

  test.each(['/s304', '/s304-body'])('%s: a 304 has no made-up Content-Length', async (path) => {
    const res = await request(r.port, 'GET', path);
    expect(res.status).toBe(304);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.body.length).toBe(0);
  });

  test('the connection stays usable after a 204 and a 304 (no stray body bytes)', async () => {
    const agent = laneAgent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        laneRequest({ host: '127.0.0.1', port: r.port, path, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode as number));
        })
          .on('error', reject)
          .end();
      });
    expect(await get('/s204-body')).toBe(204);
    expect(await get('/s304-body')).toBe(304);
    expect(await get('/json')).toBe(200);
    agent.destroy();
  });

  test.each([
    ['/json', 'gzip'],
    ['/json', 'br'],
    ['/text', 'gzip'],
    ['/stream', 'gzip'],
    ['/json', 'identity'],
  ])('HEAD %s with Accept-Encoding %s announces what GET sends', async (path, coding) => {
    const get = await request(r.port, 'GET', path, { 'accept-encoding': coding });
    const head = await request(r.port, 'HEAD', path, { 'accept-encoding': coding });
    expect(head.status).toBe(get.status);
    expect(described(head.headers)).toEqual(described(get.headers));
    if (coding !== 'identity') expect(get.headers['content-encoding']).toBe(coding);
    if (get.headers['content-length'] !== undefined)
      expect(Number(get.headers['content-length'])).toBe(get.body.length);
    expect(head.body.length).toBe(0);
  });
});
