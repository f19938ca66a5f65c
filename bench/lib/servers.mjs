// The servers under test: which file starts each one, with which environment, and what it can serve.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureUws } from './peers.mjs';
import { tlsMissing } from './tls.mjs';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const rootDir = path.resolve(benchDir, '..');

// http: GET /json + POST /echo; ws: exact echo on /ws (and BENCH_WS_MODE=publish, see servers/README.md).
// tls: started with the run's certificate (BENCH_TLS_KEY / BENCH_TLS_CERT, bench/lib/tls.mjs), loaded over
// https:// and wss://.
// getPath: the route the GET suites load instead of /json (same answer; the browser suite's script keeps /json).
export const SERVERS = {
  krozen: { file: 'krozen.mjs', env: { KROZEN_TRANSPORT: 'krozen' }, http: true, ws: true },
  // krozen's GET /json-schema: the same answer written by the serializer compiled from its response schema.
  'krozen-schema': {
    file: 'krozen.mjs',
    env: { KROZEN_TRANSPORT: 'krozen' },
    http: true,
    ws: false,
    getPath: '/json-schema',
  },
  'krozen-node-schema': {
    file: 'krozen.mjs',
    env: { KROZEN_TRANSPORT: 'node' },
    http: true,
    ws: false,
    getPath: '/json-schema',
  },
  'krozen-stream-write': {
    file: 'krozen.mjs',
    env: { KROZEN_TRANSPORT: 'krozen', KROZEN_DIRECT_WRITE: '0' },
    http: true,
    ws: true,
  },
  'krozen-node': { file: 'krozen.mjs', env: { KROZEN_TRANSPORT: 'node' }, http: true, ws: true },
  // krozen with V8's young generation capped at 1 MB semi-spaces (docs/production.md, many idle connections):
  // a handshake burst no longer grows it to 16 MB semi-spaces that an idle server keeps.
  'krozen-young1': {
    file: 'krozen.mjs',
    env: { KROZEN_TRANSPORT: 'krozen', NODE_OPTIONS: '--max-semi-space-size=1' },
    http: true,
    ws: true,
  },
  'krozen-js': { file: 'krozen.mjs', env: { KROZEN_NO_NATIVE: '1', KROZEN_TRANSPORT: 'krozen' }, http: true, ws: true },
  // The HTTP head parser forced one way (default 'auto', lib/transport/krozen/parser-native.ts); pick them
  // with --servers (not in the suites' default lists).
  'krozen-jsparser': {
    file: 'krozen.mjs',
    env: { KROZEN_TRANSPORT: 'krozen', KROZEN_HTTP_PARSER: 'js' },
    http: true,
    ws: false,
  },
  'krozen-cparser': {
    file: 'krozen.mjs',
    env: { KROZEN_TRANSPORT: 'krozen', KROZEN_HTTP_PARSER: 'native' },
    http: true,
    ws: false,
  },
  // HTTP/2 cleartext (the http2-get suite): settings.http2 = 'h2c', fastify({ http2: true }).
  'krozen-h2c': { file: 'krozen.mjs', env: { BENCH_HTTP2: 'h2c' }, http: true, ws: false },
  'fastify-h2c': { file: 'fastify.mjs', env: { BENCH_HTTP2: 'h2c' }, http: true, ws: false },
  'node-http': { file: 'node-http.mjs', env: {}, http: true, ws: false },
  fastify: { file: 'fastify.mjs', env: {}, http: true, ws: false },
  ws: { file: 'ws.mjs', env: {}, http: true, ws: true },
  'ws-js': { file: 'ws.mjs', env: { WS_NO_BUFFER_UTIL: '1' }, http: true, ws: true },
  uws: { file: 'uws.mjs', env: {}, http: true, ws: true, prepare: ensureUws },
  // Over TLS (https-get, http2-get-tls, wss-echo): the same files with the run's certificate.
  'krozen-tls': { file: 'krozen.mjs', env: { KROZEN_TRANSPORT: 'krozen' }, tls: true, http: true, ws: true },
  'krozen-h2': { file: 'krozen.mjs', env: { BENCH_HTTP2: 'h2' }, tls: true, http: true, ws: false },
  'fastify-h2': { file: 'fastify.mjs', env: { BENCH_HTTP2: 'h2' }, tls: true, http: true, ws: false },
  'node-https': { file: 'node-http.mjs', env: {}, tls: true, http: true, ws: false },
  'fastify-https': { file: 'fastify.mjs', env: {}, tls: true, http: true, ws: false },
  'ws-tls': { file: 'ws.mjs', env: {}, tls: true, http: true, ws: true },
  'uws-ssl': { file: 'uws.mjs', env: {}, tls: true, http: true, ws: true, prepare: ensureUws },
};

/**
 * Checks that `name` can run here; returns null when it can, else the reason it is skipped.
 * May install a peer on demand (uws).
 */
export async function unavailable(name, serversDir) {
  const server = SERVERS[name];
  if (!server) return `unknown server '${name}' (known: ${Object.keys(SERVERS).join(', ')})`;
  const file = path.join(serversDir, server.file);
  if (!existsSync(file)) return `${path.relative(rootDir, file)} does not exist`;
  if (name.startsWith('krozen') && !existsSync(path.join(rootDir, 'dist', 'index.js'))) {
    return 'dist/index.js missing: run `npm run build:ts` first';
  }
  const noTls = server.tls ? tlsMissing() : null;
  if (noTls) return noTls;
  if (server.prepare) return server.prepare();
  return null;
}
