// fastify 5 with the same routes as the other servers. PORT=n node bench/servers/fastify.mjs
// Logging off (fastify's default); the response schema lets fastify compile its serializer.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 8000);
// BENCH_HTTP2=h2c: fastify on http2.createServer (cleartext HTTP/2, the http2-get suite).
const app = Fastify({ logger: false, http2: process.env.BENCH_HTTP2 === 'h2c' });

app.get(
  '/json',
  {
    schema: { response: { 200: { type: 'object', properties: { message: { type: 'string' } } } } },
  },
  async () => ({ message: 'Hello, World!' }),
);
app.post('/echo', async (req) => req.body);

await app.listen({ port, host: '127.0.0.1' });
console.log(`fastify listening on http://127.0.0.1:${app.server.address().port} (pid ${process.pid})`);
