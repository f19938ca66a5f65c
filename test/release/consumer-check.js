// Run inside a consumer project that installed the krozen tarball (node consumer-check.js <path of ws>), on
// x64 and on the arm64 Node under qemu: prints JSON with getBackends(), and the result of a WebSocket
// echo (a text message and a 256 KiB masked binary one, long enough for the native unmask kernel).
'use strict';
const { createApp, Server, getBackends } = require('krozen');
const WsClient = require(process.argv[2]);

async function main() {
  const app = createApp({ port: 0, host: '127.0.0.1' });
  app.on('ws:message', (ctx) => {
    ctx.reply = ctx.raw;
    ctx.stop = true;
  });
  const server = await new Server(app).run();
  const ws = new WsClient(`ws://127.0.0.1:${server.port}/ws`);
  const replies = [];
  const done = new Promise((resolve, reject) => {
    ws.on('message', (data, binary) => {
      replies.push({ data: Buffer.from(data), binary });
      if (replies.length === 2) resolve();
    });
    ws.on('error', reject);
    setTimeout(() => reject(new Error('no echo within 60 s')), 60_000).unref();
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const blob = Buffer.alloc(256 * 1024);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 31 + 7) & 255;
  ws.send('hello from ' + process.arch);
  ws.send(blob);
  await done;
  ws.close();
  await server.stop();
  console.log(
    JSON.stringify({
      arch: process.arch,
      resolved: require.resolve('krozen'),
      node: process.version,
      backends: getBackends(),
      text: replies[0].binary ? null : replies[0].data.toString(),
      binaryEcho: replies[1].binary && replies[1].data.equals(blob),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
