// A krozen app with settings.jsonBigInt on, run by test/json-bigint.test.ts under Node >= 22.
// Prints {"ready":port}. POST /echo answers the body it parsed and the type of body.ts.
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';

const app = createApp({ port: 0, jsonBigInt: true });
app.post('/echo', (req) => {
  const body = req.body as { ts?: unknown };
  return { body: { echo: body, type: typeof body.ts } };
});
app.get('/big', () => ({ body: { max: 2n ** 64n, neg: -(2n ** 70n), small: 1n, list: [12345678901234567890n] } }));
app.on('ws:connect', (ctx: { ws: { subscribe(topic: string): void } }) => ctx.ws.subscribe('ticks'));
app.on('ws:message', (ctx: { data: unknown; reply: unknown }) => {
  const data = ctx.data as { ts?: unknown; publish?: boolean; hubPublish?: boolean };
  if (data === undefined || typeof data.ts !== 'bigint') return;
  if (data.publish) app.publish('ticks', { published: data.ts });
  else if (data.hubPublish) app.wsHub.publish('ticks', { hub: data.ts });
  else ctx.reply = { echo: data, type: 'bigint' };
});

new Server(app).run().then((server) => console.log(JSON.stringify({ ready: server.port })));
