// Response compression at the wire (curl): br / zstd / gzip from Accept-Encoding, compressible types over a
// threshold, Vary, streamed big bodies and files, precompressed siblings, off per route and globally.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, request, type TestServer } from '../fixtures/wire';
import { negotiateCoding, isCompressible, ZSTD_SUPPORTED } from '../../lib/http/compress';
import { clearFileCache } from '../../lib/features/static';
import { curl } from '../helpers/curl';
import { httpBase, TEST_HTTP2 } from '../helpers/tls-lane';

const big = { items: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item number ${i}`, tags: ['a', 'b'] })) };
const huge = { rows: Array.from({ length: 6000 }, (_, i) => ({ i, text: `row ${i} of the huge answer` })) };
let base: string;
let server: TestServer;
let url: string;
const css = 'body { color: red; }\n'.repeat(400);
const bigFile = Buffer.from('0123456789abcdef\n'.repeat(100_000)); // 1.7 MB, over the cache limit

function decode(coding: string | undefined, body: Buffer): Buffer {
  if (coding === 'br') return zlib.brotliDecompressSync(body);
  if (coding === 'gzip') return zlib.gunzipSync(body);
  if (coding === 'zstd') return (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(body);
  return body;
}

beforeAll(async () => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-compress-')));
  const dir = path.join(base, 'static');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'site.css'), css);
  fs.writeFileSync(path.join(dir, 'app.js'), 'console.log("original");'.repeat(100));
  fs.writeFileSync(path.join(dir, 'app.js.br'), zlib.brotliCompressSync(Buffer.from('/* from the .br sibling */')));
  fs.writeFileSync(path.join(dir, 'app.js.gz'), zlib.gzipSync(Buffer.from('/* from the .gz sibling */')));
  fs.writeFileSync(path.join(dir, 'big.txt'), bigFile);
  fs.writeFileSync(path.join(dir, 'photo.png'), Buffer.alloc(5000, 1));
  server = await startServer({ baseDir: base, staticCacheMaxFileSize: 1024 * 1024 }, (app) => {
    app.get('/json', () => ({ body: big }));
    app.get('/huge', () => ({ body: huge }));
    app.get('/small', () => ({ body: { ok: true } }));
    app.get('/raw', () => ({ body: Buffer.alloc(5000, 7) }));
    app.get('/plain', () => ({ body: big }), { compress: false });
    app.serveStatic('/assets');
    app.serveStatic('/nopre', { precompressed: false });
  });
  url = `${httpBase(server.port)}`;
});

afterAll(async () => {
  await server.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

beforeEach(() => clearFileCache());

describe('dynamic responses', () => {
  test('Accept-Encoding: br → content-encoding: br that decodes to the same JSON (curl)', async () => {
    const r = await curl(`${url}/json`, ['-H', 'Accept-Encoding: br']);
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(JSON.stringify(big).length / 4);
    expect(JSON.parse(zlib.brotliDecompressSync(r.body).toString())).toEqual(big);
    // curl's own decoder agrees.
    const decoded = await curl(`${url}/json`, ['--compressed']);
    expect(JSON.parse(decoded.body.toString())).toEqual(big);
  });

  test.each([
    ['gzip', 'gzip'],
    ['gzip, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['deflate', undefined],
    ['identity', undefined],
    ['br;q=0, gzip;q=0', undefined],
  ])('Accept-Encoding: %s → %s', async (accept, coding) => {
    const r = await curl(`${url}/json`, ['-H', `Accept-Encoding: ${accept}`]);
    expect(r.headers['content-encoding']).toBe(coding);
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(JSON.parse(decode(coding, r.body).toString())).toEqual(big);
  });

  test('zstd where this Node line has it', async () => {
    const r = await curl(`${url}/json`, ['-H', 'Accept-Encoding: zstd']);
    expect(r.headers['content-encoding']).toBe(ZSTD_SUPPORTED ? 'zstd' : undefined);
    expect(JSON.parse(decode(r.headers['content-encoding'], r.body).toString())).toEqual(big);
  });

  test('under the threshold, binary types, and opted-out routes stay identity', async () => {
    const small = await curl(`${url}/small`, ['-H', 'Accept-Encoding: br']);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body.toString()).toBe('{"ok":true}');
    const raw = await curl(`${url}/raw`, ['-H', 'Accept-Encoding: br']);
    expect(raw.headers['content-encoding']).toBeUndefined();
    expect(raw.body.length).toBe(5000);
    const plain = await curl(`${url}/plain`, ['-H', 'Accept-Encoding: br']);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.body.toString())).toEqual(big);
  });

  test('a body over 64 KiB is compressed as a stream (chunked)', async () => {
    const r = await curl(`${url}/huge`, ['-H', 'Accept-Encoding: gzip']);
    expect(r.headers['content-encoding']).toBe('gzip');
    // HTTP/2 frames the body itself (no Transfer-Encoding); either way no length is announced.
    expect(r.headers['transfer-encoding']).toBe(TEST_HTTP2 ? undefined : 'chunked');
    expect(r.headers['content-length']).toBeUndefined();
    expect(JSON.parse(zlib.gunzipSync(r.body).toString())).toEqual(huge);
  });

  test('HEAD announces the headers GET sends: the coding and its length (issue 19; more in answers.test.ts)', async () => {
    const get = await request(server.port, '/json', { headers: { 'accept-encoding': 'br' } });
    const r = await request(server.port, '/json', { method: 'HEAD', headers: { 'accept-encoding': 'br' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['content-length']).toBe(get.headers['content-length']);
    expect(r.body.length).toBe(0);
  });
});

describe('static files', () => {
  test('a cached file is compressed, its ETag made weak; a 304 still works', async () => {
    const r = await curl(`${url}/assets/site.css`, ['-H', 'Accept-Encoding: br']);
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers.etag).toMatch(/^W\/"/);
    expect(zlib.brotliDecompressSync(r.body).toString()).toBe(css);
    const again = await curl(`${url}/assets/site.css`, [
      '-H',
      'Accept-Encoding: br',
      '-H',
      `If-None-Match: ${r.headers.etag}`,
    ]);
    expect(again.status).toBe(304);
  });

  test('a big file is streamed through the compressor', async () => {
    const r = await curl(`${url}/assets/big.txt`, ['-H', 'Accept-Encoding: gzip']);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers['content-length']).toBeUndefined();
    expect(zlib.gunzipSync(r.body).equals(bigFile)).toBe(true);
  });

  test('a Range request is answered from the identity bytes', async () => {
    const r = await curl(`${url}/assets/big.txt`, ['-H', 'Accept-Encoding: gzip', '-H', 'Range: bytes=0-99']);
    expect(r.status).toBe(206);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.equals(bigFile.subarray(0, 100))).toBe(true);
  });

  test('precompressed .br / .gz siblings are served as they are', async () => {
    const br = await curl(`${url}/assets/app.js`, ['-H', 'Accept-Encoding: gzip, br']);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe('/* from the .br sibling */');
    const gz = await curl(`${url}/assets/app.js`, ['-H', 'Accept-Encoding: gzip']);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe('/* from the .gz sibling */');
    const none = await curl(`${url}/assets/app.js`);
    expect(none.headers['content-encoding']).toBeUndefined();
    expect(none.body.toString()).toBe('console.log("original");'.repeat(100));
    const off = await curl(`${url}/nopre/app.js`, ['-H', 'Accept-Encoding: br']);
    expect(zlib.brotliDecompressSync(off.body).toString()).toBe('console.log("original");'.repeat(100)); // compressed on the fly
  });

  test('images are not compressed', async () => {
    const r = await curl(`${url}/assets/photo.png`, ['-H', 'Accept-Encoding: br']);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.length).toBe(5000);
  });
});

test('settings.compression = false turns it off globally', async () => {
  const off = await startServer({ compression: false }, (app) => app.get('/json', () => ({ body: big })));
  try {
    const r = await curl(`${httpBase(off.port)}/json`, ['-H', 'Accept-Encoding: br']);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.headers.vary).toBeUndefined();
  } finally {
    await off.stop();
  }
});

test('negotiateCoding and isCompressible', () => {
  expect(negotiateCoding(undefined)).toBeUndefined();
  expect(negotiateCoding('*')).toBe('br');
  expect(negotiateCoding('gzip;q=1, br;q=0.1')).toBe('gzip');
  expect(isCompressible('application/json')).toBe(true);
  expect(isCompressible('text/html; charset=utf-8')).toBe(true);
  expect(isCompressible('image/png')).toBe(false);
  expect(isCompressible('application/octet-stream')).toBe(false);
  expect(isCompressible('text/event-stream')).toBe(false);
});
