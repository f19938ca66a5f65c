// The `ws` peer: PORT=n node bench/servers/ws.mjs (bufferutil is used when installed; WS_NO_BUFFER_UTIL=1
// runs ws's JS masking). GET /json and POST /echo on a bare node:http handler; exact echo on /ws.
// BENCH_WS_MODE=publish: every connection is a subscriber and each message received is sent to all
// connections (sender included) by a loop of send(); see README.md. BENCH_TLS_KEY / BENCH_TLS_CERT: the same on
// node:https, WebSocket over wss:// (ws-tls).
import http from 'node:http';
import https from 'node:https';
import { WebSocketServer } from 'ws';
import { tlsFromEnv } from '../lib/tls.mjs';

const port = Number(process.env.PORT ?? 8000);
const publish = process.env.BENCH_WS_MODE === 'publish';

const tls = tlsFromEnv();
const handler = (req, res) => {
  if (req.method === 'GET' && req.url === '/json') {
    // Serialized per request, as every server here does (see uws.mjs).
    const body = JSON.stringify({ message: 'Hello, World!' });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  } else if (req.method === 'POST' && req.url === '/echo') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body;
      try {
        body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        res.end('{"error":"Invalid JSON"}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  } else {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"error":"Not found"}');
  }
};
const server = tls ? https.createServer(tls, handler) : http.createServer(handler);

const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  if (publish) {
    ws.on('message', (data, isBinary) => {
      for (const client of wss.clients) client.send(data, { binary: isBinary });
    });
  } else {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`ws listening on ${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port} (pid ${process.pid})`);
});
