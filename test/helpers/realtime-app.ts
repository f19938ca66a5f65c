// A krozen.v1 server run as a child process by the recovery tests (through ts-register.js): app.realtime('/rt')
// with recovery on `feed`, on REDIS_URL when set. Prints `{"ready":port}` when listening.
// PORT (0: any), REDIS_PREFIX, RECOVERY_MAX (settings.recoveryMaxMessages), ORIGINS (page origins, comma-separated). GET /stats answers
// app.pubsub.stats() plus the endpoint's; POST /terminate cuts every krozen.v1 connection without a close frame.
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import { laneSettings } from './tls-lane';

// In the TLS lane (KROZEN_TEST_TLS=1, passed on by child.ts) it serves wss with the lane's certificate.
const app = createApp(
  laneSettings({
    port: Number(process.env.PORT ?? 0),
    host: '127.0.0.1',
    shutdownTimeout: 2000,
    redisUrl: process.env.REDIS_URL || undefined,
    redisPrefix: process.env.REDIS_PREFIX ?? 'krozen:',
    recoveryMaxMessages: Number(process.env.RECOVERY_MAX ?? 1000),
  }),
);

const origins = process.env.ORIGINS ? process.env.ORIGINS.split(',') : undefined;
const rt = app.realtime('/rt', { recovery: ['feed'], origins, requests: { pid: () => process.pid } });
app.get('/stats', () => ({ body: { pubsub: app.pubsub.stats(), realtime: rt.stats() } }));
app.post('/terminate', () => {
  const conns = rt.connections;
  for (const ws of conns) ws.terminate();
  return { body: { terminated: conns.length } };
});

new Server(app).run().then(
  (server) => console.log(JSON.stringify({ ready: server.port, pid: process.pid })),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
