// The server the attack measurements (bench/attacks.mjs) aim at: PORT=n TRANSPORT=krozen|node node
// bench/attacks/target.mjs. GET /health, GET /100k, GET /big (5 MB streamed), POST /echo; settings from the
// environment (MAX_CONNECTIONS, MAX_HEADER_SIZE, SEND_TIMEOUT), else krozen's defaults.
import { Readable } from 'node:stream';
import krozen from '../../dist/index.js';

const { createApp, Server } = krozen;
const env = process.env;
const overrides = {};
if (env.MAX_CONNECTIONS) overrides.maxConnections = Number(env.MAX_CONNECTIONS);
if (env.MAX_HEADER_SIZE) overrides.maxHeaderSize = Number(env.MAX_HEADER_SIZE);
if (env.SEND_TIMEOUT) overrides.sendTimeout = Number(env.SEND_TIMEOUT);
const app = createApp({
  port: Number(env.PORT ?? 8000),
  host: '127.0.0.1',
  transport: env.TRANSPORT ?? 'krozen',
  ...overrides,
});

const hundredK = Buffer.alloc(100 * 1024, 0x61);
app.get('/health', () => ({ body: { ok: true } }));
app.get('/100k', () => ({ body: hundredK, headers: { 'content-type': 'application/octet-stream' } }));
app.get('/big', () => {
  let left = 5 * 1024 * 1024;
  const body = new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      left -= 64 * 1024;
      this.push(Buffer.alloc(64 * 1024, 0x62));
    },
  });
  return { body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(5 * 1024 * 1024) } };
});
// Open connections as the transport counts them (the attack tool's own two included).
app.get(
  '/connections',
  () =>
    new Promise((resolve) => {
      server.transport.server.getConnections((err, n) => resolve({ body: { open: err ? -1 : n } }));
    }),
);
app.post('/echo', (req) => ({ body: { length: typeof req.body === 'string' ? req.body.length : 0 } }));

const server = await new Server(app).run();
console.log(`attack target (${env.TRANSPORT ?? 'krozen'}) on ${server.port} (pid ${process.pid})`);
