// settings.tls: HTTPS and WSS on one port, with a certificate the test makes (openssl), checked by curl
// (--cacert) and by the ws client over wss. Plain HTTP on the TLS port gets no answer. Then, on each
// transport: /_internal/info names it, a half-closed client still gets its answers, setSecureContext swaps the certificate, SNI, ALPN, a handshake that
// never comes or is garbage, and maxConnections counting handshakes.
import { selfSignedCert } from './helpers/self-signed';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { createApp } from '../lib/app';
import { Server } from '../lib/server';
import { curl } from './helpers/curl';
import { defaultTransport } from '../lib/settings/index';
import { parseResponses } from './helpers/server';

let dir: string;
let key: string;
let cert: string;
let certPath: string;
let server: Server;
let port: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-tls-'));
  ({ key, cert, certPath } = selfSignedCert(dir, 'DNS:localhost,IP:127.0.0.1'));
  const app = createApp({ port: 0, tls: { key, cert }, wsEndpoint: 'on', infoEndpoint: true });
  app.get('/json', (req) => ({
    body: { secure: true, path: req.path, list: Array.from({ length: 1000 }, (_, i) => i) },
  }));
  server = await new Server(app).run();
  port = server.port;
});

afterAll(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('HTTPS: curl --cacert verifies the certificate and gets the JSON', async () => {
  const r = await curl(`https://127.0.0.1:${port}/json`, ['--cacert', certPath]);
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body.toString())).toMatchObject({ secure: true, path: '/json' });
  const byName = await curl(`https://localhost:${port}/json`, [
    '--cacert',
    certPath,
    '--resolve',
    `localhost:${port}:127.0.0.1`,
  ]);
  expect(byName.status).toBe(200);
});

test('HTTPS with compression: br decodes to the same JSON', async () => {
  const r = await curl(`https://127.0.0.1:${port}/json`, ['--cacert', certPath, '-H', 'Accept-Encoding: br']);
  expect(r.headers['content-encoding']).toBe('br');
  expect(JSON.parse(zlib.brotliDecompressSync(r.body).toString())).toMatchObject({ secure: true });
});

test('without the CA, curl refuses the self-signed certificate', async () => {
  await expect(curl(`https://127.0.0.1:${port}/json`, ['--no-insecure'])).rejects.toThrow(/certificate/i);
});

test('/_internal/info names the transport that serves (settings.transport, TLS or not) and notes TLS', async () => {
  const r = await curl(`https://127.0.0.1:${port}/_internal/info`, ['--cacert', certPath]);
  const { backends } = JSON.parse(r.body.toString());
  expect(backends.server).toBe(defaultTransport() === 'node' ? 'node:http' : 'krozen');
  expect(backends.tls).toBe(true);
  expect(backends.wsRead).toBe('stream');
});

test('WSS on the same port: the ws client echoes JSON over TLS', async () => {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca: cert });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
  ws.send(JSON.stringify({ hello: 'tls', big: 'x'.repeat(70_000) }));
  expect(JSON.parse(await reply)).toEqual({ echo: { hello: 'tls', big: 'x'.repeat(70_000) } });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.close(1000);
  expect(await closed).toBe(1000);
});

test('plain HTTP on the TLS port gets no HTTP answer', async () => {
  const got = await new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /json HTTP/1.1\r\nHost: x\r\n\r\n'));
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('close', () => resolve(data));
    socket.on('error', () => resolve(data));
    socket.setTimeout(5000, () => socket.destroy());
  });
  expect(got.startsWith('HTTP/1.1 200')).toBe(false);
});

test('settings.tls without key and cert is a startup error', async () => {
  await expect(new Server(createApp({ port: 0, tls: { key } })).run()).rejects.toThrow(
    'settings.tls must be undefined or { key, cert, … } (PEM strings or Buffers) or { pfx, … }, as tls.createServer takes',
  );
});

/** A TLS connection to 127.0.0.1:p (certificate not checked), resolved once the handshake is done. */
function connectTls(p: number, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: p, rejectUnauthorized: false, ...options }, () =>
      resolve(socket),
    );
    socket.once('error', reject);
  });
}

/** Sends one GET on `socket` and resolves with its response's status (the connection stays open). */
function getOn(socket: tls.TLSSocket, target: string): Promise<number> {
  return new Promise((resolve) => {
    let data = '';
    const onData = (d: Buffer): void => {
      data += d.toString('latin1');
      const [res] = parseResponses(data);
      if (res !== undefined && res.body.length >= Number(res.headers['content-length'])) {
        socket.off('data', onData);
        resolve(res.status);
      }
    };
    socket.on('data', onData);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

/** Resolves with the ms until the server closed `socket` (or rejects after `ms`). */
function closedWithin(socket: net.Socket, ms: number): Promise<number> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - start);
    });
  });
}

describe.each(['krozen', 'node'] as const)('TLS features on the %s transport', (transport) => {
  const HEADERS_TIMEOUT = 600;
  let other: { key: string; cert: string };
  let s: Server;

  beforeAll(async () => {
    other = selfSignedCert(dir, 'DNS:b.test', 'b.test');
    const a = selfSignedCert(dir, 'DNS:a.test', 'a.test');
    const contexts: Record<string, tls.SecureContext> = {
      'a.test': tls.createSecureContext({ key: a.key, cert: a.cert }),
      'b.test': tls.createSecureContext(other),
    };
    const app = createApp({
      port: 0,
      host: '127.0.0.1',
      transport,
      headersTimeout: HEADERS_TIMEOUT,
      infoEndpoint: true,
      // SNI: the certificate for the name the client asks for; the default one otherwise.
      tls: { key, cert, SNICallback: (name, done) => done(null, contexts[name]) },
    });
    app.get('/hi', () => ({ body: 'hi' }));
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { body: 'slow' };
    });
    s = await new Server(app).run();
  });

  afterAll(() => s.stop());

  test('/_internal/info: this transport, with tls', async () => {
    const socket = await connectTls(s.port);
    const info = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.write('GET /_internal/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    const body = JSON.parse(info.slice(info.indexOf('\r\n\r\n') + 4));
    expect(body.backends).toMatchObject({ server: transport === 'node' ? 'node:http' : 'krozen', tls: true });
  });

  test('a client that half-closes after two pipelined async requests gets both answers, then the close', async () => {
    const socket = await connectTls(s.port);
    const text = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.end('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(parseResponses(text).map((r) => [r.status, r.body])).toEqual([
      [200, '"slow"'],
      [200, '"slow"'],
    ]);
  });

  test('ALPN: a client offering h2 and http/1.1 gets http/1.1', async () => {
    const socket = await connectTls(s.port, { ALPNProtocols: ['h2', 'http/1.1'] });
    expect(socket.alpnProtocol).toBe('http/1.1');
    expect(await getOn(socket, '/hi')).toBe(200);
    socket.destroy();
  });

  test('SNI picks the certificate for each name', async () => {
    for (const name of ['a.test', 'b.test']) {
      const socket = await connectTls(s.port, { servername: name });
      expect(socket.getPeerCertificate().subject.CN).toBe(name);
      expect(await getOn(socket, '/hi')).toBe(200);
      socket.destroy();
    }
    const plain = await connectTls(s.port);
    expect(plain.getPeerCertificate().subject.CN).toBe('localhost');
    plain.destroy();
  });

  test('setSecureContext: new connections see the new certificate, an open keep-alive one keeps working', async () => {
    const before = await connectTls(s.port);
    expect(await getOn(before, '/hi')).toBe(200);
    const fingerprint = (c: string): string => new X509Certificate(c).fingerprint256;
    expect(before.getPeerCertificate().fingerprint256).toBe(fingerprint(cert));
    s.setSecureContext(other);
    try {
      const after = await connectTls(s.port);
      expect(after.getPeerCertificate().fingerprint256).toBe(fingerprint(other.cert));
      after.destroy();
      expect(await getOn(before, '/hi')).toBe(200);
      expect(before.getPeerCertificate().fingerprint256).toBe(fingerprint(cert));
    } finally {
      s.setSecureContext({ key, cert });
      before.destroy();
    }
  });

  test('a client that never sends its ClientHello is closed within the handshake timeout', async () => {
    const silent = net.connect(s.port, '127.0.0.1');
    const took = await closedWithin(silent, HEADERS_TIMEOUT + 3000);
    expect(took).toBeGreaterThanOrEqual(HEADERS_TIMEOUT - 50);
  });

  test('garbage instead of a ClientHello ends that connection only', async () => {
    const keep = await connectTls(s.port);
    const junk = net.connect(s.port, '127.0.0.1', () => junk.write(Buffer.alloc(4096, 0x41)));
    await closedWithin(junk, 3000);
    expect(await getOn(keep, '/hi')).toBe(200);
    keep.destroy();
  });

  test('handshakes in progress count against maxConnections (3), and free their slot when timed out', async () => {
    const small = createApp({
      port: 0,
      host: '127.0.0.1',
      transport,
      headersTimeout: HEADERS_TIMEOUT,
      maxConnections: 3,
      tls: { key, cert },
    });
    small.get('/hi', () => ({ body: 'hi' }));
    const limited = await new Server(small).run();
    try {
      await holdAllSlots(limited.port, HEADERS_TIMEOUT);
    } finally {
      await limited.stop();
    }
  });
});

async function holdAllSlots(port: number, timeout: number): Promise<void> {
  {
    const silent = [0, 1, 2].map(() => net.connect(port, '127.0.0.1'));
    await Promise.all(silent.map((c) => new Promise((resolve) => c.once('connect', resolve))));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The fourth is closed without an answer (a TLS client cannot read a plaintext 503).
    await expect(connectTls(port)).rejects.toThrow();
    await Promise.all(silent.map((c) => closedWithin(c, timeout + 3000)));
    const later = await connectTls(port);
    expect(await getOn(later, '/hi')).toBe(200);
    later.destroy();
  }
}

test('setSecureContext on a server without settings.tls is a coded error', async () => {
  const plain = await new Server(createApp({ port: 0, host: '127.0.0.1' })).run();
  try {
    expect(() => plain.setSecureContext({ key, cert })).toThrow(
      expect.objectContaining({ code: 'KROZEN_ERR_UNSUPPORTED' }),
    );
  } finally {
    await plain.stop();
  }
});
