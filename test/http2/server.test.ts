// settings.http2 around the streams: one TLS port serving h2 (ALPN) next to HTTP/1.1 and WebSocket (wss),
// the setting errors, session limits (concurrent streams, idle close, graceful stop) and h2load, a real
// load client, over h2c and h2.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import http2 from 'node:http2';
import { execFile } from 'node:child_process';
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import { startServer, type TestServer } from '../fixtures/wire';
import { selfSignedCert, type SelfSigned } from '../helpers/self-signed';
import { Inbox, closed, openWs } from '../ws/helpers';
import { curlClient, nodeClient } from './clients';

let dir: string;
let cert: SelfSigned;
let tls: TestServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-h2s-'));
  cert = selfSignedCert(dir, 'DNS:localhost,IP:127.0.0.1');
  tls = await startServer({ http2: true, tls: { key: cert.key, cert: cert.cert }, wsEndpoint: 'on' }, (app) => {
    app.get('/hello', () => ({ body: { hello: 'world' } }));
  });
});
afterAll(async () => {
  await tls?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function h1Get(
  port: number,
  urlPath: string,
  alpn?: string[],
): Promise<{ status: number; alpn: string | false | null; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      // ALPNProtocols is a tls.connect option https passes on (its type does not list it).
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        ca: cert.cert,
        servername: 'localhost',
        agent: false,
        ALPNProtocols: alpn,
      } as https.RequestOptions,
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, alpn: (res.socket as import('tls').TLSSocket).alpnProtocol, body }),
        );
      },
    );
    req.on('error', reject);
  });
}

test('one TLS port: h2 by ALPN, HTTP/1.1 for clients that offer only it, and wss', async () => {
  const { send, session } = nodeClient(`https://127.0.0.1:${tls.port}`, cert.cert);
  try {
    expect((await send('/hello')).status).toBe(200);
    expect(session.alpnProtocol).toBe('h2');
  } finally {
    session.close();
  }
  const h1 = await h1Get(tls.port, '/hello', ['http/1.1']);
  expect(h1).toEqual({ status: 200, alpn: 'http/1.1', body: '{"hello":"world"}' });
  // A client that offers no ALPN at all gets HTTP/1.1 too.
  expect(await h1Get(tls.port, '/hello')).toEqual({ status: 200, alpn: false, body: '{"hello":"world"}' });
  const curl11 = await new Promise<string>((resolve, reject) =>
    execFile(
      'curl',
      ['-sS', '--http1.1', '--cacert', cert.certPath, '-w', ' %{http_version}', `https://127.0.0.1:${tls.port}/hello`],
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  );
  expect(curl11).toBe('{"hello":"world"} 1.1');
  const ws = await openWs(`wss://127.0.0.1:${tls.port}/ws`, { ca: cert.cert });
  const inbox = new Inbox(ws);
  ws.send(JSON.stringify({ m: 'over wss beside h2' }));
  expect((await inbox.next()).text).toContain('over wss beside h2');
  ws.close(1000);
  expect((await closed(ws)).code).toBe(1000);
});

test('setting errors: http2 true without tls, h2c with tls, a bad value', async () => {
  await expect(new Server(createApp({ port: 0, http2: true })).run()).rejects.toThrow(
    /settings\.http2 = true needs settings\.tls.*use http2: 'h2c'/,
  );
  await expect(
    new Server(createApp({ port: 0, http2: 'h2c', tls: { key: cert.key, cert: cert.cert } })).run(),
  ).rejects.toThrow(/settings\.http2 = 'h2c' is cleartext HTTP\/2/);
  await expect(new Server(createApp({ port: 0, http2: 'yes' as never })).run()).rejects.toThrow(
    /settings\.http2 must be false, true .* or 'h2c'/,
  );
});

test('limits: SETTINGS_MAX_CONCURRENT_STREAMS and the header list size are announced; an idle session is closed', async () => {
  const s = await startServer({ http2: 'h2c', http2MaxConcurrentStreams: 7, keepAliveTimeout: 300 }, (app) => {
    app.get('/x', () => ({ body: {} }));
  });
  try {
    const session = http2.connect(`http://127.0.0.1:${s.port}`);
    session.on('error', () => undefined);
    await new Promise((r) => session.once('remoteSettings', r));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(7);
    expect(session.remoteSettings.maxHeaderListSize).toBe(16 * 1024);
    const t0 = Date.now();
    await new Promise((r) => session.once('close', r));
    const idleMs = Date.now() - t0;
    expect(idleMs).toBeGreaterThanOrEqual(250);
    expect(idleMs).toBeLessThan(3000);
  } finally {
    await s.stop();
  }
});

test('stop(): a session with a request in flight gets GOAWAY, the request finishes, stop resolves', async () => {
  let release: () => void = () => undefined;
  const s = await startServer({ http2: 'h2c' }, (app) => {
    app.get('/slow', () => new Promise((r) => (release = () => r({ body: { done: true } }))));
  });
  const { send, session } = nodeClient(`http://127.0.0.1:${s.port}`);
  const pending = send('/slow');
  await new Promise((r) => setTimeout(r, 100));
  const goaway = new Promise((r) => session.once('goaway', r));
  const stopped = s.stop();
  await goaway;
  release();
  expect((await pending).body.toString()).toBe('{"done":true}');
  await stopped;
  session.close();
});

function h2load(url: string, extra: string[] = []): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('h2load', ['-n', '200', '-c', '2', '-m', '10', ...extra, url], { timeout: 30_000 }, (err, out) =>
      err ? reject(new Error(`${err.message}\n${out}`)) : resolve(out),
    ),
  );
}

test('h2load: 200 requests over h2c and over h2 (TLS) all succeed', async () => {
  const s = await startServer({ http2: 'h2c' }, (app) => {
    app.get('/hello', () => ({ body: { hello: 'world' } }));
  });
  try {
    expect(await h2load(`http://127.0.0.1:${s.port}/hello`)).toMatch(/200 succeeded, 0 failed, 0 errored/);
  } finally {
    await s.stop();
  }
  const overTls = await h2load(`https://127.0.0.1:${tls.port}/hello`);
  expect(overTls).toMatch(/Application protocol: h2/);
  expect(overTls).toMatch(/200 succeeded, 0 failed, 0 errored/);
});

test('curl --http2 gets h2 on the TLS port', async () => {
  const send = curlClient(`https://127.0.0.1:${tls.port}`, ['--http2', '--cacert', cert.certPath]);
  expect((await send('/hello')).body.toString()).toBe('{"hello":"world"}');
});

test('request bodies: requestTimeout answers 408 on a stalled body; a huge one gets 413 and is cut short', async () => {
  const s = await startServer({ http2: 'h2c', requestTimeout: 300, maxBodySize: 64 * 1024 }, (app) => {
    app.post('/echo', (req) => ({ body: req.body as object }));
  });
  // Two sessions, closed gracefully at the end: Node 20's client loops allocating in session.destroy()
  // when a reset stream still had queued DATA (a client bug: the server, in its own process, is unaffected).
  const session = http2.connect(`http://127.0.0.1:${s.port}`);
  const other = http2.connect(`http://127.0.0.1:${s.port}`);
  session.on('error', () => undefined);
  other.on('error', () => undefined);
  try {
    const stalled = session.request({ ':method': 'POST', ':path': '/echo', 'content-type': 'application/json' });
    stalled.write('{"a":');
    const status = await new Promise((r) => stalled.once('response', (h) => r(h[':status'])));
    expect(status).toBe(408);
    // 64 MiB offered: the answer comes at 64 KiB, then the stream is reset long before the client is done.
    const huge = other.request({ ':method': 'POST', ':path': '/echo', 'content-type': 'application/json' });
    huge.on('error', () => undefined);
    huge.resume(); // the answer's body: read, or the stream's 'close' waits for it
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = (): void => {
      while (!huge.closed && written < 64 * 1024 * 1024) {
        written += chunk.length;
        if (!huge.write(chunk)) {
          huge.once('drain', pump);
          return;
        }
      }
    };
    pump();
    expect(await new Promise((r) => huge.once('response', (h) => r(h[':status'])))).toBe(413);
    await new Promise((r) => huge.once('close', r));
    expect(written).toBeLessThan(8 * 1024 * 1024);
  } finally {
    session.close();
    other.close();
    await s.stop();
  }
});

test('maxConnections counts sessions: a second session is refused, the first keeps working', async () => {
  const s = await startServer({ http2: 'h2c', maxConnections: 1 }, (app) => {
    app.get('/x', () => ({ body: { ok: true } }));
  });
  const first = nodeClient(`http://127.0.0.1:${s.port}`);
  try {
    expect((await first.send('/x')).status).toBe(200);
    const second = nodeClient(`http://127.0.0.1:${s.port}`);
    await expect(second.send('/x')).rejects.toThrow();
    second.session.destroy();
    expect((await first.send('/x')).status).toBe(200);
  } finally {
    first.session.close();
    await s.stop();
  }
});
