// Static files at the wire: MIME types, cache/reload/clearFileCache, ETag/Last-Modified 304, streaming
// of big files, and every way out of the root answered with 404.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSettings, settings as globalSettings } from '../../lib/settings/index';
import { mimeType } from '../../lib/features/mime';
import { fileCacheBytes, fileCacheSize, loadFile } from '../../lib/features/file-cache';
import { clearFileCache, createStaticHandler, file, isSafeRelativePath } from '../../lib/features/static';
import { json, request, startServer, type TestServer } from '../fixtures/wire';

const BIG_LIMIT = 4096;

let base: string;
let staticDir: string;
let server: TestServer;

function write(rel: string, content: string | Buffer): string {
  const p = path.join(staticDir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

function get(p: string, headers: Record<string, string> = {}, method = 'GET') {
  return request(server.port, p, { headers, method });
}

beforeAll(async () => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-static-')));
  staticDir = path.join(base, 'static');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(base, 'secret.txt'), 'top secret');
  write('hello.txt', 'hello world');
  write('sub/page.html', '<h1>hi</h1>');
  write('noext', 'plain bytes');
  write('.env', 'SECRET=1');
  write('.git/config', '[core]');
  write('sub/.secret', 'hidden');
  fs.mkdirSync(path.join(staticDir, 'dir'));
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(staticDir, 'link-out.txt'));
  fs.symlinkSync(base, path.join(staticDir, 'dir-out'));
  fs.symlinkSync(path.join(staticDir, 'hello.txt'), path.join(staticDir, 'link-in.txt'));
  server = await startServer({ baseDir: base, staticCacheMaxFileSize: BIG_LIMIT }, (app) => {
    app.serveStatic('/static');
  });
});

afterAll(async () => {
  await server.stop();
  fs.rmSync(base, { recursive: true, force: true });
});

beforeEach(() => clearFileCache());

// Extension → Content-Type as the wire must show it (mime-types' database, utf-8 on text types).
const MIME_AT_THE_WIRE: Array<[string, string]> = [
  ['html', 'text/html; charset=utf-8'],
  ['css', 'text/css; charset=utf-8'],
  ['js', 'text/javascript; charset=utf-8'],
  ['mjs', 'text/javascript; charset=utf-8'],
  ['json', 'application/json; charset=utf-8'],
  ['txt', 'text/plain; charset=utf-8'],
  ['wasm', 'application/wasm'],
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['svg', 'image/svg+xml'],
  ['webp', 'image/webp'],
  ['pdf', 'application/pdf'],
  ['woff2', 'font/woff2'],
  ['mp4', 'video/mp4'],
  ['webm', 'video/webm'],
  ['mp3', 'audio/mpeg'],
  ['wav', 'audio/wav'],
  ['avif', 'image/avif'],
  ['map', 'application/json; charset=utf-8'],
];

describe('MIME types', () => {
  test.each(MIME_AT_THE_WIRE)('.%s → %s at the wire', async (ext, type) => {
    write(`mime/file.${ext}`, `content of ${ext}`);
    const r = await get(`/static/mime/file.${ext}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
    expect(r.body.toString()).toBe(`content of ${ext}`);
  });

  test('extension is case-insensitive; unknown or missing → octet-stream', async () => {
    expect(mimeType('A.PNG')).toBe('image/png');
    expect(mimeType('x.tar.gz')).toBe('application/gzip');
    expect(mimeType('x.unknown-ext')).toBe('application/octet-stream');
    expect(mimeType('dir.html/readme')).toBe('application/octet-stream');
    const r = await get('/static/noext');
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.body.toString()).toBe('plain bytes');
  });
});

describe('serving and caching', () => {
  test('serves a file in a subdirectory with validators', async () => {
    const r = await get('/static/sub/page.html');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('<h1>hi</h1>');
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.headers['cache-control']).toBe('no-cache');
    const mtime = fs.statSync(path.join(staticDir, 'sub/page.html')).mtime;
    expect(r.headers['last-modified']).toBe(mtime.toUTCString());
    expect(r.headers['content-length']).toBe('11');
  });

  test('missing file → 404 JSON, and the server keeps serving', async () => {
    const r = await get('/static/nope.txt');
    expect(r.status).toBe(404);
    expect(json(r)).toEqual({ error: 'File not found' });
    expect((await get('/static/hello.txt')).status).toBe(200);
  });

  test('cached after the first read, revalidated by stat: a change on disk is served at once', async () => {
    const p = write('cached.txt', 'version 1');
    expect((await get('/static/cached.txt')).body.toString()).toBe('version 1');
    expect(fileCacheSize()).toBe(1);
    fs.writeFileSync(p, 'version 2 (longer)');
    expect((await get('/static/cached.txt')).body.toString()).toBe('version 2 (longer)');
    // Same size, new mtime: still noticed.
    fs.writeFileSync(p, 'version 3 (longer)');
    fs.utimesSync(p, new Date(), new Date(Date.now() + 5000));
    expect((await get('/static/cached.txt')).body.toString()).toBe('version 3 (longer)');
    expect(fileCacheSize()).toBe(1);
    clearFileCache(path.relative(process.cwd(), p)); // relative paths resolve against cwd
    expect(fileCacheSize()).toBe(0);
  });

  test('a file replaced by another of the same size and mtime (new inode) is noticed', async () => {
    const p = write('swap.txt', 'AAAA');
    const stamp = fs.statSync(p).mtime;
    expect((await get('/static/swap.txt')).body.toString()).toBe('AAAA');
    const tmp = path.join(staticDir, 'swap.tmp');
    fs.writeFileSync(tmp, 'BBBB');
    fs.utimesSync(tmp, stamp, stamp);
    fs.renameSync(tmp, p);
    expect((await get('/static/swap.txt')).body.toString()).toBe('BBBB');
  });

  test('the cache is bounded in entries and bytes, least recently used out first', async () => {
    const bounded = await startServer({ baseDir: base, staticCacheMaxEntries: 3, staticCacheMaxBytes: 250 }, (app) => {
      app.serveStatic('/s');
    });
    try {
      for (let i = 0; i < 5; i++) write(`lru/f${i}.txt`, String(i).repeat(60));
      for (let i = 0; i < 3; i++) await request(bounded.port, `/s/lru/f${i}.txt`);
      expect(fileCacheSize()).toBe(3);
      expect(fileCacheBytes()).toBe(180);
      await request(bounded.port, '/s/lru/f0.txt'); // f0 is now the most recent
      await request(bounded.port, '/s/lru/f3.txt'); // evicts f1 (entries)
      expect(fileCacheSize()).toBe(3);
      write('lru/big.txt', 'x'.repeat(200));
      await request(bounded.port, '/s/lru/big.txt'); // 200 + 60 + 60 > 250: evicts f2 and f0
      expect(fileCacheBytes()).toBeLessThanOrEqual(250);
      expect(fileCacheSize()).toBe(1);
      write('lru/huge.txt', 'y'.repeat(300)); // over maxBytes on its own: served, not cached
      const huge = await request(bounded.port, '/s/lru/huge.txt');
      expect(huge.body.toString()).toBe('y'.repeat(300));
      expect(fileCacheBytes()).toBeLessThanOrEqual(250);
    } finally {
      await bounded.stop();
    }
  });

  test('loadFile keeps the LRU order (a hit moves the entry to the end)', async () => {
    const limits = { maxFileSize: 1000, maxEntries: 2, maxBytes: 1000 };
    const a = write('order/a.txt', 'a');
    const b = write('order/b.txt', 'b');
    const c = write('order/c.txt', 'c');
    await loadFile(a, limits);
    await loadFile(b, limits);
    await loadFile(a, limits); // a is most recent
    await loadFile(c, limits); // evicts b
    fs.writeFileSync(b, 'B');
    fs.writeFileSync(a, 'a'); // same size; mtime may be equal: a must still come from cache or disk with 'a'
    expect((await loadFile(a, limits))?.body?.toString()).toBe('a');
    expect(fileCacheSize()).toBe(2);
  });

  test('clearFileCache() with no argument clears everything', async () => {
    const p = write('all.txt', 'one');
    await get('/static/all.txt');
    await get('/static/hello.txt');
    expect(fileCacheSize()).toBe(2);
    fs.writeFileSync(p, 'two');
    clearFileCache();
    expect(fileCacheSize()).toBe(0);
    expect((await get('/static/all.txt')).body.toString()).toBe('two');
  });

  test('clearFileCache(realPath) also drops an entry cached through a symlink', async () => {
    await get('/static/link-in.txt');
    expect(fileCacheSize()).toBe(1);
    clearFileCache(path.join(staticDir, 'hello.txt'));
    expect(fileCacheSize()).toBe(0);
  });

  test('a deleted file is 404 at once (the cached entry is dropped)', async () => {
    const p = write('gone.txt', 'still here');
    await get('/static/gone.txt');
    fs.unlinkSync(p);
    expect((await get('/static/gone.txt')).status).toBe(404);
    expect(fileCacheSize()).toBe(0);
  });

  test('HEAD: the headers of GET, no body', async () => {
    const r = await get('/static/hello.txt', {}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['content-length']).toBe('11');
    expect(r.body.length).toBe(0);
  });
});

describe('conditional requests', () => {
  test('If-None-Match with the ETag → 304 without a body; another ETag → 200', async () => {
    const first = await get('/static/hello.txt');
    const etag = first.headers.etag as string;
    const r = await get('/static/hello.txt', { 'if-none-match': etag });
    expect(r.status).toBe(304);
    expect(r.body.length).toBe(0);
    expect(r.headers.etag).toBe(etag);
    expect((await get('/static/hello.txt', { 'if-none-match': '"other", W/' + etag })).status).toBe(304);
    expect((await get('/static/hello.txt', { 'if-none-match': '*' })).status).toBe(304);
    const miss = await get('/static/hello.txt', { 'if-none-match': '"0-0"' });
    expect(miss.status).toBe(200);
    expect(miss.body.toString()).toBe('hello world');
  });

  test('If-Modified-Since: not modified since → 304; modified after → 200; garbage ignored', async () => {
    const first = await get('/static/hello.txt');
    const lm = first.headers['last-modified'] as string;
    expect((await get('/static/hello.txt', { 'if-modified-since': lm })).status).toBe(304);
    const later = new Date(Date.parse(lm) + 60_000).toUTCString();
    expect((await get('/static/hello.txt', { 'if-modified-since': later })).status).toBe(304);
    const earlier = new Date(Date.parse(lm) - 60_000).toUTCString();
    expect((await get('/static/hello.txt', { 'if-modified-since': earlier })).status).toBe(200);
    expect((await get('/static/hello.txt', { 'if-modified-since': 'not a date' })).status).toBe(200);
  });

  test('If-None-Match wins over If-Modified-Since', async () => {
    const first = await get('/static/hello.txt');
    const r = await get('/static/hello.txt', {
      'if-none-match': 'W/"0-0"',
      'if-modified-since': first.headers['last-modified'] as string,
    });
    expect(r.status).toBe(200);
  });

  test('a changed file gets a new ETag (no clearFileCache needed)', async () => {
    const p = write('etag.txt', 'a');
    const a = await get('/static/etag.txt');
    fs.writeFileSync(p, 'bb');
    const b = await get('/static/etag.txt');
    expect(b.headers.etag).not.toBe(a.headers.etag);
    expect((await get('/static/etag.txt', { 'if-none-match': a.headers.etag as string })).status).toBe(200);
  });
});

describe('big files are streamed, not cached', () => {
  const big = Buffer.alloc(BIG_LIMIT * 50 + 7);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 8)) & 0xff;

  test('bytes, length and validators are right; nothing is cached', async () => {
    const p = write('big.bin', big);
    const r = await get('/static/big.bin');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(big.length));
    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect(r.body.equals(big)).toBe(true);
    expect(fileCacheSize()).toBe(0);
    // Streamed files are stat'ed per request: a change on disk shows at once.
    const changed = Buffer.concat([big, Buffer.from('tail')]);
    fs.writeFileSync(p, changed);
    const again = await get('/static/big.bin');
    expect(again.body.equals(changed)).toBe(true);
    expect((await get('/static/big.bin', { 'if-none-match': again.headers.etag as string })).status).toBe(304);
  });

  test('HEAD of a big file sends its length and no body', async () => {
    write('big2.bin', big);
    const r = await get('/static/big2.bin', {}, 'HEAD');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(big.length));
    expect(r.body.length).toBe(0);
  });

  test('a file that shrinks after its stat fails the stream instead of under-delivering', async () => {
    const saved = globalSettings.staticCacheMaxFileSize;
    globalSettings.staticCacheMaxFileSize = 10;
    try {
      const p = write('shrink.bin', big);
      const res = await file(p);
      fs.truncateSync(p, 100);
      const chunks: Buffer[] = [];
      await expect(
        (async () => {
          for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c);
        })(),
      ).rejects.toThrow(/shrank/);
    } finally {
      globalSettings.staticCacheMaxFileSize = saved;
    }
  });

  test('a file exactly at the limit is cached', async () => {
    write('edge.bin', big.subarray(0, BIG_LIMIT));
    const r = await get('/static/edge.bin');
    expect(r.body.equals(big.subarray(0, BIG_LIMIT))).toBe(true);
    expect(fileCacheSize()).toBe(1);
  });
});

describe('never outside the root', () => {
  const attacks: Array<[string, string]> = [
    ['a directory', '/static/dir'],
    ['a directory with a trailing slash', '/static/dir/'],
    ['the root itself', '/static/'],
    ['a dotfile', '/static/.env'],
    ['a file in a dot directory', '/static/.git/config'],
    ['a dotfile in a subdirectory', '/static/sub/.secret'],
    ['a dotfile through %2e', '/static/%2eenv'],
    ['..', '/static/../secret.txt'],
    ['.. deeper', '/static/sub/../../secret.txt'],
    ['%2e%2e', '/static/%2e%2e/secret.txt'],
    ['%2E%2E with %2F', '/static/sub%2F%2E%2E%2F%2E%2E%2Fsecret.txt'],
    ['%00', '/static/hello.txt%00.png'],
    ['a backslash', '/static/..%5Csecret.txt'],
    ['//etc/hostname', '/static//etc/hostname'],
    ['a symlink out of the root', '/static/link-out.txt'],
    ['a file through a symlinked directory out of the root', '/static/dir-out/secret.txt'],
    ['.', '/static/./hello.txt'],
  ];

  test.each(attacks)('%s → 404 File not found', async (_name, p) => {
    const r = await get(p);
    expect(r.status).toBe(404);
    expect(json(r)).toEqual({ error: 'File not found' });
    expect((await get('/static/hello.txt')).status).toBe(200);
  });

  test('an absolute path after // to an existing file → 404', async () => {
    const r = await get(`/static/${path.join(base, 'secret.txt')}`);
    expect(r.status).toBe(404);
  });

  test('a symlink inside the root is served', async () => {
    const r = await get('/static/link-in.txt');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello world');
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  test('a FIFO is not a regular file → 404 (and does not block)', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(staticDir, 'pipe.txt')]);
    expect((await get('/static/pipe.txt')).status).toBe(404);
  });

  test('isSafeRelativePath', () => {
    for (const ok of ['a', 'a/b.txt', '.hidden', 'a..b', '...']) expect(isSafeRelativePath(ok)).toBe(true);
    for (const bad of ['', '/a', 'a//b', 'a/', '..', 'a/..', '../a', '.', 'a/./b', 'a\\b', 'a\0b']) {
      expect(isSafeRelativePath(bad)).toBe(false);
    }
  });

  test('baseDir is read per request; no static directory → 404', async () => {
    const s = createSettings({ baseDir: path.join(base, 'missing') });
    const handler = createStaticHandler(s, '/x');
    const fake = {
      method: 'GET',
      path: '/x/hello.txt',
      headers: {},
      query: {},
      params: { path: 'hello.txt' },
      body: undefined,
      extra: {},
    };
    expect(await handler(fake as never)).toEqual({ status: 404, body: { error: 'File not found' } });
    s.baseDir = base;
    const found = (await handler(fake as never)) as { status: number; body: Buffer };
    expect(found.status).toBe(200);
    expect(found.body.toString()).toBe('hello world');
  });
});

describe('file()', () => {
  test('at the wire, from a handler: small (cached) and big (streamed) files', async () => {
    const small = write('f/page.html', '<p>page</p>');
    const bigPath = write('f/big.bin', Buffer.alloc(BIG_LIMIT * 3, 7));
    const saved = globalSettings.staticCacheMaxFileSize;
    globalSettings.staticCacheMaxFileSize = BIG_LIMIT;
    const local = await startServer({}, (app) => {
      app.get('/page', () => file(small));
      app.get('/big', () => file(bigPath, { contentType: 'application/x-big' }));
      app.get('/missing', () => file(path.join(base, 'missing.html')));
    });
    try {
      const page = await request(local.port, '/page');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body.toString()).toBe('<p>page</p>');
      const bigReply = await request(local.port, '/big');
      expect(bigReply.headers['content-type']).toBe('application/x-big');
      expect(bigReply.body.equals(Buffer.alloc(BIG_LIMIT * 3, 7))).toBe(true);
      const missing = await request(local.port, '/missing');
      expect(missing.status).toBe(404);
      expect(json(missing)).toEqual({ error: 'File not found' });
    } finally {
      globalSettings.staticCacheMaxFileSize = saved;
      await local.stop();
    }
  });

  test('reads a file relative to cwd with its type and validators; caches it', async () => {
    const p = write('f/doc.json', '{"a":1}');
    const res = await file(path.relative(process.cwd(), p));
    expect(res.status).toBe(200);
    expect((res.body as Buffer).toString()).toBe('{"a":1}');
    expect(res.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers?.etag).toMatch(/^"/);
    expect(fileCacheSize()).toBe(1);
    fs.writeFileSync(p, '{"a":2}');
    expect(((await file(p)).body as Buffer).toString()).toBe('{"a":2}');
    expect(((await file(p, { reload: true })).body as Buffer).toString()).toBe('{"a":2}');
    expect(fileCacheSize()).toBe(1);
  });

  test('contentType and status options', async () => {
    const p = write('f/x.txt', 'x');
    const res = await file(p, { contentType: 'text/x-custom', status: 201 });
    expect(res.status).toBe(201);
    expect(res.headers?.['content-type']).toBe('text/x-custom');
  });

  test('missing file or directory → 404', async () => {
    expect(await file(path.join(base, 'nope'))).toEqual({ status: 404, body: { error: 'File not found' } });
    expect(await file(staticDir)).toEqual({ status: 404, body: { error: 'File not found' } });
    expect(await file('')).toEqual({ status: 404, body: { error: 'File not found' } });
  });

  test('a file over the global staticCacheMaxFileSize comes back as a stream', async () => {
    const saved = globalSettings.staticCacheMaxFileSize;
    globalSettings.staticCacheMaxFileSize = 10;
    try {
      const content = Buffer.from('0123456789abcdefghij');
      const p = write('f/stream.bin', content);
      const res = await file(p);
      expect(res.headers?.['content-length']).toBe('20');
      const chunks: Buffer[] = [];
      for await (const c of res.body as AsyncIterable<Buffer>) chunks.push(c);
      expect(Buffer.concat(chunks).equals(content)).toBe(true);
      expect(fileCacheSize()).toBe(0);
    } finally {
      globalSettings.staticCacheMaxFileSize = saved;
    }
  });
});
