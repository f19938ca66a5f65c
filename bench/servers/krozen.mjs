// The krozen server under benchmark: PORT=n node bench/servers/krozen.mjs
// GET /json, POST /echo (JSON body back), /_internal/*, and an exact WebSocket echo at /ws.
// KROZEN_NO_NATIVE=1 runs it on the JS twins.
import krozen from '../../dist/index.js';

const { createApp, Server } = krozen;
const app = createApp({ port: Number(process.env.PORT ?? 8000), host: '127.0.0.1' });

app.get('/json', () => ({ body: { message: 'Hello, World!' } }));
app.post('/echo', (req) => ({ body: req.body }));
// Exact echo: text as text, binary as binary, nothing else.
app.on('ws:message', (ctx) => { ctx.reply = ctx.raw; ctx.stop = true; });

const server = await new Server(app).run();
console.log(`krozen listening on http://127.0.0.1:${server.port} (pid ${process.pid})`);

// ---- bench harness block (ws-publish suite; see bench/servers/README.md) ----
// BENCH_WS_MODE=publish: every connection subscribes to 'bench'; every message is published to all of them
// (sender included) instead of echoed. The echo hook above stops the chain, so this hook goes first.
if (process.env.BENCH_WS_MODE === 'publish') {
  app.on('ws:connect', ({ ws }) => { ws.subscribe('bench'); });
  const publishHook = (ctx) => { app.publish('bench', ctx.raw); ctx.stop = true; };
  app.hooks.on('ws:message', publishHook);
  const chain = app.hooks.get('ws:message');
  chain.unshift(chain.pop()); // move it before the echo hook
}
