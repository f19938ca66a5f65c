// The app test/http/upload-big.test.ts measures, run as a child process (through ts-register.js) so the
// test's client shares neither its event loop nor its heap. Prints {"ready":port} when listening.
// GET /rss/mark starts a measurement; GET /rss answers the peak RSS growth since the mark (sampled every
// 5 ms). POST /upload hashes the uploaded file from disk and answers its size, sha256 and path.
// Env: TRANSPORT ('node' | 'krozen'), UPLOAD_DIR, STORAGE ('disk' default, 'memory' to see the test fail).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import type { Settings } from '../../lib/settings/index';

const GiB = 1024 * 1024 * 1024;
const app = createApp({
  port: 0,
  host: '127.0.0.1',
  transport: (process.env.TRANSPORT ?? 'krozen') as Settings['transport'],
  uploadDir: process.env.UPLOAD_DIR,
  uploadMaxFileSize: 2 * GiB,
  uploadMaxTotalSize: 2 * GiB,
});

let base = process.memoryUsage().rss;
let peak = base;
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5).unref();

app.get('/rss/mark', () => {
  base = process.memoryUsage().rss;
  peak = base;
  return { body: { base } };
});
app.get('/rss', () => ({ body: { growth: Math.max(peak, process.memoryUsage().rss) - base } }));

function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

if (process.env.STORAGE === 'memory') {
  app.upload(
    '/upload',
    (files) => ({
      body: { size: files[0].size, sha256: createHash('sha256').update(files[0].content).digest('hex'), path: '' },
    }),
    { storage: 'memory' },
  );
} else {
  app.upload('/upload', async (files) => ({
    body: { size: files[0].size, sha256: await sha256(files[0].path), path: files[0].path },
  }));
}

new Server(app).run().then((server) => {
  console.log(JSON.stringify({ ready: server.port, pid: process.pid }));
});
