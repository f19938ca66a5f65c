// The server under soak (run by bench/soak.mjs in its own process, with --expose-gc): krozen from dist/,
// an exact WebSocket echo, `{"sub":topic}` subscribes, POST /publish publishes, GET /stats reports memory
// after a full GC so the soak can tell growth from garbage; the HTTP attackers' routes
// (test/helpers/attack-routes.js). Env: SOAK_IDLE_MS, SOAK_SEND_TIMEOUT (settings.sendTimeout, ms),
// SOAK_HEADERS_TIMEOUT (ms).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { createApp, Server } = require(path.join(root, 'dist', 'index.js'));
// The attackers' routes (plain JS: no TypeScript hook in the process whose memory is measured).
const { addAttackRoutes } = require(path.join(root, 'test', 'helpers', 'attack-routes.js'));

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
addAttackRoutes(app);
app.get('/stats', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  const m = process.memoryUsage();
  return { body: { rss: m.rss, heapUsed: m.heapUsed, external: m.external, connections: app.wsHub.size } };
});

const server = await new Server(app).run();
process.stdout.write(JSON.stringify({ ready: server.port }) + '\n');
