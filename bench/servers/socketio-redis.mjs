// socket.io 4 + @socket.io/redis-adapter (the ecosystem's reference for scaling out) for the ws-publish-redis
// suite: PORT=n REDIS_URL=redis://… PEERS=bench/.peers node bench/servers/socketio-redis.mjs
// WebSocket transport only, no compression. Every client joins the room 'bench' except the publisher
// (query pub=1); each 'pub' event is emitted to the room as 'msg', through the adapter to the other process.
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
const io = new Server(httpServer, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.adapter(createAdapter(pubClient, subClient));
io.on('connection', (socket) => {
  if (socket.handshake.query.pub === '1') socket.on('pub', (payload) => io.to('bench').emit('msg', payload));
  else socket.join('bench');
});
httpServer.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  console.log(
    `socket.io (Redis adapter) listening on http://127.0.0.1:${httpServer.address().port} (pid ${process.pid})`,
  );
});
