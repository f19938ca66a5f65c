// The app test/http/body-cost.test.ts measures, run as a child process (through ts-register.js) so the
// test's own clients neither share its event loop nor its memory. Prints {"ready":port} when listening.
// GET /rss/mark starts a measurement; GET /rss answers the peak RSS growth since the mark (sampled every
// 5 ms). Env: TRANSPORT ('node' | 'krozen'), MAX_BODY_SIZE (bytes).
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import type { Settings } from '../../lib/settings/index';

const app = createApp({
  port: 0,
  host: '127.0.0.1',
  transport: (process.env.TRANSPORT ?? 'krozen') as Settings['transport'],
  maxBodySize: Number(process.env.MAX_BODY_SIZE ?? 1024 * 1024),
});

let base = process.memoryUsage().rss;
let peak = base;
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5).unref();

app.get('/health', () => ({ body: { ok: true } }));
app.get('/rss/mark', () => {
  base = process.memoryUsage().rss;
  peak = base;
  return { body: { base } };
});
app.get('/rss', () => ({ body: { growth: Math.max(peak, process.memoryUsage().rss) - base } }));
app.post('/echo', (req) => ({ body: { length: (req.body as Buffer).length } }));
app.upload('/upload', (files) => ({ body: { sizes: files.map((f) => f.size) } }));

new Server(app).run().then((server) => {
  console.log(JSON.stringify({ ready: server.port, pid: process.pid }));
});
