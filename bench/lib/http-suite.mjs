// An HTTP suite round for one server: check the route answers correctly, warm up, then one measured wrk run,
// then the server's memory per idle keep-alive connection.
import net from 'node:net';
import path from 'node:path';
import { SERVERS, benchDir } from './servers.mjs';
import { runWrk } from './wrk.mjs';
import { checkH2Route, runH2load } from './h2load.mjs';
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

/** One request to the route; throws unless the server answers it as the benchmark expects. */
export async function checkRoute(port, kind, route = kind === 'post' ? '/echo' : '/json') {
  if (kind === 'browser') kind = 'get';
  const url = `http://127.0.0.1:${port}${route}`;
  const init =
    kind === 'get'
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(POST_BODY) };
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const want = kind === 'get' ? { message: 'Hello, World!' } : POST_BODY;
  if (res.status !== 200 || JSON.stringify(body) !== JSON.stringify(want)) {
    throw new Error(`${kind === 'get' ? 'GET' : 'POST'} ${route} answered ${res.status} ${text.slice(0, 120)}`);
  }
}

/** Idle keep-alive connections opened after the load to measure the server's memory per connection. */
export const IDLE_CONNECTIONS = 1000;
const IDLE_SETTLE_MS = 400;

/**
 * Opens `count` connections that each send one GET /json and then stay open, idle (keep-alive); returns the
 * server's RSS growth per connection in bytes. All within the servers' keep-alive timeouts (5 s and up).
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
            const socket = net.connect(server.port, '127.0.0.1');
            sockets.push(socket);
            socket.once('error', reject);
            socket.once('data', () => resolve());
            socket.once('connect', () => socket.write('GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
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

export async function runHttpRound(server, kind, { duration, warmup }) {
  const route = routeFor(server.name, kind === 'h2get' ? 'get' : kind);
  const url = `http://127.0.0.1:${server.port}${route}`;
  // kind 'h2get': GET /json over h2c by prior knowledge, driven by h2load instead of wrk.
  const load = kind === 'h2get' ? runH2load : runWrk;
  if (kind === 'h2get') await checkH2Route(server.port, route);
  else await checkRoute(server.port, kind, route);
  const script = kind === 'post' ? POST_SCRIPT : kind === 'browser' ? BROWSER_SCRIPT : undefined;
  if (warmup > 0) await load({ url, seconds: warmup, script });
  const win = new Window(server.pid);
  const wrk = await load({ url, seconds: duration, script }, () => win.begin());
  win.end();
  const serverCpuMicros = win.serverCpuMicros;
  // The idle probe speaks HTTP/1.1, which an h2c server does not.
  const rssPerConn =
    kind === 'h2get' ? null : await idleMemoryPerConnection(server, IDLE_CONNECTIONS).catch(() => null);
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
