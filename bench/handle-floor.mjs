// Node's own memory per idle TCP connection, the floor under any Node server's figure: a listener that keeps
// each accepted TCP handle reading into one shared buffer and holds no other object per connection (no
// net.Socket, no request state). Prints RSS and V8 heap growth per connection for N connections held by a
// client process. Compare with `npm run bench -- ws-idle` / http-get's idle keep-alive column:
//   node bench/handle-floor.mjs [--n 10000]
import { fork } from 'node:child_process';
import net from 'node:net';
import v8 from 'node:v8';
import { parseArgs } from 'node:util';

if (process.argv[2] === '--client') {
  const [, , , port, n] = process.argv;
  const sockets = [];
  let open = 0;
  for (let i = 0; i < +n; i++) {
    const socket = net.connect(+port, '127.0.0.1', () => ++open === +n && process.send('open'));
    socket.on('error', () => {});
    sockets.push(socket);
  }
} else {
  const { values } = parseArgs({ options: { n: { type: 'string', default: '10000' } } });
  const n = Number(values.n);
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const handles = [];
  const shared = Buffer.alloc(64 * 1024);
  // Node-internal: the listener's handle gives each accepted connection's handle to onconnection.
  server._handle.onconnection = (err, handle) => {
    if (err || handle === undefined) return;
    handles.push(handle);
    handle.useUserBuffer(shared);
    handle.onread = () => undefined;
    handle.readStart();
  };
  const spaces = () =>
    Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]));
  const before = { rss: process.memoryUsage().rss, spaces: spaces() };
  const client = fork(new URL(import.meta.url).pathname, ['--client', String(server.address().port), String(n)]);
  await new Promise((resolve) => client.once('message', resolve));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = { rss: process.memoryUsage().rss, spaces: spaces() };
  const heap = Object.keys(after.spaces).reduce((sum, k) => sum + after.spaces[k] - (before.spaces[k] ?? 0), 0);
  const perConn = (bytes) => `${(bytes / handles.length).toFixed(0)} B`;
  console.log(
    `${handles.length} idle TCP handles (Node ${process.versions.node}): RSS ${perConn(after.rss - before.rss)}/connection, ` +
      `of which V8 heap pages ${perConn(heap)}, the rest native (the handle's C++ side, libuv, malloc)`,
  );
  client.kill();
  for (const h of handles) h.close();
  server.close();
}
