// The krozen server under benchmark: PORT=n node bench/servers/krozen.mjs
// GET /json, GET /json-schema (the same answer, written by the serializer its response schema compiles to),
// POST /echo (JSON body back), /_internal/*, and an exact WebSocket echo at /ws.
// KROZEN_NO_NATIVE=1 runs it on the JS twins.
import krozen from '../../dist/index.js';
import { tlsFromEnv } from '../lib/tls.mjs';

const { createApp, Server } = krozen;
// WORKERS=n (settings.workers) and REUSE_PORT=1 (settings.reusePort) for the workers suite;
// BENCH_METRICS=1 turns settings.metrics on (node bench/callgrind.mjs --metrics measures its cost).
const app = createApp({
  port: Number(process.env.PORT ?? 8000),
  host: '127.0.0.1',
  workers: Number(process.env.WORKERS ?? 1),
  reusePort: process.env.REUSE_PORT === '1',
  metrics: process.env.BENCH_METRICS === '1',
  // BENCH_TLS_KEY / BENCH_TLS_CERT: HTTPS and WSS with the harness's certificate (bench/lib/tls.mjs).
  tls: tlsFromEnv(),
  // BENCH_HTTP2=h2c: cleartext HTTP/2 (the http2-get suite); h2: HTTP/2 over TLS by ALPN (http2-get-tls).
  http2: process.env.BENCH_HTTP2 === 'h2c' ? 'h2c' : process.env.BENCH_HTTP2 === 'h2',
});

app.get('/json', () => ({ body: { message: 'Hello, World!' } }));
// The http-get-schema suite's second row (server krozen-schema): the message schema of bench/lib/serializer-cases.mjs.
app.get('/json-schema', () => ({ body: { message: 'Hello, World!' } }), {
  schema: {
    response: { 200: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
  },
});
app.post('/echo', (req) => ({ body: req.body }));
if (process.env.BENCH_WS_MODE === 'publish') {
  // ws-publish suite (bench/servers/README.md): every connection subscribes to 'bench'; every message is
  // published to all of them (sender included) instead of echoed.
  app.on('ws:connect', ({ ws }) => {
    ws.subscribe('bench');
  });
  app.on('ws:message', (ctx) => {
    app.publish('bench', ctx.raw);
    ctx.stop = true;
  });
} else {
  // Exact echo: text as text, binary as binary, nothing else.
  app.on('ws:message', (ctx) => {
    ctx.reply = ctx.raw;
    ctx.stop = true;
  });
}

const server = await new Server(app).run();
console.log(`krozen listening on ${tlsFromEnv() ? 'https' : 'http'}://127.0.0.1:${server.port} (pid ${process.pid})`);
