// Connection-level faults issue 19 (item 7, and item 5's Upgrade) found on the node transport, checked on
// both: a half-closed client still gets its async answer; a pipelined WebSocket upgrade waits for the
// answers before it; nothing follows a `Connection: close` answer; an Upgrade that is not WebSocket (curl
// --http2 sends `Upgrade: h2c`) is served by its route. Raw sockets: fetch cannot send these bytes.
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { startApp, type Running } from '../helpers/server';
import { connectRaw } from '../helpers/tls-lane';

const TRANSPORTS = ['node', 'krozen'] as const;

function routes(app: App): void {
  app.get('/json', () => ({ body: { ok: true } }));
  app.get('/slow', async (req) => {
    await new Promise((r) => setTimeout(r, Number(req.query.ms ?? 100)));
    return { body: { slow: true } };
  });
  app.post('/echo', (req) => ({ body: req.body }));
  app.ws('/ws', { message: () => undefined });
  // A refusal before the body: its answer closes the connection (the body is never read).
  app.onRequest((req, res) => {
    if (req.path !== '/guarded') return;
    res.status = 401;
    res.body = { error: 'Unauthorized' };
    res.stop = true;
  });
  app.post('/guarded', () => ({ body: 'never' }));
  app.get('/counted', () => {
    counted++;
    return { body: Buffer.alloc(64 * 1024, 0x61) };
  });
}

let counted = 0;

const WS_HEAD =
  'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** Writes `data`, optionally half-closes, and collects everything until the server closes or `ms` pass. */
function exchange(
  port: number,
  data: string,
  opts: { halfClose?: boolean; ms?: number } = {},
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connectRaw(port);
    let text = '';
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed });
    }, opts.ms ?? 1500);
    socket.on('data', (c) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ text, closed });
    });
    socket.on('connect', () => {
      if (opts.halfClose) socket.end(data);
      else socket.write(data);
    });
  });
}

function statusLines(text: string): string[] {
  return text.match(/HTTP\/1\.1 \d{3}[^\r]*/g) ?? [];
}

describe.each(TRANSPORTS)('transport %s: connection faults', (transport) => {
  let r: Running;
  beforeAll(async () => {
    r = await startApp(routes, { transport: transport as Settings['transport'] });
  });
  afterAll(() => r.stop());

  test('a client that half-closes after an async request gets the answer, then the connection closes', async () => {
    const { text, closed } = await exchange(r.port, 'GET /slow?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n', {
      halfClose: true,
      ms: 3000,
    });
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(text).toContain('{"slow":true}');
    expect(closed).toBe(true);
  });

  test('half-close after two pipelined async requests: both answers, in order', async () => {
    const req = 'GET /slow?ms=150 HTTP/1.1\r\nHost: x\r\n\r\nGET /slow?ms=50 HTTP/1.1\r\nHost: x\r\n\r\n';
    const { text, closed } = await exchange(r.port, req, { halfClose: true, ms: 3000 });
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(closed).toBe(true);
  });

  test("a WebSocket upgrade pipelined behind a slow GET gets its 101 after the GET's 200", async () => {
    const { text } = await exchange(r.port, `GET /slow?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n${WS_HEAD}`, { ms: 1500 });
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 101 Switching Protocols']);
    // The GET's answer is whole before the 101.
    expect(text.indexOf('{"slow":true}')).toBeLessThan(text.indexOf('HTTP/1.1 101'));
  });

  test('a WebSocket upgrade behind 20 pipelined GETs gets its 101 after all their answers', async () => {
    const gets = 'GET /json HTTP/1.1\r\nHost: x\r\n\r\nGET /slow?ms=20 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(10);
    const { text } = await exchange(r.port, gets + WS_HEAD, { ms: 1500 });
    expect(statusLines(text)).toEqual([...Array(20).fill('HTTP/1.1 200 OK'), 'HTTP/1.1 101 Switching Protocols']);
  });

  test('nothing is written after a Connection: close answer (bytes behind it are not parsed)', async () => {
    const { text, closed } = await exchange(
      r.port,
      'GET /json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nNOT HTTP AT ALL\r\n\r\n',
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(text.endsWith('{"ok":true}')).toBe(true);
    expect(closed).toBe(true);
  });

  test('nothing is written after an answer the pipeline closes the connection with (a refusal before the body)', async () => {
    const { text, closed } = await exchange(
      r.port,
      'POST /guarded HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcdNOT HTTP AT ALL\r\n\r\n',
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 401 Unauthorized']);
    expect(closed).toBe(true);
  });

  test('nothing is written after an async Connection: close answer', async () => {
    const { text, closed } = await exchange(
      r.port,
      'GET /slow?ms=50 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGARBAGE\r\n\r\n',
    );
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(closed).toBe(true);
  });

  test.each(['h2c', 'TLS/1.2, HTTP/1.1', 'foo'])(
    'a GET with Upgrade: %s is answered by its route',
    async (protocol) => {
      const { text } = await exchange(
        r.port,
        `GET /json HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: ${protocol}\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n`,
        { ms: 500 },
      );
      expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
      expect(text).toContain('{"ok":true}');
    },
  );

  test('after a GET with Upgrade: h2c, the next request is answered or the connection closed (never left hanging)', async () => {
    const req =
      'GET /json HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nGET /slow?ms=10 HTTP/1.1\r\nHost: x\r\n\r\n';
    const { text, closed } = await exchange(r.port, req, { ms: 1500 });
    const lines = statusLines(text);
    // node:http's parser stops after a message it took as an upgrade: that transport says close and closes.
    if (lines.length === 1) {
      expect(text).toMatch(/\r\nconnection: close\r\n/i);
      expect(closed).toBe(true);
    }
    expect(lines).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'].slice(0, lines.length));
    expect(lines.length).toBeGreaterThan(0);
  });

  test('a POST with Upgrade: h2c gets its body read and answered', async () => {
    const body = '{"a":1}';
    const req = `POST /echo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const { text } = await exchange(r.port, req, { ms: 800 });
    expect(statusLines(text)).toEqual(['HTTP/1.1 200 OK']);
    expect(text).toContain('{"a":1}');
  });

  test('a WebSocket upgrade still upgrades', async () => {
    const { text } = await exchange(r.port, WS_HEAD, { ms: 500 });
    expect(statusLines(text)).toEqual(['HTTP/1.1 101 Switching Protocols']);
  });

  test('a pipelining non-reader closed by httpMaxBackpressure: the requests behind are not run', async () => {
    const capped = await startApp(routes, {
      transport: transport as Settings['transport'],
      httpMaxBackpressure: 256 * 1024,
    });
    try {
      counted = 0;
      const socket = connectRaw(capped.port);
      socket.pause();
      socket.on('error', () => undefined);
      socket.write('GET /counted HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(1000));
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The kernel's buffers take some answers, then the cap ends the connection: a few dozen handlers ran.
      expect(counted).toBeLessThan(200);
      socket.destroy();
    } finally {
      await capped.stop();
    }
  });
});
