// fastify 5 with the same routes as the other servers. PORT=n node bench/servers/fastify.mjs
// Logging off (fastify's default); the response schema lets fastify compile its serializer.
import Fastify from 'fastify';
import { tlsFromEnv } from '../lib/tls.mjs';

const port = Number(process.env.PORT ?? 8000);
// BENCH_TLS_KEY / BENCH_TLS_CERT: HTTPS (fastify-https). BENCH_HTTP2=h2c: fastify on http2.createServer
// (cleartext HTTP/2, the http2-get suite); h2 (with the certificate): http2.createSecureServer (fastify-h2).
const https = tlsFromEnv();
const http2 = process.env.BENCH_HTTP2 === 'h2c' || process.env.BENCH_HTTP2 === 'h2';
const app = Fastify({ logger: false, http2, ...(https ? { https } : {}) });

app.get(
  '/json',
  {
    schema: { response: { 200: { type: 'object', properties: { message: { type: 'string' } } } } },
  },
  async () => ({ message: 'Hello, World!' }),
);
app.post('/echo', async (req) => req.body);

await app.listen({ port, host: '127.0.0.1' });
console.log(
  `fastify listening on ${https ? 'https' : 'http'}://127.0.0.1:${app.server.address().port} (pid ${process.pid})`,
);
