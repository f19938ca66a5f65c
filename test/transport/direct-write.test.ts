// Direct response writes (lib/transport/krozen/direct-write.ts): with the addon, responses go onto the
// socket's fd in one native call. They must be the bytes socket.write() sends (the path without the addon),
// whole or cut short by a full socket buffer, and stay in order behind and ahead of other responses.
import * as net from 'node:net';
import { Readable } from 'node:stream';
import { native } from '../../lib/backend/load';
import {
  canWriteDirect,
  directWriteActive,
  directWriteCounts,
  setDirectWrite,
  writeDirect,
} from '../../lib/transport/krozen/direct-write';
import type { App } from '../../lib/app';
import { rawRequest, startApp } from '../helpers/server';

const TEXT = 'h\u00e9llo \u{1F600} lone \ud800 end'; // Latin-1, astral, a lone surrogate (sent as U+FFFD)
const BIG = Buffer.alloc(4 * 1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + (i >> 13)) & 0xff;
const BIG_TEXT = 'ab\u{1F600}'.repeat(20_000); // 160 KB of UTF-8 (the pipeline hands long texts over as bytes)
const BIG_HEAD = 'p'.repeat(70_000); // a head more than the native stage holds: the write is declined
const SMALL = Buffer.from([0, 1, 2, 0xff, 0x80, 13, 10]);

function routes(app: App): void {
  app.get('/text', () => ({
    body: TEXT,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-name': 'caf\u00e9' },
  }));
  app.get('/small', () => ({ body: SMALL }));
  app.get('/big', () => ({ body: BIG }));
  app.get('/big-text', () => ({ body: BIG_TEXT, headers: { 'content-type': 'text/plain' } }));
  app.get('/big-head', () => ({ body: TEXT, headers: { 'content-type': 'text/plain', 'x-pad': BIG_HEAD } }));
  app.get('/json', () => ({ body: { ok: true, s: TEXT } }));
  app.get('/stream', () => ({ body: Readable.from([Buffer.from('ab'), Buffer.from('cd')]) }));
  app.get('/empty', () => ({ status: 204 }));
}

const PIPELINE =
  ['/text', '/small', '/json', '/stream', '/empty', '/big-text', '/big-head', '/text']
    .map((p) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`)
    .join('') + 'HEAD /text HTTP/1.1\r\nHost: x\r\n\r\n';

/** The raw response bytes with the Date lines blanked (the only part that may differ between runs). */
async function exchange(port: number, data: string): Promise<string> {
  const raw = await rawRequest(port, data, 500);
  return raw.replace(/\r\ndate: [^\r]*/gi, '\r\ndate: -');
}

afterEach(() => setDirectWrite(true));

test('direct writes are on exactly when the addon is loaded', () => {
  expect(directWriteActive()).toBe(
    native !== null && process.platform !== 'win32' && process.env.KROZEN_DIRECT_WRITE !== '0',
  );
});

test('the same bytes as socket.write(): text, bytes, JSON, streamed, empty, oversize text and HEAD, pipelined', async () => {
  const results: string[] = [];
  for (const direct of [true, false]) {
    setDirectWrite(direct);
    const r = await startApp(routes, { transport: 'krozen' });
    try {
      const before = { ...directWriteCounts };
      results.push(await exchange(r.port, PIPELINE));
      if (direct && directWriteActive()) {
        expect(directWriteCounts.whole - before.whole).toBeGreaterThanOrEqual(5);
        expect(directWriteCounts.declined - before.declined).toBeGreaterThanOrEqual(1); // /big-head
      }
    } finally {
      await r.stop();
    }
  }
  expect(results[0]).toBe(results[1]);
  const raw = results[0];
  const text = Buffer.from(TEXT).toString('latin1');
  expect(raw.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
  expect(raw).toContain(`\r\nx-name: caf\u00e9\r\n`);
  expect(raw).toContain(`\r\n\r\n${text}HTTP/1.1 200 OK`);
  expect(raw).toContain(`\r\n\r\n${SMALL.toString('latin1')}HTTP/1.1 200 OK`);
  expect(raw).toContain(Buffer.from(JSON.stringify({ ok: true, s: TEXT })).toString('latin1'));
  expect(raw).toContain('2\r\nab\r\n');
  expect(raw).toContain('HTTP/1.1 204 No Content');
  expect(raw).toContain(Buffer.from(BIG_TEXT).toString('latin1'));
  expect(raw).toContain(`\r\nx-pad: ${BIG_HEAD}\r\n`);
  // The HEAD answer comes last, with the GET's length and no body.
  const last = raw.slice(raw.lastIndexOf('HTTP/1.1 200 OK'));
  expect(last).toMatch(new RegExp(`content-length: ${Buffer.byteLength(TEXT)}\r\n`));
  expect(last.endsWith('\r\n\r\n')).toBe(true);
});

test('a response the kernel takes only part of: the rest follows in order, then the next response', async () => {
  const r = await startApp(routes, { transport: 'krozen' });
  try {
    const before = { ...directWriteCounts };
    const socket = net.connect(r.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause(); // a slow reader: the 4 MiB body cannot fit the socket buffers in one send
    socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /text HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const chunks: Buffer[] = [];
    const expected = Buffer.byteLength(TEXT);
    const all = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), 10_000);
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        const got = Buffer.concat(chunks);
        if (got.length >= BIG.length + expected && got.subarray(got.length - expected).equals(Buffer.from(TEXT))) {
          clearTimeout(timer);
          resolve(got);
        }
      });
      socket.resume();
    });
    socket.destroy();
    const headEnd = all.indexOf('\r\n\r\n') + 4;
    expect(all.subarray(0, headEnd).toString('latin1')).toContain(`content-length: ${BIG.length}\r\n`);
    expect(all.subarray(headEnd, headEnd + BIG.length).equals(BIG)).toBe(true);
    const second = all.subarray(headEnd + BIG.length).toString('utf8');
    expect(second.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(second.endsWith(`\r\n\r\n${TEXT.replace('\ud800', '\ufffd')}`)).toBe(true);
    if (directWriteActive()) expect(directWriteCounts.partial - before.partial).toBe(1);
  } finally {
    await r.stop();
  }
});

test('a destroyed socket is never written by its old fd (the number may already belong to another connection)', async () => {
  if (!directWriteActive()) return expect(canWriteDirect(new net.Socket())).toBe(false);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const accepted: net.Socket[] = [];
  server.on('connection', (s) => accepted.push(s));
  const a = net.connect(port, '127.0.0.1');
  const b = net.connect(port, '127.0.0.1');
  const got: Buffer[] = [];
  b.on('data', (c) => got.push(c));
  a.on('error', () => undefined);
  while (accepted.length < 2) await new Promise((r) => setTimeout(r, 5));
  const [sa] = accepted;
  expect(canWriteDirect(sa)).toBe(true);
  expect(writeDirect(sa, 'HTTP/1.1 200 OK\r\n\r\n', null)).toBe(true);
  sa.destroy(); // fd closed now; 'close' comes later
  expect(writeDirect(sa, 'HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n', 'leak')).toBe(false);
  await new Promise((r) => setTimeout(r, 50));
  expect(Buffer.concat(got).length).toBe(0);
  a.destroy();
  b.destroy();
  for (const s of accepted) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});
