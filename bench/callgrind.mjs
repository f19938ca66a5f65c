// Instructions per request / per message, counted by valgrind's callgrind: the A/B measure for hot-path
// changes on a shared, noisy machine (instruction counts do not move with a neighbour's load).
//
//   node bench/callgrind.mjs [--cases http-get,http-post,ws-echo] [--warmup 6000] [--count 3000]
//                            [--discard 3] [--windows 3] [--repeat 1] [--transport krozen|node] [--metrics]
//   cases: http-get (GET /json), http-get-schema (GET /json-schema: the same answer, written by the serializer
//   its response schema compiles to), http-post (POST /echo), ws-echo (64 B text on /ws), ws-binary (64 KiB
//   binary on /ws, as the ws-binary bench suite; use a smaller --count), ws-handshake (one
//   WebSocket connection's life per exchange: connect, upgrade, the client's close, the server's close and FIN).
//   [--server krozen|uws|ws]: the server under test, bench/servers/<name>.mjs (uws: bench/.peers, installed by
//   `npm run bench` on first use); the same client and the same windows, for a side-by-side count.
//
// For each case the server under test (bench/servers/krozen.mjs, this checkout's dist/) runs under callgrind
// with instrumentation off; the client (outside valgrind; one connection, one exchange in flight) warms it up,
// then `callgrind_control -i on` starts counting and each window of COUNT exchanges ends with a dump
// (`callgrind_control -d`): Ir / COUNT is the cost of one exchange, start-up excluded. The first DISCARD
// windows after instrumentation starts cost 2-4x more (the process suddenly runs ~50x slower and V8's
// time-driven work catches up) and are dropped; the windows after them agree within ~1%. (The difference of
// two whole runs of different lengths moved ±20% with start-up noise.) All threads count, which is why node
// runs --single-threaded (CG_NODE_FLAGS overrides). A/B: run it in two worktrees (each with its own dist/)
// and compare the medians.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split('--')
    .filter(Boolean)
    .map((s) => {
      const [k, ...v] = s.trim().split(/\s+/);
      return [k, v.join(' ') || 'true'];
    }),
);
const cases = (args.cases ?? 'http-get,http-post,ws-echo').split(',');
const server = args.server ?? 'krozen';
if (!['krozen', 'uws', 'ws', 'node-floor'].includes(server))
  throw new Error(`--server: krozen, uws, ws or node-floor, not ${server}`);
const warmup = Number(args.warmup ?? 6000);
const count = Number(args.count ?? 3000);
const discard = Number(args.discard ?? 3);
const windows = Number(args.windows ?? 3);
const repeat = Number(args.repeat ?? 1);
const transport = args.transport ?? 'krozen';
// --metrics: the server runs with settings.metrics on (BENCH_METRICS=1), to measure what it costs.
const metrics = args.metrics === 'true';

const GET = Buffer.from('GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n');
// The same answer written by the serializer compiled from the route's response schema.
const GET_SCHEMA = Buffer.from('GET /json-schema HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n');
const postBody = JSON.stringify({ id: 12345, name: 'krozen', tags: ['a', 'b', 'c'], nested: { ok: true, n: 1.5 } });
const POST = Buffer.from(
  `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(postBody)}\r\n\r\n${postBody}`,
);

/** Sends `count` requests one after another on one keep-alive connection; resolves when all are answered. */
function httpRequests(port, request, count) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let left = count;
    let pending = Buffer.alloc(0);
    socket.on('connect', () => socket.write(request));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const m = /content-length: *(\d+)/i.exec(pending.subarray(0, end).toString('latin1'));
        const total = end + 4 + (m ? Number(m[1]) : 0);
        if (pending.length < total) return;
        pending = pending.subarray(total);
        if (--left === 0) {
          socket.end();
          resolve();
          return;
        }
        socket.write(request);
      }
    });
  });
}

/** A client frame header: FIN, the opcode, the mask bit and the payload length in its shortest form. */
function clientHead(opcode, length) {
  if (length < 126) return Buffer.from([0x80 | opcode, 0x80 | length]);
  if (length < 65536) return Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  const head = Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head;
}

/** The length of the server's (unmasked) frame header for a payload of `length` bytes. */
const serverHeadLength = (length) => (length < 126 ? 2 : length < 65536 ? 4 : 10);

/** A masked frame of `size` bytes (text, or binary when `binary`), echoed `count` times on one WebSocket connection. */
function wsEchoes(port, count, size = 64, binary = false) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    const payload = Buffer.alloc(size, 'x');
    const mask = randomBytes(4);
    const frame = Buffer.concat([
      clientHead(binary ? 0x2 : 0x1, payload.length),
      mask,
      Buffer.from(payload.map((b, i) => b ^ mask[i & 3])),
    ]);
    const echoed = serverHeadLength(size) + size;
    const accept = createHash('sha1')
      .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    let upgraded = false;
    let left = count;
    let pending = Buffer.alloc(0);
    socket.on('connect', () =>
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!pending.subarray(0, end).toString('latin1').includes(accept)) {
          reject(new Error('bad handshake'));
          return;
        }
        upgraded = true;
        pending = pending.subarray(end + 4);
        socket.write(frame);
      }
      while (pending.length >= echoed) {
        pending = pending.subarray(echoed);
        if (--left === 0) {
          socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
          resolve();
          return;
        }
        socket.write(frame);
      }
    });
  });
}

/** One WebSocket connection per exchange, one after another: upgrade, close (1000), the server's close and FIN. */
async function wsHandshakes(port, count) {
  for (let i = 0; i < count; i++) await wsHandshake(port);
}

function wsHandshake(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    const accept = createHash('sha1')
      .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    let pending = Buffer.alloc(0);
    let upgraded = false;
    socket.on('connect', () =>
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      if (upgraded) return;
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!pending.subarray(0, end).toString('latin1').includes(accept)) return reject(new Error('bad handshake'));
      upgraded = true;
      // A masked close frame, code 1000 (mask key 0).
      socket.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => (upgraded ? resolve() : reject(new Error('closed before the upgrade'))));
  });
}

const drive = {
  'http-get': (port, n) => httpRequests(port, GET, n),
  'http-get-schema': (port, n) => httpRequests(port, GET_SCHEMA, n),
  'http-post': (port, n) => httpRequests(port, POST, n),
  'ws-echo': (port, n) => wsEchoes(port, n),
  'ws-binary': (port, n) => wsEchoes(port, n, 65536, true),
  'ws-handshake': (port, n) => wsHandshakes(port, n),
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Instructions (Ir) per exchange in each measured window of one server run under callgrind. */
async function countWindows(name) {
  const port = await freePort();
  const out = path.join(os.tmpdir(), `krozen-callgrind-${process.pid}-${name}.out`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${out}`,
      process.execPath,
      ...(process.env.CG_NODE_FLAGS ?? '--single-threaded').split(' ').filter(Boolean),
      path.join(here, `servers/${server}.mjs`),
    ],
    {
      env: { ...process.env, PORT: String(port), KROZEN_TRANSPORT: transport, BENCH_METRICS: metrics ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 120_000);
    child.stdout.on('data', (d) => {
      log += d;
      if (log.includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    child.on('exit', () => reject(new Error(`server exited:\n${log}`)));
  });
  await drive[name](port, warmup);
  execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
  for (let w = 0; w < discard + windows; w++) {
    await drive[name](port, count);
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  }
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  const per = [];
  for (let w = discard + 1; w <= discard + windows; w++) {
    const m = /^(?:summary|totals): (\d+)/m.exec(fs.readFileSync(`${out}.${w}`, 'utf8'));
    if (!m) throw new Error(`no totals in ${out}.${w}`);
    per.push(Math.round(Number(m[1]) / count));
  }
  // --keep DIR: keeps each measured window's dump, <case>.<window>.callgrind (callgrind_annotate it: which builtins and C++ the time goes to).
  if (args.keep) {
    for (let w = discard + 1; w <= discard + windows; w++)
      fs.copyFileSync(`${out}.${w}`, path.join(args.keep, `${name}.${w - discard}.callgrind`));
  }
  for (const f of fs.readdirSync(os.tmpdir()))
    if (f.startsWith(path.basename(out))) fs.rmSync(path.join(os.tmpdir(), f), { force: true });
  return per;
}

const rows = [];
const where = `${server === 'krozen' ? '' : `server ${server}, `}transport ${transport}${process.env.KROZEN_NO_NATIVE === '1' ? ', KROZEN_NO_NATIVE=1' : ''}${metrics ? ', metrics on' : ''}`;
for (const name of cases) {
  const runs = [];
  for (let r = 0; r < repeat; r++) runs.push(...(await countWindows(name)));
  const median = [...runs].sort((a, b) => a - b)[runs.length >> 1];
  rows.push({ name, median, runs });
  console.log(
    `${name}: ${median} instructions per exchange (median; runs ${runs.join(', ')}; ${count} after ${warmup} warm-up; ${where})`,
  );
}
if (args.json) fs.writeFileSync(args.json, JSON.stringify(rows, null, 2));
