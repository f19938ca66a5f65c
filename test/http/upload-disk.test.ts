// ci: runs both transports itself (every server here is given its transport; .ci/run leaves it out of the node-transport lanes).
// Uploads stored on disk (the default) and in a route's Writable, on both transports: private temporary
// files removed after the handler (unless kept), on a handler error, on a limit (413) and when the
// client aborts mid-upload; a slow Writable gets every byte in order (backpressure).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { DiskFile, UploadFileInfo } from '../../lib/features/upload';
import { resetUploadDirs } from '../../lib/features/upload-storage';
import type { Settings } from '../../lib/settings/index';
import { json, request, startServer, type TestServer } from '../fixtures/wire';
import { MULTIPART_TYPE, multipart, partHead } from '../fixtures/multipart';
import { laneRequest } from '../helpers/tls-lane';

const KiB = 1024;
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'krozen-upload-disk-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(['krozen', 'node'])('%s transport', (transport) => {
  let server: TestServer;
  let dir: string;
  let seen: Array<{ path: string; mode: number; sha: string; size: number }> = [];
  let sunk: Array<{ info: UploadFileInfo; bytes: Buffer; error?: string }> = [];
  let kept: string[] = [];

  /** A Writable that takes one small chunk at a time, late: the upload must wait for it. */
  function slowSink(info: UploadFileInfo): Writable {
    const entry: { info: UploadFileInfo; bytes: Buffer; error?: string } = { info, bytes: Buffer.alloc(0) };
    sunk.push(entry);
    return new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        entry.bytes = Buffer.concat([entry.bytes, chunk]);
        setTimeout(cb, 1);
      },
      destroy(err, cb) {
        if (err) entry.error = err.message;
        cb(null);
      },
    });
  }

  beforeAll(async () => {
    dir = path.join(root, transport, 'uploads'); // missing: created on the first upload
    const settings: Partial<Settings> = {
      transport: transport as Settings['transport'],
      uploadDir: dir,
      uploadMaxFileSize: 256 * KiB,
      uploadMaxTotalSize: 300 * KiB,
    };
    server = await startServer(settings, (app) => {
      const record = (files: DiskFile[]) => {
        for (const f of files) {
          const content = readFileSync(f.path);
          seen.push({ path: f.path, mode: statSync(f.path).mode & 0o777, sha: sha(content), size: f.size });
        }
      };
      app.upload('/disk', (files) => {
        record(files);
        return { body: { count: files.length } };
      });
      app.upload('/keep', (files) => {
        for (const f of files) {
          f.keep();
          kept.push(f.path);
        }
      });
      app.upload('/throws', (files) => {
        record(files);
        throw new Error('handler failed');
      });
      app.upload('/sink', (files) => ({ body: files }), { storage: slowSink });
      app.get('/ping', () => ({ body: { pong: true } }));
    });
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    seen = [];
    sunk = [];
    kept = [];
  });

  const post = (p: string, body: Buffer) =>
    request(server.port, p, { method: 'POST', headers: { 'content-type': MULTIPART_TYPE }, body });

  test('files land in uploadDir (0700) as private files with random names; removed when the answer is sent', async () => {
    resetUploadDirs();
    const a = bytes(200 * KiB, 1);
    const b = bytes(10, 2);
    const r = await post(
      '/disk',
      multipart([
        { name: 'a', filename: '../../etc/passwd', content: a },
        { name: 'b', filename: 'b.txt', content: b },
      ]),
    );
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({ count: 2 });
    expect(seen.map((s) => [s.size, s.sha, s.mode])).toEqual([
      [a.length, sha(a), 0o600],
      [b.length, sha(b), 0o600],
    ]);
    for (const s of seen) {
      expect(path.dirname(s.path)).toBe(dir);
      expect(path.basename(s.path)).toMatch(/^upload-[0-9a-f]{32}$/);
      expect(existsSync(s.path)).toBe(false);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('keep(): the file stays where it is, the handler owns it', async () => {
    const r = await post('/keep', multipart([{ name: 'a', filename: 'a', content: 'kept bytes' }]));
    expect(r.status).toBe(200);
    expect(kept).toHaveLength(1);
    expect(readFileSync(kept[0], 'utf8')).toBe('kept bytes');
    rmSync(kept[0]);
  });

  test('a handler that throws: 500, and its files are removed', async () => {
    const r = await post('/throws', multipart([{ name: 'a', filename: 'a', content: 'x' }]));
    expect(r.status).toBe(500);
    expect(seen).toHaveLength(1);
    expect(existsSync(seen[0].path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a file over uploadMaxFileSize → 413, nothing left on disk (files written before it too)', async () => {
    const r = await post(
      '/disk',
      multipart([
        { name: 'ok', filename: 'ok', content: bytes(10 * KiB, 3) },
        { name: 'big', filename: 'big', content: bytes(257 * KiB, 4) },
      ]),
    );
    expect(r.status).toBe(413);
    expect(json(r)).toEqual({ error: 'File too large' });
    expect(r.headers.connection).toBe('close');
    expect(seen).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('files over uploadMaxTotalSize together → 413 Upload too large, nothing left on disk', async () => {
    const r = await post(
      '/disk',
      multipart([
        { name: 'a', filename: 'a', content: bytes(200 * KiB, 5) },
        { name: 'b', filename: 'b', content: bytes(200 * KiB, 6) },
      ]),
    );
    expect(r.status).toBe(413);
    expect(json(r)).toEqual({ error: 'Upload too large' });
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a client that aborts mid-upload leaves no partial file', async () => {
    const req = laneRequest({
      host: '127.0.0.1',
      port: server.port,
      path: '/disk',
      method: 'POST',
      agent: false,
      headers: { 'content-type': MULTIPART_TYPE, 'content-length': 250 * KiB },
    });
    req.on('error', () => {});
    req.write(partHead({ name: 'f', filename: 'x.bin' }));
    req.write(bytes(100 * KiB, 7));
    // The partial file exists and has bytes before the client goes away.
    await until(() => existsSync(dir) && readdirSync(dir).some((f) => statSync(path.join(dir, f)).size > 0));
    req.destroy();
    await until(() => readdirSync(dir).length === 0).catch(() => {
      throw new Error('left: ' + JSON.stringify(readdirSync(dir)));
    });
    expect(seen).toEqual([]);
    const r = await request(server.port, '/ping');
    expect(r.status).toBe(200);
  });

  test('storage: (file) => Writable: a slow Writable gets every byte in order; the handler gets sizes', async () => {
    const a = bytes(100 * KiB, 8);
    const r = await post('/sink', multipart([{ name: 'a', filename: 'a.bin', contentType: 'image/png', content: a }]));
    expect(r.status).toBe(200);
    expect(json(r)).toEqual([{ fieldname: 'a', filename: 'a.bin', contentType: 'image/png', size: a.length }]);
    expect(sunk).toHaveLength(1);
    expect(sunk[0].info).toEqual({ fieldname: 'a', filename: 'a.bin', contentType: 'image/png' });
    expect(sha(sunk[0].bytes)).toBe(sha(a));
  });

  test('storage: (file) => Writable: a refusal destroys the Writable with the reason', async () => {
    const r = await post('/sink', multipart([{ name: 'a', filename: 'a', content: bytes(257 * KiB, 9) }]));
    expect(r.status).toBe(413);
    await until(() => sunk.length === 1 && sunk[0].error !== undefined);
    expect(sunk[0].error).toBe('File too large');
  });
});
