// The server the HTTP attackers (./http-attackers.ts) run against, as a child process (./child.ts's startChild
// with this script): short timeouts so a case ends in seconds, the attackers' routes (./attack-routes.js:
// big, slow and streamed answers in a known byte pattern, a body sink), and GET /memory
// (process.memoryUsage, no GC: cheap enough to sample while an attack runs).
// Env: KROZEN_TRANSPORT, SEND_TIMEOUT, HEADERS_TIMEOUT (ms), MAX_BODY (bytes).
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import { addAttackRoutes } from './attack-routes';

const app = createApp({
  port: 0,
  host: '127.0.0.1',
  sendTimeout: Number(process.env.SEND_TIMEOUT ?? 1000),
  headersTimeout: Number(process.env.HEADERS_TIMEOUT ?? 1000),
  maxBodySize: Number(process.env.MAX_BODY ?? 1024 * 1024),
  shutdownTimeout: 500,
});

app.get('/pid', () => ({ body: { pid: process.pid } }));
addAttackRoutes(app);
app.get('/memory', () => ({ body: process.memoryUsage() }));

new Server(app).run().then((server) => {
  console.log(JSON.stringify({ ready: server.port, pid: process.pid }));
});
