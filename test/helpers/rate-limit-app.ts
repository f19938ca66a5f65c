// A krozen app run as a child process by the Redis rate-limit test (through ts-register.js): rateLimit() on a
// redisStore at REDIS_URL, LIMIT requests per WINDOW_MS under REDIS_PREFIX. Prints `{"ready":port}`.
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import { rateLimit } from '../../lib/features/rate-limit';
import { redisStore } from '../../lib/features/rate-limit-redis';

const app = createApp({ port: 0, shutdownTimeout: 2000, logger: { error() {}, warn() {}, info() {}, debug() {} } });
app.plugin(
  rateLimit({
    limit: Number(process.env.LIMIT ?? 4),
    windowMs: Number(process.env.WINDOW_MS ?? 60_000),
    store: redisStore({ url: process.env.REDIS_URL, prefix: process.env.REDIS_PREFIX ?? 'krozen:rl:' }),
  }),
);
app.get('/pid', () => ({ body: { pid: process.pid } }));

new Server(app).run().then(
  (server) => console.log(JSON.stringify({ ready: server.port, pid: process.pid })),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
