// An HTTP suite round for one server: check the route answers correctly, warm up, then one measured wrk run,
// then the server's memory per idle keep-alive connection.
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { SERVERS, benchDir } from './servers.mjs';
import { runWrk } from './wrk.mjs';
import { checkH2Route, h2loadByCount, runH2load } from './h2load.mjs';
import { Window, limitOf } from './measure.mjs';
import { memory } from './proc.mjs';

export const POST_SCRIPT = path.join(benchDir, 'load', 'post-echo.lua');
// kind 'browser': GET /json with a browser's head.
const BROWSER_SCRIPT = path.join(benchDir, 'load', 'browser-get.lua');
const POST_BODY = { id: 12345, name: 'krozen bench', tags: ['fast', 'json'], active: true, score: 98.6, note: 'hello' };

/** The route a round loads: POST /echo, else GET /json or the server's own GET route (SERVERS[name].getPath). */
export function routeFor(name, kind) {
  if (kind === 'post') return '/echo';
  return kind === 'get' ? (SERVERS[name]?.getPath ?? '/json') : '/json';
}

// Over TLS (the run's self-signed certificate): node:https, which can skip verification; fetch cannot.
function httpsRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function request(url, init) {
  if (url.startsWith('https:')) return httpsRequest(url, init);
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  return { status: res.status, text: await res.text() };
}

/** One request to the route; throws unless the server answers it as the benchmark expects. */
export async function checkRoute(port, kind, route = kind === 'post' ? '/echo' : '/json', scheme = 'http') {
  if (kind === 'browser') kind = 'get';
  const url = `${scheme}://127.0.0.1:${port}${route}`;
  const init =
    kind === 'get'
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(POST_BODY) };
  const { status, text } = await request(url, init);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const want = kind === 'get' ? { message: 'Hello, World!' } : POST_BODY;
  if (status !== 200 || JSON.stringify(body) !== JSON.stringify(want)) {
    throw new Error(`${kind === 'get' ? 'GET' : 'POST'} ${route} answered ${status} ${text.slice(0, 120)}`);
  }
}

/** Idle keep-alive connections opened after the load to measure the server's memory per connection (default). */
export const IDLE_CONNECTIONS = 1000;
const IDLE_SETTLE_MS = 400;

/**
 * Opens `count` connections that each send one GET /json and then stay open, idle (keep-alive); returns the
 * server's RSS growth per connection in bytes. All within the servers' keep-alive timeouts (5 s and up).
 * Over TLS each is a full handshake first (outside the measured window), so the figure includes the TLS state.
 */
async function idleMemoryPerConnection(server, count) {
  const before = memory(server.pid);
  const sockets = [];
  try {
    await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise((resolve, reject) => {
            const socket = server.tls
              ? tls.connect({ port: server.port, host: '127.0.0.1', rejectUnauthorized: false })
              : net.connect(server.port, '127.0.0.1');
            sockets.push(socket);
            socket.once('error', reject);
            socket.once('data', () => resolve());
            socket.once(server.tls ? 'secureConnect' : 'connect', () =>
              socket.write('GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
            );
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    const after = memory(server.pid);
    return before && after ? (after.rss - before.rss) / count : null;
  } finally {
    for (const s of sockets) s.destroy();
  }
}

export async function runHttpRound(server, kind, { duration, warmup, idleConnections = IDLE_CONNECTIONS }) {
  const route = routeFor(server.name, kind === 'h2get' ? 'get' : kind);
  // TLS servers (SERVERS[name].tls) are loaded over https://: wrk and h2load keep their connections alive, so
  // the measured run's 50 handshakes happen once each, at the start of its window.
  const scheme = server.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${server.port}${route}`;
  // kind 'h2get': GET /json over HTTP/2 (h2c by prior knowledge, or h2 by ALPN over TLS), driven by h2load.
  const load = kind !== 'h2get' ? runWrk : server.tls ? h2loadByCount() : runH2load;
  if (kind === 'h2get') await checkH2Route(server.port, route, scheme);
  else await checkRoute(server.port, kind, route, scheme);
  const script = kind === 'post' ? POST_SCRIPT : kind === 'browser' ? BROWSER_SCRIPT : undefined;
  if (warmup > 0) await load({ url, seconds: warmup, script });
  const win = new Window(server.pid);
  const wrk = await load({ url, seconds: duration, script }, () => win.begin());
  win.end();
  const serverCpuMicros = win.serverCpuMicros;
  // The idle probe speaks HTTP/1.1, which an h2c server does not (and is not what h2 over TLS is loaded with).
  const rssPerConn = kind === 'h2get' ? null : await idleMemoryPerConnection(server, idleConnections).catch(() => null);
  return {
    rssPerConn,
    rate: wrk.rate,
    ops: wrk.requests,
    seconds: wrk.seconds,
    p50: wrk.p50,
    p99: wrk.p99,
    cpuPerOp: serverCpuMicros === null ? null : serverCpuMicros / wrk.requests,
    serverCpuShare: serverCpuMicros / (wrk.seconds * 1e6),
    clientCpuShare: wrk.clientCpuMicros / (wrk.seconds * 1e6),
    peakRss: win.mem?.peak ?? null,
    machineBusy: win.machineBusy,
    errors: wrk.errors,
    limit: limitOf({
      serverCpuMicros,
      clientCpuMicros: wrk.clientCpuMicros,
      seconds: wrk.seconds,
      clientThreads: 1,
      machineBusy: win.machineBusy,
    }),
  };
}
