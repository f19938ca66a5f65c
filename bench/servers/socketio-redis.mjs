// socket.io 4 + @socket.io/redis-adapter (the ecosystem's reference for scaling out) for the ws-publish-redis
// suite: PORT=n REDIS_URL=redis://… PEERS=bench/.peers [RECOVERY=1] node bench/servers/socketio-redis.mjs
// WebSocket transport only, no compression. Every client joins the room 'bench' except the publisher
// (query pub=1); each 'pub' event is emitted to the room as 'msg', through the adapter to the other process,
// and acknowledged when the publisher asked for it. RECOVERY=1 turns on connectionStateRecovery (the suite's
// recovery run): socket.io's own feature, which the Redis adapter does not implement (socket.io-redis-adapter
// #532: its restoreSession() finds no session), so a reconnecting client is not restored.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(path.resolve(process.env.PEERS ?? 'bench/.peers'), 'node_modules', 'x.js'));
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');

const pubClient = createClient({ url: process.env.REDIS_URL });
const subClient = pubClient.duplicate();
await Promise.all([pubClient.connect(), subClient.connect()]);

const httpServer = http.createServer();
const recovery = process.env.RECOVERY === '1' ? { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } : {};
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  ...recovery,
});
io.adapter(createAdapter(pubClient, subClient));
io.on('connection', (socket) => {
  if (socket.handshake.query.pub === '1')
    socket.on('pub', (payload, ack) => {
      io.to('bench').emit('msg', payload);
      if (typeof ack === 'function') ack();
    });
  else if (!socket.recovered) socket.join('bench');
});
httpServer.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  console.log(
    `socket.io (Redis adapter) listening on http://127.0.0.1:${httpServer.address().port} (pid ${process.pid})`,
  );
});
