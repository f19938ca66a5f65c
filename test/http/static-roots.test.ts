// ci: runs both transports itself (every server here is given its transport; .ci/run leaves it out of the node-transport lanes).
// serveStatic with a root per prefix (absolute or relative to baseDir) and file() answering Range and
// conditional requests when given req, over the wire with curl on both transports.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearFileCache, file } from '../../lib/features/static';
import { createApp } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { curl } from '../helpers/curl';
import { startServer, type TestServer } from '../fixtures/wire';
import { httpBase } from '../helpers/tls-lane';

let base: string;
let outside: string;
const BIG = Buffer.alloc(64 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 13) & 0xff;

function write(p: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
}

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-roots-')));
  outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'krozen-roots-abs-')));
  write(path.join(base, 'public/a.txt'), 'from public');
  write(path.join(base, 'public/.env'), 'SECRET=1');
  write(path.join(base, 'static/a.txt'), 'from static');
  write(path.join(base, 'secret.txt'), 'top secret');
  write(path.join(outside, 'a.txt'), 'from absolute');
  write(path.join(outside, 'small.txt'), '0123456789');
  write(path.join(outside, 'big.bin'), BIG);
  // A link from one root into another is still a way out of the first.
  fs.symlinkSync(path.join(outside, 'a.txt'), path.join(base, 'public/link-to-other-root.txt'));
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(base, 'public/link-out.txt'));
});

afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

describe.each(['krozen', 'node'])('%s transport', (transport) => {
  let server: TestServer;
  let url: (p: string) => string;

  beforeAll(async () => {
    const settings: Partial<Settings> = {
      transport: transport as Settings['transport'],
      baseDir: base,
      staticCacheMaxFileSize: 1024, // big.bin is streamed, small.txt cached: both answer ranges
    };
    server = await startServer(settings, (app) => {
      app.serveStatic('/pub', { root: 'public' });
      app.serveStatic('/abs', { root: outside });
      app.serveStatic('/static');
      app.get('/file/:name', (req) => file(path.join(outside, req.params.name), { req }));
      app.get('/file-no-req', () => file(path.join(outside, 'small.txt')));
      app.get('/file-404-page', (req) => file(path.join(outside, 'small.txt'), { req, status: 404 }));
    });
    url = (p) => `${httpBase(server.port)}${p}`;
  });
  afterAll(() => server.stop());
  beforeEach(() => clearFileCache());

  test('each prefix serves its own root: relative to baseDir, absolute, and the default static/', async () => {
    expect((await curl(url('/pub/a.txt'))).body.toString()).toBe('from public');
    expect((await curl(url('/abs/a.txt'))).body.toString()).toBe('from absolute');
    expect((await curl(url('/static/a.txt'))).body.toString()).toBe('from static');
  });

  test.each([
    ['..', '/pub/../secret.txt'],
    ['.. into another root', '/pub/../static/a.txt'],
    ['%2e%2e', '/pub/%2e%2e/secret.txt'],
    ['%2E%2E and an encoded slash', '/pub/%2E%2E%2Fsecret.txt'],
    ['a dotfile', '/pub/.env'],
    ['a dotfile through %2e', '/pub/%2eenv'],
    ['a symlink out of the root', '/pub/link-out.txt'],
    ['a symlink into another root', '/pub/link-to-other-root.txt'],
    ['a backslash', '/pub/..%5csecret.txt'],
  ])('%s → 404', async (_name, p) => {
    const r = await curl(url(p), ['--path-as-is']);
    expect(r.status).toBe(404);
    expect(r.body.toString()).not.toMatch(/secret|SECRET|from/);
  });

  test('file(path, { req }): Range → 206 with Content-Range, cached and streamed files', async () => {
    const small = await curl(url('/file/small.txt'), ['-H', 'Range: bytes=2-5']);
    expect(small.status).toBe(206);
    expect(small.headers['content-range']).toBe('bytes 2-5/10');
    expect(small.body.toString()).toBe('2345');
    const big = await curl(url('/file/big.bin'), ['-H', 'Range: bytes=-1000']);
    expect(big.status).toBe(206);
    expect(big.headers['content-range']).toBe(`bytes ${BIG.length - 1000}-${BIG.length - 1}/${BIG.length}`);
    expect(big.headers['content-length']).toBe('1000');
    expect(big.body.equals(BIG.subarray(BIG.length - 1000))).toBe(true);
  });

  test('file(path, { req }): an unsatisfiable range → 416 with bytes */size', async () => {
    const r = await curl(url('/file/small.txt'), ['-H', 'Range: bytes=10-20']);
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe('bytes */10');
  });

  test('file(path, { req }): If-Range with the current ETag → the range; with another → the whole file', async () => {
    const full = await curl(url('/file/small.txt'));
    expect(full.status).toBe(200);
    expect(full.headers['accept-ranges']).toBe('bytes');
    const etag = full.headers.etag;
    const hit = await curl(url('/file/small.txt'), ['-H', 'Range: bytes=0-0', '-H', `If-Range: ${etag}`]);
    expect(hit.status).toBe(206);
    expect(hit.body.toString()).toBe('0');
    const miss = await curl(url('/file/small.txt'), ['-H', 'Range: bytes=0-0', '-H', 'If-Range: "other"']);
    expect(miss.status).toBe(200);
    expect(miss.body.toString()).toBe('0123456789');
    const notModified = await curl(url('/file/small.txt'), ['-H', `If-None-Match: ${etag}`]);
    expect(notModified.status).toBe(304);
  });

  test('file() without req, or with another status, sends the whole file', async () => {
    const noReq = await curl(url('/file-no-req'), ['-H', 'Range: bytes=0-0']);
    expect(noReq.status).toBe(200);
    expect(noReq.body.toString()).toBe('0123456789');
    const page = await curl(url('/file-404-page'), ['-H', 'Range: bytes=0-0']);
    expect(page.status).toBe(404);
    expect(page.body.toString()).toBe('0123456789');
  });
});

test('serveStatic root must be a non-empty path', () => {
  const app = createApp();
  expect(() => app.serveStatic('/x', { root: '' })).toThrow(/serveStatic root must be a directory path/);
  expect(() => app.serveStatic('/x', { root: 5 as unknown as string })).toThrow(/serveStatic root/);
});
