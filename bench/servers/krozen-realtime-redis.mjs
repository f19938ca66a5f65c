// krozen's real-time endpoint for the ws-publish-redis suite:
//   PORT=n REDIS_URL=redis://… [RECOVERY=1] node bench/servers/krozen-realtime-redis.mjs
// app.realtime('/rt') speaks krozen.v1 (docs/realtime-protocol.md): clients subscribe with ["sub",1,"bench"]
// and get ["m","bench",<data>]; the publisher sends ["pub",0,"bench",<data>], published through Redis to every
// process (canPublish lets anyone: a benchmark, not an app). RECOVERY=1 keeps the topic's history in a Redis
// Stream (recovery: ['bench']) for the suite's recovery run; RECOVERY_MAX_MESSAGES bounds it (default
// 10,000 here: the setting's own default, 1,000, holds one second at the run's 1,000 msg/s, less than its cut).
import krozen from '../../dist/index.js';

const { createApp, Server } = krozen;
const recovery = process.env.RECOVERY === '1';
const app = createApp({
  port: Number(process.env.PORT ?? 8000),
  host: '127.0.0.1',
  redisUrl: process.env.REDIS_URL,
  wsIdleTimeout: 0,
  ...(recovery ? { recoveryMaxMessages: Number(process.env.RECOVERY_MAX_MESSAGES ?? 10_000) } : {}),
});
app.realtime('/rt', { canPublish: () => true, recovery: recovery ? ['bench'] : false });

const server = await new Server(app).run();
console.log(`krozen realtime (Redis) listening on http://127.0.0.1:${server.port} (pid ${process.pid})`);
