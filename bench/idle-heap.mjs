// Memory per idle connection, in-process: N idle WebSockets (`--kind ws`) or N keep-alive HTTP connections
// that each made one GET (`--kind http`) to a krozen server in this process, clients in a child process.
// Prints heap and RSS per connection after a full GC; `--snapshot` adds a heap snapshot diff by
// constructor (bytes and objects per connection). Needs --expose-gc:
//   npm run build:ts && node --expose-gc bench/idle-heap.mjs --kind ws --n 2000 [--snapshot] [--transport node]
//   [--pad-name BYTES]: each WebSocket's upgrade also sends a header with a name that long (value '1'): what a
//   connection keeps of its raw head shows (the name is a key shared by all connections, not a per-connection copy).
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';

const require = createRequire(import.meta.url);

if (process.argv[2] === '--client') {
  // The child: opens the connections, says 'open', then holds them until killed.
  const [, , , kind, port, n, padName] = process.argv;
  const headers = +padName > 0 ? { [`x-${'p'.repeat(+padName - 2)}`]: '1' } : {};
  const keep = [];
  let open = 0;
  const done = () => ++open === +n && process.send('open');
  for (let i = 0; i < +n; i++) {
    if (kind === 'ws') {
      const WebSocket = require('ws');
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
      ws.on('open', done).on('error', () => {});
      keep.push(ws);
    } else {
      const net = require('node:net');
      const s = net.connect(+port, '127.0.0.1', () => s.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.once('data', done).on('error', () => {});
      keep.push(s);
    }
  }
} else {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'ws' },
      n: { type: 'string', default: '2000' },
      snapshot: { type: 'boolean', default: false },
      transport: { type: 'string', default: 'krozen' },
      'pad-name': { type: 'string', default: '0' },
      dist: { type: 'string', default: new URL('../dist/index.js', import.meta.url).pathname },
    },
  });
  const result = await measureIdle({ ...values, n: +values.n });
  console.log(
    `${values.kind} x ${values.n} (${values.transport}): heap ${result.heap.toFixed(0)} B/connection, ` +
      `RSS ${result.rss.toFixed(0)} B/connection`,
  );
  if (result.table) {
    console.log('bytes/conn objects/conn  type:name');
    for (const r of result.table) console.log(r[0].toFixed(0).padStart(10), r[1].toFixed(2).padStart(12), ' ', r[2]);
  }
}

/** Opens `n` idle connections of `kind` and returns heap and RSS bytes per connection (and the diff table). */
async function measureIdle({ kind, n, snapshot, transport, dist, 'pad-name': padName }) {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  const { createApp, Server } = require(dist);
  const app = createApp({ host: '127.0.0.1', port: 0, transport, keepAliveTimeout: 120_000, wsIdleTimeout: 0 });
  app.get('/ping', () => ({ body: { ok: true } }));
  app.ws('/ws', { message: () => undefined });
  const server = await new Server(app).run();
  const warm = await openClients(kind, server.port, 50, padName); // code, caches and shapes are not per connection
  warm.kill();
  await settle();
  const files = snapshot ? [join(tmpdir(), `idle-${process.pid}-0.heapsnapshot`)] : [];
  if (snapshot) v8.writeHeapSnapshot(files[0]);
  const before = measure();
  const child = await openClients(kind, server.port, n, padName);
  await settle();
  const after = measure();
  let table;
  if (snapshot) {
    files.push(join(tmpdir(), `idle-${process.pid}-1.heapsnapshot`));
    v8.writeHeapSnapshot(files[1]);
    table = diff(summarize(files[0]), summarize(files[1]), n);
    for (const f of files) rmSync(f);
  }
  child.kill();
  await server.stop();
  return { heap: (after.heap - before.heap) / n, rss: (after.rss - before.rss) / n, table };
}

function openClients(kind, port, n, padName = '0') {
  const child = fork(new URL(import.meta.url).pathname, ['--client', kind, String(port), String(n), padName], {
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`client exited with ${code}`)));
  });
}

async function settle() {
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 4; i++) global.gc();
}

function measure() {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

function summarize(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [it, ino, is] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const byKey = new Map();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const t = types[snap.nodes[i + it]];
    const name = t === 'object' || t === 'closure' ? snap.strings[snap.nodes[i + ino]] : `(${t})`;
    const key = `${t}:${name.slice(0, 60)}`;
    const e = byKey.get(key) ?? [0, 0];
    e[0]++;
    e[1] += snap.nodes[i + is];
    byKey.set(key, e);
  }
  return byKey;
}

function diff(a, b, n) {
  const rows = [];
  for (const [k, v] of b) {
    const o = a.get(k) ?? [0, 0];
    if (v[1] - o[1] > n * 8) rows.push([(v[1] - o[1]) / n, (v[0] - o[0]) / n, k]);
  }
  rows.sort((x, y) => y[0] - x[0]);
  rows.push([rows.reduce((s, r) => s + r[0], 0), 0, 'total of the rows above']);
  return rows;
}
