// The server under soak (run by bench/soak.mjs in its own process, with --expose-gc): krozen from dist/,
// an exact WebSocket echo, `{"sub":topic}` subscribes, POST /publish publishes, GET /stats reports memory
// after a full GC so the soak can tell growth from garbage. The HTTP attackers' routes too
// (test/helpers/http-attackers.ts; the same as test/helpers/attack-app.ts): GET /bytes, /stream and /slow
// answer pattern bytes (whole, streamed, late), POST /sink counts a body. Env: SOAK_IDLE_MS,
// SOAK_SEND_TIMEOUT (settings.sendTimeout, ms), SOAK_HEADERS_TIMEOUT (ms).
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { createApp, Server } = require(path.join(root, 'dist', 'index.js'));
// The attackers' byte pattern comes from the test helper that checks it (TypeScript, stripped on require).
require(path.join(root, 'test', 'helpers', 'ts-register.js'));
const { patternBytes } = require(path.join(root, 'test', 'helpers', 'response-stream.ts'));

const app = createApp({
  port: 0,
  wsIdleTimeout: Number(process.env.SOAK_IDLE_MS ?? 5000),
  wsMaxBackpressure: 64 * 1024,
  wsBackpressurePolicy: 'drop',
  headersTimeout: Number(process.env.SOAK_HEADERS_TIMEOUT ?? 5000),
  sendTimeout: Number(process.env.SOAK_SEND_TIMEOUT ?? 5000),
  requestTimeout: 10000,
  keepAliveTimeout: 10000,
});
app.on('ws:message', (ctx) => {
  const raw = ctx.raw;
  if (typeof raw === 'string' && raw.startsWith('{"sub":')) {
    ctx.ws.subscribe(JSON.parse(raw).sub);
    ctx.reply = '{"subscribed":true}';
  } else {
    ctx.reply = raw;
  }
  ctx.stop = true;
});
app.get('/json', () => ({ body: { hello: 'world' } }));
app.post('/echo', (req) => ({ body: req.body }));
app.post('/publish', (req) => ({ body: { delivered: app.publish(req.body.topic, req.body.message) } }));
const size = (q, fallback) => Math.max(0, Math.min(Number(q ?? fallback) || 0, 1 << 30));
const octets = { 'content-type': 'application/octet-stream' };
app.get('/bytes', (req) => ({ body: patternBytes(0, size(req.query.n, 65536)), headers: octets }));
app.get('/stream', (req) => {
  const total = size(req.query.n, 1 << 20);
  let at = 0;
  const body = new Readable({
    read() {
      if (at >= total) return void this.push(null);
      const n = Math.min(65536, total - at);
      this.push(patternBytes(at, n));
      at += n;
    },
  });
  return { body, headers: octets };
});
app.get('/slow', async (req) => {
  await new Promise((resolve) => setTimeout(resolve, size(req.query.ms, 500)));
  return { body: patternBytes(0, size(req.query.n, 1024)), headers: octets };
});
app.post('/sink', (req) => {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from(JSON.stringify(req.body ?? ''));
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum = (sum + body[i]) >>> 0;
  return { body: { bytes: body.length, sum } };
});
app.get('/stats', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  const m = process.memoryUsage();
  return { body: { rss: m.rss, heapUsed: m.heapUsed, external: m.external, connections: app.wsHub.size } };
});

const server = await new Server(app).run();
process.stdout.write(JSON.stringify({ ready: server.port }) + '\n');
