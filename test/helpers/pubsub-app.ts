// A krozen app run as a child process by the pub/sub tests (through ts-register.js): one server, or a cluster
// primary with WORKERS workers, on REDIS_URL when set. Prints `{"ready":port}` when listening.
// A WebSocket to /ws?topic=t subscribes to t and is greeted with {"pid":…}; POST /publish?topic=t publishes
// the body (application/octet-stream: binary; text/plain: text; JSON: a value); POST /burst?n= publishes
// {pid, seq} n times in one loop; GET /stats answers app.pubsub.stats(). /rt is a krozen.v1 endpoint.
// PORT, REUSE_PORT=1 (settings.reusePort). PRIMARY_PUBLISH_MS: the cluster primary publishes {"from":"primary","n":…} to 'news' at that interval.
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';

const app = createApp({
  port: Number(process.env.PORT ?? 0),
  workers: Number(process.env.WORKERS ?? 1),
  shutdownTimeout: 2000,
  redisUrl: process.env.REDIS_URL || undefined,
  redisPrefix: process.env.REDIS_PREFIX ?? 'krozen:',
  reusePort: process.env.REUSE_PORT === '1',
});

app.get('/pid', () => ({ body: { pid: process.pid } }));
// krozen.v1 at /rt: ["req", ref, "pid", null] answers the serving pid; topics under rec/ keep a history.
app.realtime('/rt', { recovery: ['rec/*'], requests: { pid: () => process.pid } });
app.get('/stats', () => ({ body: app.pubsub.stats() }));
app.post('/publish', (req) => ({
  body: { local: app.publish((req.query.topic as string | undefined) ?? 'news', req.body), pid: process.pid },
}));
// n publishes of {pid, seq} in one synchronous loop (order per publisher and topic).
app.post('/burst', (req) => {
  const n = Number(req.query.n ?? 10);
  for (let seq = 1; seq <= n; seq++)
    app.publish((req.query.topic as string | undefined) ?? 'news', { pid: process.pid, seq });
  return { body: { n } };
});
app.on('ws:connect', ({ ws }: { ws: { url: string; subscribe(topic: string): void; send(v: unknown): void } }) => {
  const topic = new URL(ws.url, 'http://x').searchParams.get('topic') ?? 'news';
  ws.subscribe(topic);
  ws.send({ pid: process.pid });
});

const isWorker = process.env.KROZEN_CLUSTER_WORKER === '1';
new Server(app).run().then(
  (server) => {
    if (isWorker) return; // the primary reports the shared port once every worker listens
    console.log(JSON.stringify({ ready: server.port, pid: process.pid }));
    const every = Number(process.env.PRIMARY_PUBLISH_MS ?? 0);
    let n = 0;
    if (every > 0) setInterval(() => app.publish('news', { from: 'primary', n: ++n }), every).unref();
  },
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
