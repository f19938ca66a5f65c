// krozen for the ws-publish-redis suite: PORT=n REDIS_URL=redis://… node bench/servers/krozen-redis.mjs
// Every connection to /ws subscribes to 'bench' except the publisher (/ws?pub); each message the publisher
// sends is published to 'bench' through Redis (app.publish), reaching the other server process too.
import krozen from '../../dist/index.js';

const { createApp, Server } = krozen;
const app = createApp({
  port: Number(process.env.PORT ?? 8000),
  host: '127.0.0.1',
  redisUrl: process.env.REDIS_URL,
  wsIdleTimeout: 0,
});
app.on('ws:connect', ({ ws }) => {
  if (!ws.url.includes('pub')) ws.subscribe('bench');
});
app.on('ws:message', (ctx) => {
  app.publish('bench', ctx.raw);
  ctx.stop = true;
});

const server = await new Server(app).run();
console.log(`krozen (Redis) listening on http://127.0.0.1:${server.port} (pid ${process.pid})`);
