// The uWebSockets.js peer: PORT=n node bench/servers/uws.mjs. Loaded from bench/.peers (installed on
// demand by the harness: npm install --prefix bench/.peers uwebsockets@3.0.6). GET /json, POST /echo,
// exact echo on /ws; BENCH_WS_MODE=publish: every connection subscribes to one topic and each message
// received is published to it with app.publish (sender included); see README.md. BENCH_TLS_KEY / BENCH_TLS_CERT:
// uWS.SSLApp with that key and certificate (uws-ssl: HTTPS and WSS).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../.peers/', import.meta.url));
const uWS = require('uwebsockets');

const port = Number(process.env.PORT ?? 8000);
const publish = process.env.BENCH_WS_MODE === 'publish';
const TOPIC = 'bench';

const tls = process.env.BENCH_TLS_KEY && process.env.BENCH_TLS_CERT;
const app = tls
  ? uWS.SSLApp({ key_file_name: process.env.BENCH_TLS_KEY, cert_file_name: process.env.BENCH_TLS_CERT })
  : uWS.App();
// The answer is serialized per request, as every other server here does (TechEmpower's rule for its JSON
// test); until 2026-12-07 this file sent a string made once at start, one JSON.stringify less per request.
app.get('/json', (res) => {
  const body = JSON.stringify({ message: 'Hello, World!' });
  res.cork(() => res.writeHeader('Content-Type', 'application/json').end(body));
});
app.post('/echo', (res) => {
  const chunks = [];
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the ArrayBuffer after the callback: copy
    if (!isLast || aborted) return;
    let body;
    try {
      body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      res.cork(() =>
        res
          .writeStatus('400 Bad Request')
          .writeHeader('Content-Type', 'application/json')
          .end('{"error":"Invalid JSON"}'),
      );
      return;
    }
    res.cork(() => res.writeHeader('Content-Type', 'application/json').end(body));
  });
});
app.ws('/ws', {
  compression: uWS.DISABLED,
  maxPayloadLength: 16 * 1024 * 1024,
  maxBackpressure: 64 * 1024 * 1024,
  idleTimeout: 0,
  open: (ws) => {
    if (publish) ws.subscribe(TOPIC);
  },
  message: publish
    ? (ws, message, isBinary) => {
        app.publish(TOPIC, message, isBinary);
      }
    : (ws, message, isBinary) => {
        ws.send(message, isBinary);
      },
});
app.any('/*', (res) => {
  res.cork(() =>
    res.writeStatus('404 Not Found').writeHeader('Content-Type', 'application/json').end('{"error":"Not found"}'),
  );
});
app.listen('127.0.0.1', port, (token) => {
  if (!token) {
    console.error(`uws: cannot listen on 127.0.0.1:${port}`);
    process.exit(1);
  }
  console.log(`uws listening on ${tls ? 'https' : 'http'}://127.0.0.1:${port} (pid ${process.pid})`);
});
