// The benchmark suites: what load each applies, to which servers, against which baseline peer.
// krozen runs its own transport; krozen-node is the same app on node:http (settings.transport = 'node').
const HTTP_SERVERS = ['krozen', 'krozen-node', 'krozen-js', 'node-http', 'fastify', 'uws'];
const WS_SERVERS = ['krozen', 'krozen-js', 'ws', 'ws-js', 'uws'];
const KIB64 = 64 * 1024;

export const SUITES = {
  'http-get': {
    kind: 'http',
    http: 'get',
    servers: HTTP_SERVERS,
    baseline: 'node-http',
    unit: 'req/s',
    title: 'GET /json (wrk -t1 -c50)',
  },
  // krozen-schema: krozen's GET /json-schema, the same answer with a response schema (its compiled serializer
  // instead of JSON.stringify), beside krozen's GET /json in the same run; fastify's GET /json has a schema too.
  'http-get-schema': {
    kind: 'http',
    http: 'get',
    servers: ['krozen', 'krozen-schema', 'krozen-node', 'krozen-node-schema', 'fastify'],
    baseline: 'krozen',
    unit: 'req/s',
    title: 'GET /json vs GET /json-schema, the same answer with a response schema (wrk -t1 -c50)',
  },
  'http-post': {
    kind: 'http',
    http: 'post',
    servers: HTTP_SERVERS,
    baseline: 'node-http',
    unit: 'req/s',
    title: 'POST /echo, 103 B JSON (wrk -t1 -c50, bench/load/post-echo.lua)',
  },
  'http-browser': {
    kind: 'http',
    http: 'browser',
    servers: ['krozen', 'krozen-jsparser', 'krozen-cparser', 'node-http'],
    baseline: 'node-http',
    unit: 'req/s',
    title: "GET /json with a browser's 14-field head (wrk -t1 -c50, bench/load/browser-get.lua)",
  },
  // HTTP/2 (settings.http2 = 'h2c'; fastify with http2: true), cleartext by prior knowledge: no TLS cost in
  // the figures. The target: krozen at most 0.8x fastify's CPU per request.
  'http2-get': {
    kind: 'http',
    http: 'h2get',
    servers: ['krozen-h2c', 'fastify-h2c'],
    baseline: 'fastify-h2c',
    unit: 'req/s',
    title: 'GET /json over HTTP/2 h2c (h2load -t1 -c50 -m10)',
  },
  // Over TLS, with the run's self-signed certificate (bench/lib/tls.mjs). The load generators keep their
  // connections alive: 50 handshakes per window (wrk, h2load: at its start; wss-echo: before it), so the window
  // measures the record layer's cost: encryption, decryption and the extra copies. The targets: krozen at most
  // 0.7x node https's CPU per request; at most 0.8x fastify's over HTTP/2.
  'https-get': {
    kind: 'http',
    http: 'get',
    servers: ['krozen-tls', 'node-https', 'fastify-https', 'uws-ssl'],
    baseline: 'node-https',
    unit: 'req/s',
    title: 'HTTPS GET /json (wrk -t1 -c50 over TLS, keep-alive: the 50 handshakes are amortised over the run)',
  },
  'http2-get-tls': {
    kind: 'http',
    http: 'h2get',
    servers: ['krozen-h2', 'fastify-h2'],
    baseline: 'fastify-h2',
    unit: 'req/s',
    title: 'GET /json over HTTP/2 over TLS, ALPN h2 (h2load -t1 -c50 -m10; handshakes amortised: one per connection)',
  },
  'ws-pingpong': {
    kind: 'ws',
    ws: { mode: 'echo', connections: 50, inflight: 1, size: 64 },
    servers: WS_SERVERS,
    baseline: 'ws',
    unit: 'msg/s',
    title: 'WebSocket echo, 64 B text, 50 connections, 1 in flight each',
  },
  // tlsPairs: the cost of TLS, each TLS server beside the same server without it (lines under the table).
  'wss-echo': {
    kind: 'ws',
    ws: { mode: 'echo', connections: 50, inflight: 1, size: 64 },
    servers: ['krozen-tls', 'krozen', 'ws-tls', 'ws', 'uws-ssl', 'uws'],
    baseline: 'ws-tls',
    tlsPairs: [
      ['krozen-tls', 'krozen'],
      ['ws-tls', 'ws'],
      ['uws-ssl', 'uws'],
    ],
    unit: 'msg/s',
    title: 'WebSocket echo over TLS (wss) beside plain ws, 64 B text, 50 connections, 1 in flight each',
  },
  'ws-pipelined': {
    kind: 'ws',
    ws: { mode: 'echo', connections: 50, inflight: 16, size: 64 },
    servers: WS_SERVERS,
    baseline: 'ws',
    unit: 'msg/s',
    title: 'WebSocket echo, 64 B text, 50 connections, 16 in flight each',
  },
  'ws-binary': {
    kind: 'ws',
    ws: { mode: 'echo', connections: 50, inflight: 1, size: KIB64, binary: true },
    servers: WS_SERVERS,
    baseline: 'ws',
    unit: 'MB/s',
    scale: KIB64 / 1e6,
    title: 'WebSocket echo, 64 KiB binary, 50 connections, 1 in flight each',
  },
  'ws-publish': {
    kind: 'ws',
    ws: { mode: 'publish', connections: 1000, inflight: 32, size: 64 },
    servers: WS_SERVERS,
    baseline: 'ws',
    env: { BENCH_WS_MODE: 'publish' },
    unit: 'msg/s',
    title: 'Publish 64 B to 1,000 subscribers (deliveries/s at subscribers; publisher keeps 32 in flight)',
  },
  'ws-idle': {
    kind: 'ws',
    ws: { mode: 'idle', connections: 10000 },
    servers: WS_SERVERS,
    baseline: 'ws',
    unit: 'conn/s',
    title: '10,000 idle WebSocket connections (server RSS per connection; throughput = handshakes/s)',
  },
  // Issue 25's 100,000 idle WebSockets in one server process, from 8 source addresses (127.0.0.1-8: one address
  // has ~28k ephemeral ports). Capped, with a note, at the machine's fd hard limit (run.mjs suiteFor): server and
  // generator each hold one descriptor per connection. Not in the default set (minutes, and the fd limit).
  'ws-idle-100k': {
    kind: 'ws',
    ws: { mode: 'idle', connections: 100000, sourceAddresses: 8 },
    servers: WS_SERVERS,
    baseline: 'ws',
    unit: 'conn/s',
    optional: true,
    title: '100,000 idle WebSocket connections in one process (server RSS per connection; throughput = handshakes/s)',
  },
  // Scaling out (bench/ws-publish-redis.mjs, bench/workers.mjs): their own scripts, run like the micro suites.
  'ws-publish-redis': {
    kind: 'micro',
    script: 'ws-publish-redis.mjs',
    timeoutMs: 420_000,
    forwardTiming: true, // --rounds, --duration, --warmup reach the script
    title:
      'Publish 64 B to 1,000 subscribers on two processes through Redis: krozen-rt (app.realtime) and krozen (app.ws) vs socket.io + @socket.io/redis-adapter; then the recovery run (a subscriber cut for 2 s at 1,000 msg/s)',
  },
  workers: {
    kind: 'micro',
    script: 'workers.mjs',
    timeoutMs: 300_000,
    title: 'GET /json req/s with 1 and 2 workers (wrk)',
  },
  mask: { kind: 'micro', script: 'mask.mjs', title: 'XOR masking (node bench/mask.mjs)' },
  json: { kind: 'micro', script: 'json.mjs', title: 'JSON encoding (node bench/json.mjs)' },
};

export const SUITE_ORDER = Object.keys(SUITES);

/** Other names a suite answers to on the command line (not run twice by a full run). */
export const SUITE_ALIASES = { realtime: 'ws-publish-redis' };
