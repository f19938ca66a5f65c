// Instructions per request / per message, counted by valgrind's callgrind: the A/B measure for hot-path
// changes on a shared, noisy machine (instruction counts do not move with a neighbour's load).
//
//   node bench/callgrind.mjs [--cases http-get,http-post,ws-echo] [--warmup 2000] [--small 2000] [--large 6000]
//                            [--transport krozen|node] [--repeat 1]
//
// For each case the server under test (bench/servers/krozen.mjs, this checkout's dist/) runs under callgrind
// twice: warm-up + SMALL exchanges, then warm-up + LARGE; the client runs outside valgrind, one connection,
// one exchange in flight. Per exchange = (Ir(large) - Ir(small)) / (large - small): start-up, warm-up and
// shutdown cancel out. All threads are counted (V8's helper threads included), which is why a
// --single-threaded node is used. A/B: run it in two worktrees (each with its own dist/) and compare.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).join(' ').split('--').filter(Boolean).map((s) => {
    const [k, ...v] = s.trim().split(/\s+/);
    return [k, v.join(' ') || 'true'];
  }),
);
const cases = (args.cases ?? 'http-get,http-post,ws-echo').split(',');
const warmup = Number(args.warmup ?? 2000);
const small = Number(args.small ?? 2000);
const large = Number(args.large ?? 6000);
const repeat = Number(args.repeat ?? 1);
const transport = args.transport ?? 'krozen';

const GET = Buffer.from('GET /json HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n');
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
        if (--left === 0) { socket.end(); resolve(); return; }
        socket.write(request);
      }
    });
  });
}

/** A 64 B masked text frame, echoed `count` times on one WebSocket connection. */
function wsEchoes(port, count) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const key = randomBytes(16).toString('base64');
    const payload = Buffer.alloc(64, 'x');
    const mask = randomBytes(4);
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask,
      Buffer.from(payload.map((b, i) => b ^ mask[i & 3]))]);
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    let upgraded = false;
    let left = count;
    let pending = Buffer.alloc(0);
    socket.on('connect', () => socket.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!pending.subarray(0, end).toString('latin1').includes(accept)) { reject(new Error('bad handshake')); return; }
        upgraded = true;
        pending = pending.subarray(end + 4);
        socket.write(frame);
      }
      while (pending.length >= 2 + payload.length) {
        pending = pending.subarray(2 + payload.length);
        if (--left === 0) { socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0])); resolve(); return; }
        socket.write(frame);
      }
    });
  });
}

const drive = {
  'http-get': (port, n) => httpRequests(port, GET, n),
  'http-post': (port, n) => httpRequests(port, POST, n),
  'ws-echo': (port, n) => wsEchoes(port, n),
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Total instructions (Ir) of one server run under callgrind that served warm-up + `count` exchanges. */
async function countRun(name, count) {
  const port = await freePort();
  const out = path.join(os.tmpdir(), `krozen-callgrind-${process.pid}-${name}-${count}.out`);
  const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath,
    '--single-threaded', path.join(here, 'servers/krozen.mjs')], {
    env: { ...process.env, PORT: String(port), KROZEN_TRANSPORT: transport },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 120_000);
    child.stdout.on('data', (d) => { log += d; if (log.includes('listening')) { clearTimeout(timer); resolve(); } });
    child.stderr.on('data', (d) => { log += d; });
    child.on('exit', () => reject(new Error(`server exited:\n${log}`)));
  });
  await drive[name](port, warmup);
  await drive[name](port, count);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  const text = fs.readFileSync(out, 'utf8');
  fs.rmSync(out, { force: true });
  const m = /^(?:summary|totals): (\d+)/m.exec(text);
  if (!m) throw new Error(`no totals in ${out}`);
  return Number(m[1]);
}

const rows = [];
for (const name of cases) {
  for (let r = 0; r < repeat; r++) {
    const a = await countRun(name, small);
    const b = await countRun(name, large);
    const per = Math.round((b - a) / (large - small));
    rows.push({ name, per });
    console.log(`${name}: ${per} instructions per exchange (Ir ${a} @${small}, ${b} @${large}; ` +
      `transport ${transport}${process.env.KROZEN_NO_NATIVE === '1' ? ', KROZEN_NO_NATIVE=1' : ''})`);
  }
}
if (args.json) fs.writeFileSync(args.json, JSON.stringify(rows, null, 2));
