// A krozen app run as a child process by the server and cluster tests (through ts-register.js).
// It prints one JSON line `{"ready":port}` when listening, and logs its hooks as JSON lines.
// Env: WORKERS (settings.workers), SHUTDOWN_TIMEOUT (ms), HANDLE_SIGNALS=0 (settings.handleSignals false: the
// app's own SIGTERM handler prints {"appSignal"}, stops the server, prints {"stopped"} and keeps running).
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';
import { laneSettings } from './tls-lane';

// laneSettings: HTTPS and WSS in the TLS lane (the parent passes its certificate, test/helpers/child.ts).
const app = createApp(
  laneSettings({
    port: 0,
    workers: Number(process.env.WORKERS ?? 1),
    shutdownTimeout: Number(process.env.SHUTDOWN_TIMEOUT ?? 5000),
    handleSignals: process.env.HANDLE_SIGNALS !== '0',
  }),
);

app.get('/pid', () => ({ body: { pid: process.pid } }));
app.get('/slow', async (req) => {
  await new Promise((resolve) => setTimeout(resolve, Number(req.query.ms ?? 500)));
  return { body: { slow: true, pid: process.pid } };
});
app.get('/crash', () => {
  setImmediate(() => process.exit(3));
  return { body: { crashing: process.pid } };
});
app.post('/publish', (req) => ({ body: { local: app.publish('news', req.body) } }));
app.on('server:start', () => console.log(JSON.stringify({ hook: 'server:start', pid: process.pid })));
app.on('server:stop', () => console.log(JSON.stringify({ hook: 'server:stop', pid: process.pid })));
app.on('ws:connect', ({ ws }: { ws: { subscribe(topic: string): void; send(v: unknown): void } }) => {
  ws.subscribe('news');
  ws.send({ pid: process.pid });
});

new Server(app).run().then((server) => {
  if (process.env.HANDLE_SIGNALS === '0') {
    process.on('SIGTERM', () => {
      console.log(JSON.stringify({ appSignal: 'SIGTERM', pid: process.pid }));
      setInterval(() => undefined, 1000); // the app decides when to exit: here, never
      void server.stop().then(() => console.log(JSON.stringify({ stopped: true, pid: process.pid })));
    });
  }
  // Workers print nothing: the primary reports the shared port once every worker listens.
  if (process.env.KROZEN_CLUSTER_WORKER !== '1') console.log(JSON.stringify({ ready: server.port, pid: process.pid }));
});
