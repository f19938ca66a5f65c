// After a WebSocket upgrade the krozen transport lets go of the socket's HTTP connection: the socket keeps no
// reference to it (it held one for the WebSocket's whole life, ~0.5 KB per idle connection), and an upgraded
// socket's close does not reach the released connection.
import { Socket } from 'node:net';
import WebSocket from 'ws';
import { getBackends } from '../../lib/diagnostics';
import { createApp, Server } from '../../lib';
import { CONNECTION } from '../../lib/transport/krozen/server';
import { sessionOfWs } from '../../lib/ws/session';
import type { WebSocket as ServerWebSocket } from '../../lib/ws';
import { wsBase, httpBase, laneSettings } from '../helpers/tls-lane';

test('an upgraded socket no longer holds its HTTP connection; HTTP sockets do until they close', async () => {
  const app = createApp(laneSettings({ port: 0, host: '127.0.0.1', transport: 'krozen' }));
  const opened: ServerWebSocket[] = [];
  app.on('ws:connect', ({ ws }) => void opened.push(ws));
  app.on('ws:message', (ctx) => {
    ctx.reply = ctx.raw;
    ctx.stop = true;
  });
  app.get('/x', () => ({ body: { ok: true } }));
  const server = await new Server(app).run();
  try {
    const client = new WebSocket(`${wsBase(server.port)}/ws`);
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    client.send('ping');
    const echoed = await new Promise<string>((resolve) => client.once('message', (d) => resolve(String(d))));
    expect(echoed).toBe('ping');
    expect(opened).toHaveLength(1);
    const socket = sessionOfWs(opened[0]).socket as unknown as Record<symbol, unknown>;
    if (socket instanceof Socket) {
      // On its net.Socket (TLS, KROZEN_RAW_SOCKET=0, stream reads): the socket keeps no connection.
      expect(CONNECTION in socket).toBe(true);
      expect(socket[CONNECTION]).toBeNull();
    } else {
      // On its handle (lib/transport/raw-socket.ts): the net.Socket, and with it the connection, is gone.
      expect(getBackends('krozen').wsSocket).toBe('handle');
      expect(CONNECTION in socket).toBe(false);
      expect(Object.values(socket).some((v) => v instanceof Socket)).toBe(false);
    }
    const closed = new Promise((resolve) => client.once('close', resolve));
    client.close(1000);
    await closed;
    // The HTTP path still works beside it.
    const res = await fetch(`${httpBase(server.port)}/x`);
    expect(await res.json()).toEqual({ ok: true });
  } finally {
    await server.stop();
  }
});
