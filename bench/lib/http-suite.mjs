// An HTTP suite round for one server: check the route answers correctly, warm up, then one measured wrk run.
import path from 'node:path';
import { benchDir } from './servers.mjs';
import { runWrk } from './wrk.mjs';
import { Window, limitOf } from './measure.mjs';

export const POST_SCRIPT = path.join(benchDir, 'load', 'post-echo.lua');
const POST_BODY = { id: 12345, name: 'krozen bench', tags: ['fast', 'json'], active: true, score: 98.6, note: 'hello' };

/** One request to the route; throws unless the server answers it as the benchmark expects. */
export async function checkRoute(port, kind) {
  const url = `http://127.0.0.1:${port}${kind === 'get' ? '/json' : '/echo'}`;
  const init = kind === 'get' ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(POST_BODY) };
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = undefined; }
  const want = kind === 'get' ? { message: 'Hello, World!' } : POST_BODY;
  if (res.status !== 200 || JSON.stringify(body) !== JSON.stringify(want)) {
    throw new Error(`${kind === 'get' ? 'GET /json' : 'POST /echo'} answered ${res.status} ${text.slice(0, 120)}`);
  }
}

export async function runHttpRound(server, kind, { duration, warmup }) {
  await checkRoute(server.port, kind);
  const url = `http://127.0.0.1:${server.port}${kind === 'get' ? '/json' : '/echo'}`;
  const script = kind === 'post' ? POST_SCRIPT : undefined;
  if (warmup > 0) await runWrk({ url, seconds: warmup, script });
  const win = new Window(server.pid);
  const wrk = await runWrk({ url, seconds: duration, script }, () => win.begin());
  win.end();
  const serverCpuMicros = win.serverCpuMicros;
  return {
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
    limit: limitOf({ serverCpuMicros, clientCpuMicros: wrk.clientCpuMicros, seconds: wrk.seconds, clientThreads: 1, machineBusy: win.machineBusy }),
  };
}
