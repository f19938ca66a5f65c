// settings.tls: HTTPS and WSS on one port, with a certificate the test makes (openssl), checked by curl
// (--cacert) and by the ws client over wss. Plain HTTP on the TLS port gets no answer.
import { selfSignedCert } from './helpers/self-signed';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { createApp } from '../lib/app';
import { Server } from '../lib/server';
import { curl } from './helpers/curl';

let dir: string;
let key: string;
let cert: string;
let certPath: string;
let server: Server;
let port: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-tls-'));
  ({ key, cert, certPath } = selfSignedCert(dir, 'DNS:localhost,IP:127.0.0.1'));
  const app = createApp({ port: 0, tls: { key, cert }, wsEndpoint: 'on' });
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
