// npm start: the demo on http://127.0.0.1:8000 (PORT and DEMO_DEFLATE=1 change it).
const { Server } = require('../../dist/index.js');
const { createDemoApp } = require('./app.js');

const app = createDemoApp({
  port: Number(process.env.PORT ?? 8000),
  host: '127.0.0.1',
  wsPerMessageDeflate: process.env.DEMO_DEFLATE === '1',
});

new Server(app).run().then((server) => {
  const base = `http://127.0.0.1:${server.port}`;
  console.log(
    `krozen demo (pid ${process.pid}) — backends: ${JSON.stringify(require('../../dist/index.js').getBackends())}`,
  );
  console.log(`  chat page      ${base}/`);
  console.log(
    `  WebSocket      ws://127.0.0.1:${server.port}/chat/lobby (subprotocol chat.v1, after POST /api/session)`,
  );
  console.log(`  API            ${base}/api/rooms`);
  console.log(`  OpenAPI        ${base}/_internal/openapi.json`);
  console.log(`  health, info   ${base}/_internal/health  ${base}/_internal/info`);
  console.log('Ctrl-C stops it gracefully.');
});
