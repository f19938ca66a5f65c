// A consumer's TypeScript, type-checked by test/types/hook-types.test.ts (never run, and left out of
// `npm run typecheck`). Lines marked `// ts-error` must fail tsc; every other line must pass.
import { createApp, on } from '../../lib';

const app = createApp();

// Right names and right fields compile.
app.on('ws:message', (ctx) => {
  ctx.reply = { echo: ctx.data, from: ctx.ws.remoteAddress };
  ctx.stop = true;
});
app.on('ws:connect', ({ ws }) => ws.subscribe('news'));
app.on('ws:disconnect', ({ code, reason }) => console.log(code, reason));
app.on('http:get', ({ req, res }) => {
  res.headers['x-path'] = req.path;
});
app.on('server:start', ({ server }) => console.log(server.port));
on('error', ({ error }) => console.error(error));

// A misspelt event name fails.
app.on('ws:mesage', (ctx) => console.log(ctx)); // ts-error
on('http:gett', () => undefined); // ts-error
// A field the context does not have fails.
app.on('ws:message', (ctx) => console.log(ctx.request)); // ts-error
app.on('ws:connect', (ctx) => ctx.reply); // ts-error
// A field of the wrong type fails.
app.on('ws:disconnect', (ctx) => ctx.code.toUpperCase()); // ts-error
