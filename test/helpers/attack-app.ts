// The server the HTTP attackers (./http-attackers.ts) run against, as a child process (./child.ts's startChild
// with this script): short timeouts so a case ends in seconds, and routes that make big, slow and streamed
// answers with a known byte pattern (./response-stream.ts checks it), a body sink, and GET /memory
// (process.memoryUsage, no GC: cheap enough to sample while an attack runs).
// Env: KROZEN_TRANSPORT, SEND_TIMEOUT, HEADERS_TIMEOUT (ms), MAX_BODY (bytes).
import { Readable } from 'node:stream';
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import { patternBytes } from './response-stream';

const app = createApp({
  port: 0,
  host: '127.0.0.1',
  sendTimeout: Number(process.env.SEND_TIMEOUT ?? 1000),
  headersTimeout: Number(process.env.HEADERS_TIMEOUT ?? 1000),
  maxBodySize: Number(process.env.MAX_BODY ?? 1024 * 1024),
  shutdownTimeout: 500,
});

const size = (q: unknown, fallback: number): number => Math.max(0, Math.min(Number(q ?? fallback) || 0, 1 << 30));

app.get('/pid', () => ({ body: { pid: process.pid } }));
/** n pattern bytes as one buffer (content-length). */
app.get('/bytes', (req) => ({ body: patternBytes(0, size(req.query.n, 65536)), headers: { 'content-type': 'application/octet-stream' } }));
/** n pattern bytes streamed (chunked), 64 KiB at a time, honouring backpressure. */
app.get('/stream', (req) => {
  const total = size(req.query.n, 1 << 20);
  let at = 0;
  const body = new Readable({
    read() {
      if (at >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(65536, total - at);
      this.push(patternBytes(at, n));
      at += n;
    },
  });
  return { body, headers: { 'content-type': 'application/octet-stream' } };
});
/** n pattern bytes after ms milliseconds. */
app.get('/slow', async (req) => {
  await new Promise((resolve) => setTimeout(resolve, size(req.query.ms, 500)));
  return { body: patternBytes(0, size(req.query.n, 1024)), headers: { 'content-type': 'application/octet-stream' } };
});
/** Any body: its length and a byte sum (the pipeline has read it whole, within maxBodySize). */
app.post('/sink', (req) => {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body ?? ''));
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum = (sum + body[i]) >>> 0;
  return { body: { bytes: body.length, sum } };
});
app.get('/memory', () => ({ body: process.memoryUsage() }));

new Server(app).run().then((server) => {
  console.log(JSON.stringify({ ready: server.port, pid: process.pid }));
});
