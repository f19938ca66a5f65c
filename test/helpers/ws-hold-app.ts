// A krozen server (run as a child process by test/ws/queue-bytes.test.ts) whose ws:message or ws:connect
// hook awaits until GET /release: messages pile up behind it. GET /memory reports this process's memory.
// Env: HOLD=message|connect, WS_MAX_QUEUED_BYTES. Each message's first 4 bytes are its sequence number;
// the reply is "seq:length:last byte" so the client can check order, size and content.
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import { laneSettings } from './tls-lane';

const hold = process.env.HOLD ?? 'message';
// laneSettings: HTTPS and WSS in the TLS lane (the parent passes its certificate, test/helpers/child.ts).
const app = createApp(
  laneSettings({
    port: 0,
    wsMaxPayload: 16 * 1024 * 1024,
    ...(process.env.WS_MAX_QUEUED_BYTES ? { wsMaxQueuedBytes: Number(process.env.WS_MAX_QUEUED_BYTES) } : {}),
  }),
);

let release: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (release = resolve));
let received = 0;

app.get('/memory', () => ({ body: { ...process.memoryUsage(), received } }));
app.get('/release', () => {
  release();
  return { body: { released: true } };
});
if (hold === 'connect') app.on('ws:connect', () => gate);
app.on('ws:message', async (ctx) => {
  received++;
  const payload = ctx.payload;
  if (hold === 'message') await gate;
  ctx.reply = `${payload.readUInt32BE(0)}:${payload.length}:${payload[payload.length - 1]}`;
  ctx.stop = true;
});

new Server(app).run().then((server) => console.log(JSON.stringify({ ready: server.port, pid: process.pid })));
