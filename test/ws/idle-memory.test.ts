// Heap per idle connection, held under a bound so it cannot grow again unseen (issue 25): 2,000 idle
// WebSockets and 2,000 idle keep-alive HTTP connections (each made one GET) to a server in this process,
// the clients in a child process; heap used after full GCs, before and after. Heap is deterministic enough
// for a bound ~15% above what is reached (RSS is not). `node --expose-gc bench/idle-heap.mjs --snapshot`
// shows where the bytes go, by constructor.
import { spawn, type ChildProcess } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createApp } from '../../lib/app';
import { Server } from '../../lib/server';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const N = 2000;
// ~15% above what each Node line measures under jest (krozen transport; bench/idle-heap.mjs agrees within ~5%):
// Node 20/22 WebSocket ~2,950 B, HTTP keep-alive ~1,550 B; Node 24/26 ~3,100 B and ~1,630 B. One ~0.5 KB
// object more per connection fails either.
const NEWER_NODE = Number(process.versions.node.split('.')[0]) >= 24;
const WS_BOUND = NEWER_NODE ? 3550 : 3400;
const HTTP_BOUND = NEWER_NODE ? 1850 : 1775;

const CLIENT = `
const [kind, port, n, wsPath] = process.argv.slice(1);
const keep = [];
let open = 0;
const done = () => ++open === +n && process.send('open');
for (let i = 0; i < +n; i++) {
  if (kind === 'ws') {
    const WebSocket = require(wsPath);
    keep.push(new WebSocket('ws://127.0.0.1:' + port + '/ws').on('open', done).on('error', () => {}));
  } else {
    const s = require('node:net').connect(+port, '127.0.0.1', () => s.write('GET /ping HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
    s.once('data', done).on('error', () => {});
    keep.push(s);
  }
}`;

let server: Server;
let port: number;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const app = createApp({
    host: '127.0.0.1',
    port: 0,
    transport: 'krozen',
    keepAliveTimeout: 120_000,
    wsIdleTimeout: 0,
  });
  app.get('/ping', () => ({ body: { ok: true } }));
  app.ws('/ws', { message: () => undefined });
  server = await new Server(app).run();
  port = server.port;
});

afterAll(async () => {
  for (const c of children) c.kill();
  await server.stop();
});

function openClients(kind: 'ws' | 'http', n: number): Promise<ChildProcess> {
  const args = ['-e', CLIENT, kind, String(port), String(n), require.resolve('ws')];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`client exited with ${code}`)));
  });
}

async function settledHeap(): Promise<number> {
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per connection held by `n` idle connections of `kind`. */
async function heapPerConnection(kind: 'ws' | 'http'): Promise<number> {
  // A first round warms up code, caches and shapes, which are not per connection.
  const warm = await openClients(kind, 50);
  warm.kill();
  const before = await settledHeap();
  const child = await openClients(kind, N);
  const after = await settledHeap();
  child.kill();
  const per = (after - before) / N;
  if (process.env.KROZEN_MEM_VERBOSE === '1')
    process.stderr.write(`idle ${kind}: ${per.toFixed(0)} B heap per connection\n`);
  return per;
}

test(`an idle WebSocket holds at most ${WS_BOUND} B of heap`, async () => {
  const perConnection = await heapPerConnection('ws');
  expect(perConnection).toBeGreaterThan(500); // the measure sees the connections at all
  expect(perConnection).toBeLessThanOrEqual(WS_BOUND);
}, 20_000);

test(`an idle keep-alive HTTP connection holds at most ${HTTP_BOUND} B of heap`, async () => {
  const perConnection = await heapPerConnection('http');
  expect(perConnection).toBeGreaterThan(500);
  expect(perConnection).toBeLessThanOrEqual(HTTP_BOUND);
}, 20_000);
