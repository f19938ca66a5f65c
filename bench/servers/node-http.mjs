// The HTTP baseline: a bare node:http handler. PORT=n node bench/servers/node-http.mjs
// GET /json → {"message":"Hello, World!"}; POST /echo → the JSON body back (parsed and re-encoded,
// as a framework does). 127.0.0.1 only. With BENCH_TLS_KEY / BENCH_TLS_CERT: the same handler on
// node:https (node-https, the HTTPS baseline).
import http from 'node:http';
import https from 'node:https';
import { tlsFromEnv } from '../lib/tls.mjs';

const port = Number(process.env.PORT ?? 8000);

const tls = tlsFromEnv();
const handler = (req, res) => {
  if (req.method === 'GET' && req.url === '/json') {
    const body = JSON.stringify({ message: 'Hello, World!' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (req.method === 'POST' && req.url === '/echo') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let value;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":"Invalid JSON"}');
        return;
      }
      const body = JSON.stringify(value);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":"Not Found"}');
};
const server = tls ? https.createServer(tls, handler) : http.createServer(handler);

server.listen(port, '127.0.0.1', () => {
  const scheme = tls ? 'https' : 'http';
  console.log(`node:${scheme} listening on ${scheme}://127.0.0.1:${server.address().port} (pid ${process.pid})`);
});
