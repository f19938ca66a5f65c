// Static files, the production options: Range/If-Range (206/416), dotfiles, index files, Cache-Control.
// The wire checks use curl, a client that is not Node.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../lib/app';
import { clearFileCache, cacheControlFor } from '../../lib/features/static';
import { parseRange, ifRangeMatches } from '../../lib/features/range';
import { startServer, type TestServer } from '../fixtures/wire';
import { curl } from '../helpers/curl';
import { httpBase } from '../helpers/tls-lane';

const CACHE_LIMIT = 1000;
let base: string;
let server: TestServer;
let url: string;
const data = Buffer.alloc(5000);
for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;

function write(rel: string, content: string | Buffer): void {
  const p = path.join(base, 'static', rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
}

beforeAll(async () => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-static-opts-')));
  write('small.bin', data.subarray(0, 500)); // cached
  write('big.bin', data); // over the cache limit: streamed
  write('.env', 'SECRET=1');
  write('.well-known/security.txt', 'Contact: x');
  write('index.html', '<h1>root</h1>');
  write('docs/index.html', '<h1>docs</h1>');
  write('app.3f9a.js', 'console.log(1)');
  write('empty.txt', '');
  server = await startServer({ baseDir: base, staticCacheMaxFileSize: CACHE_LIMIT }, (app) => {
    app.serveStatic('/assets');
    app.serveStatic('/open', { dotfiles: 'allow' });
    app.serveStatic('/site', { index: 'index.html' });
    app.serveStatic('/hashed', { immutable: true });
    app.serveStatic('/short', { maxAge: 60 });
    app.serveStatic('/custom', { cacheControl: 'private, max-age=5' });
  });
  url = `${httpBase(server.port)}`;
});

afterAll(async () => {
  await server.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

beforeEach(() => clearFileCache());

describe('Range at the wire (curl)', () => {
  test.each([
    ['cached', 'small.bin', 500],
    ['streamed', 'big.bin', 5000],
  ])('%s file: Range: bytes=0-99 → 206 and 100 bytes', async (_kind, name, size) => {
    const r = await curl(`${url}/assets/${name}`, ['-H', 'Range: bytes=0-99']);
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect(r.headers['content-length']).toBe('100');
    expect(r.body.length).toBe(100);
    expect(r.body.equals(data.subarray(0, 100))).toBe(true);
  });

  test.each([
    ['cached', 'small.bin', 500],
    ['streamed', 'big.bin', 5000],
  ])('%s file: open-ended, suffix and middle ranges', async (_kind, name, size) => {
    const open = await curl(`${url}/assets/${name}`, ['-H', 'Range: bytes=450-']);
    expect(open.status).toBe(206);
    expect(open.headers['content-range']).toBe(`bytes 450-${size - 1}/${size}`);
    expect(open.body.equals(data.subarray(450, size))).toBe(true);
    const suffix = await curl(`${url}/assets/${name}`, ['-H', 'Range: bytes=-10']);
    expect(suffix.status).toBe(206);
    expect(suffix.headers['content-range']).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(suffix.body.equals(data.subarray(size - 10, size))).toBe(true);
    const middle = await curl(`${url}/assets/${name}`, ['-r', '100-199']);
    expect(middle.status).toBe(206);
    expect(middle.body.equals(data.subarray(100, 200))).toBe(true);
    const pastEnd = await curl(`${url}/assets/${name}`, ['-H', `Range: bytes=10-${size + 100}`]);
    expect(pastEnd.headers['content-range']).toBe(`bytes 10-${size - 1}/${size}`);
    expect(pastEnd.body.length).toBe(size - 10);
  });

  test('unsatisfiable → 416 with Content-Range: bytes */size, and the server keeps serving', async () => {
    const r = await curl(`${url}/assets/small.bin`, ['-H', 'Range: bytes=500-600']);
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */500');
    expect(JSON.parse(r.body.toString())).toEqual({ error: 'Range Not Satisfiable' });
    const empty = await curl(`${url}/assets/empty.txt`, ['-H', 'Range: bytes=0-']);
    expect(empty.status).toBe(416);
    expect((await curl(`${url}/assets/small.bin`)).status).toBe(200);
  });

  test('several ranges → the whole file with 200 (documented choice); a bad syntax is ignored', async () => {
    const multi = await curl(`${url}/assets/small.bin`, ['-H', 'Range: bytes=0-9,20-29']);
    expect(multi.status).toBe(200);
    expect(multi.body.equals(data.subarray(0, 500))).toBe(true);
    for (const bad of ['bytes=abc', 'items=0-9', 'bytes=9-0']) {
      const r = await curl(`${url}/assets/small.bin`, ['-H', `Range: ${bad}`]);
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(500);
    }
  });

  test('If-Range with the current ETag or Last-Modified → 206; a stale one → the whole file', async () => {
    const first = await curl(`${url}/assets/big.bin`);
    expect(first.headers['accept-ranges']).toBe('bytes');
    const etag = first.headers.etag;
    const fresh = await curl(`${url}/assets/big.bin`, ['-H', 'Range: bytes=0-99', '-H', `If-Range: ${etag}`]);
    expect(fresh.status).toBe(206);
    const byDate = await curl(`${url}/assets/big.bin`, [
      '-H',
      'Range: bytes=0-99',
      '-H',
      `If-Range: ${first.headers['last-modified']}`,
    ]);
    expect(byDate.status).toBe(206);
    const stale = await curl(`${url}/assets/big.bin`, ['-H', 'Range: bytes=0-99', '-H', 'If-Range: "0-0"']);
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(5000);
    const weak = await curl(`${url}/assets/big.bin`, ['-H', 'Range: bytes=0-99', '-H', `If-Range: W/${etag}`]);
    expect(weak.status).toBe(200);
  });

  test('HEAD with a Range: 206 headers, no body', async () => {
    const r = await curl(`${url}/assets/big.bin`, ['-I', '-H', 'Range: bytes=0-99']);
    expect(r.status).toBe(206);
    expect(r.headers['content-length']).toBe('100');
    expect(r.body.length).toBe(0);
  });

  test('parseRange and ifRangeMatches', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-0, 5-4', 1000)).toBeUndefined();
    expect(parseRange('bytes=5-9, ,', 1000)).toEqual({ start: 5, end: 9 });
    expect(parseRange('BYTES = 1-2', 10)).toEqual({ start: 1, end: 2 });
    expect(parseRange('bytes=0-1,2-3', 10)).toBeUndefined();
    expect(parseRange('bytes=900-999,2000-', 1000)).toEqual({ start: 900, end: 999 });
    expect(ifRangeMatches('"a"', '"a"', 'x')).toBe(true);
    expect(ifRangeMatches('"a"', 'W/"a"', 'x')).toBe(false);
    expect(ifRangeMatches('Thu, 01 Jan 2026 00:00:00 GMT', '"a"', 'Thu, 01 Jan 2026 00:00:00 GMT')).toBe(true);
    expect(ifRangeMatches('Thu, 01 Jan 2026 00:00:01 GMT', '"a"', 'Thu, 01 Jan 2026 00:00:00 GMT')).toBe(false);
  });
});

describe('dotfiles', () => {
  test('/assets/.env → 404 by default (curl)', async () => {
    const r = await curl(`${url}/assets/.env`);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body.toString())).toEqual({ error: 'File not found' });
    expect((await curl(`${url}/assets/.well-known/security.txt`)).status).toBe(404);
  });

  test("dotfiles: 'allow' serves them; traversal stays refused", async () => {
    const r = await curl(`${url}/open/.env`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('SECRET=1');
    expect((await curl(`${url}/open/.well-known/security.txt`)).body.toString()).toBe('Contact: x');
    expect((await curl(`${url}/open/%2e%2e/%2e%2e/etc/hostname`, ['--path-as-is'])).status).toBe(404);
  });
});

describe('index files', () => {
  test('a path ending in / serves its index; the prefix itself too', async () => {
    expect((await curl(`${url}/site/`)).body.toString()).toBe('<h1>root</h1>');
    expect((await curl(`${url}/site/docs/`)).body.toString()).toBe('<h1>docs</h1>');
    expect((await curl(`${url}/site/docs/`)).headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await curl(`${url}/site/docs`)).status).toBe(404);
    expect((await curl(`${url}/assets/docs/`)).status).toBe(404); // no index option: a directory is 404
  });
});

describe('Cache-Control', () => {
  test('default no-cache; maxAge; immutable; custom', async () => {
    expect((await curl(`${url}/assets/app.3f9a.js`)).headers['cache-control']).toBe('no-cache');
    expect((await curl(`${url}/short/app.3f9a.js`)).headers['cache-control']).toBe('public, max-age=60');
    expect((await curl(`${url}/hashed/app.3f9a.js`)).headers['cache-control']).toBe(
      'public, max-age=31536000, immutable',
    );
    expect((await curl(`${url}/custom/app.3f9a.js`)).headers['cache-control']).toBe('private, max-age=5');
    expect(cacheControlFor({ immutable: true, maxAge: 600 })).toBe('public, max-age=600, immutable');
  });

  test('options are checked when the route is added', () => {
    expect(() => createApp().serveStatic('/x', { index: '../secret' })).toThrow(/index must be a plain file name/);
    expect(() => createApp().serveStatic('/x', { dotfiles: 'yes' as never })).toThrow(
      /dotfiles must be 'deny' or 'allow'/,
    );
  });
});
