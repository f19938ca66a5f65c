#!/usr/bin/env node
// What issue 19's attacks cost a server, measured from outside: `npm run build:ts && node bench/attacks.mjs
// [--transport krozen|node|both] [--only name,...]`. Each attack runs against a fresh server process
// (bench/attacks/target.mjs); meanwhile a health GET is sent every 50 ms on its own keep-alive connection.
// Reported per attack: the server's peak RSS above its start, its CPU seconds, the health GET's worst and
// p99 latency (a GET unanswered after 10 s counts as 10 s), and what the attack itself saw (status, bytes
// the server took before answering, how long the server kept a never-reading client).
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMicros, memory } from './lib/proc.mjs';
import { freePort, waitForPort } from './lib/ports.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const transports = arg('transport', 'both') === 'both' ? ['krozen', 'node'] : [arg('transport')];
const only = arg('only', '') === '' ? null : arg('only').split(',');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

async function startTarget(transport, env = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(here, 'attacks', 'target.mjs')], {
    env: { ...process.env, ...env, PORT: String(port), TRANSPORT: transport },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!(await waitForPort(port, 15_000, () => child.exitCode !== null))) throw new Error('target did not start');
  return {
    port,
    pid: child.pid,
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGKILL');
      }),
  };
}

/** Samples the server every 50 ms: peak RSS, and a health GET on its own connection (one at a time). */
function watch(target) {
  const base = memory(target.pid).rss;
  const cpu0 = cpuMicros(target.pid);
  let peak = base;
  const delays = [];
  let running = true;
  const sampler = setInterval(() => {
    const m = memory(target.pid);
    if (m !== null) peak = Math.max(peak, m.rss);
  }, 50);
  const prober = (async () => {
    let socket = null;
    while (running) {
      const started = Date.now();
      const ok = await new Promise((resolve) => {
        if (socket === null || socket.destroyed) {
          socket = net.connect(target.port, '127.0.0.1');
          socket.on('error', () => undefined);
        }
        let got = '';
        const timer = setTimeout(() => {
          socket.destroy();
          socket = null;
          resolve(false);
        }, 10_000);
        const onData = (c) => {
          got += c.toString('latin1');
          if (got.includes('{"ok":true}')) {
            clearTimeout(timer);
            socket.off('data', onData);
            resolve(true);
          }
        };
        socket.on('data', onData);
        socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      delays.push(ok ? Date.now() - started : 10_000);
      await sleep(50);
    }
    socket?.destroy();
  })();
  return async () => {
    running = false;
    clearInterval(sampler);
    await prober;
    const sorted = [...delays].sort((a, b) => a - b);
    return {
      peakMB: (peak - base) / MB,
      cpuS: (cpuMicros(target.pid) - cpu0) / 1e6,
      healthMax: sorted.at(-1) ?? NaN,
      healthP99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN,
    };
  };
}

/** A raw connection: resolves with what it received and how it ended, once the server closes or `ms` pass. */
function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function collect(socket, ms) {
  return new Promise((resolve) => {
    let got = '';
    const started = Date.now();
    const done = () => {
      clearTimeout(timer);
      resolve({ got, ms: Date.now() - started });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      done();
    }, ms);
    socket.on('data', (c) => {
      if (got.length < 4096) got += c.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.once('close', done);
  });
}

/** Sends `parts` (a generator of buffers) with backpressure until the server answers or closes; bytes sent. */
async function sendUntilAnswered(socket, parts, capBytes) {
  let sent = 0;
  let answered = false;
  socket.once('data', () => {
    answered = true;
  });
  socket.once('close', () => {
    answered = true;
  });
  for (const part of parts) {
    if (answered || socket.destroyed || sent >= capBytes) break;
    sent += part.length;
    if (!socket.write(part))
      await new Promise((r) => {
        socket.once('drain', r);
        socket.once('close', r);
      });
  }
  return sent;
}

function* tinyChunks(payloadBytes, extension = '') {
  const one = Buffer.from(`1${extension}\r\nx\r\n`, 'latin1');
  const batch = Buffer.concat(Array(1024).fill(one));
  for (let left = payloadBytes; left > 0; left -= 1024)
    yield left >= 1024 ? batch : Buffer.concat(Array(left).fill(one));
  yield Buffer.from('0\r\n\r\n');
}

const CHUNKED_HEAD = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n';

async function tinyBodies(port, count, extension = '', cap = 1.1 * MB) {
  const results = await Promise.all(
    Array.from({ length: count }, async () => {
      const socket = await connect(port);
      socket.on('error', () => undefined);
      const answer = collect(socket, 60_000);
      socket.write(CHUNKED_HEAD);
      const sent = await sendUntilAnswered(
        socket,
        tinyChunks(extension ? 1e9 : MB, extension),
        extension ? 1024 * MB : cap * 6,
      );
      const { got } = await answer;
      socket.destroy();
      return { sent, status: Number(got.split(' ')[1]) || 0 };
    }),
  );
  const statuses = [...new Set(results.map((r) => r.status))].join('/');
  return `status ${statuses}; ${(results.reduce((a, r) => a + r.sent, 0) / count / MB).toFixed(1)} MB sent per client`;
}

/** The target's open connections (this query's own and the health prober's included). */
async function openConnections(port) {
  const s = await connect(port);
  const answer = collect(s, 2000);
  s.write('GET /connections HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const { got } = await answer;
  const m = /"open":(-?\d+)/.exec(got);
  return m ? Number(m[1]) : NaN;
}

async function neverReaders(port, count, request, holdMs) {
  const before = await openConnections(port);
  const sockets = await Promise.all(
    Array.from({ length: count }, async () => {
      const s = await connect(port);
      s.on('error', () => undefined);
      s.pause();
      s.write(request);
      return s;
    }),
  );
  const started = Date.now();
  let peak = 0;
  let allClosed = null;
  while (Date.now() - started < holdMs) {
    const held = (await openConnections(port)) - before;
    peak = Math.max(peak, held);
    if (held <= 0) {
      allClosed = Date.now() - started;
      break;
    }
    await sleep(250);
  }
  for (const s of sockets) s.destroy();
  return allClosed === null
    ? `${peak} of ${count} still open after ${holdMs / 1000} s`
    : `all ${count} closed by the server after ${(allClosed / 1000).toFixed(1)} s`;
}

async function capHeldByNeverReaders(port) {
  const held = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const s = await connect(port);
      s.on('error', () => undefined);
      s.pause();
      s.write('GET /100k HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(200));
      return s;
    }),
  );
  const started = Date.now();
  let refusedUntil = 0;
  for (let t = 0; t < 30_000; t += 500) {
    const s = await connect(port);
    const answer = collect(s, 2000);
    s.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const { got } = await answer;
    if (got.includes(' 200 ')) break;
    refusedUntil = Date.now() - started;
    await sleep(500);
  }
  for (const s of held) s.destroy();
  return `new clients refused for ${(refusedUntil / 1000).toFixed(1)} s`;
}

async function slowHeads(port, count, headBytes, perMs) {
  const head = `GET /health HTTP/1.1\r\nHost: x\r\n${'x-pad: '.concat('a'.repeat(90), '\r\n').repeat(Math.ceil(headBytes / 99))}\r\n`;
  await Promise.all(
    Array.from({ length: count }, async () => {
      const s = await connect(port);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      for (let i = 0; i < head.length; i += perMs) {
        s.write(head.slice(i, i + perMs));
        await sleep(1);
      }
      await sleep(200);
      s.destroy();
    }),
  );
  return `${count} heads of ${(head.length / 1024).toFixed(0)} KB at ${perMs} B/ms`;
}

const ATTACKS = {
  'tiny-chunks-1': { item: 1, run: (p) => tinyBodies(p, 1) },
  'tiny-chunks-6': { item: 1, run: (p) => tinyBodies(p, 6) },
  'tiny-chunks-16': { item: 1, run: (p) => tinyBodies(p, 16) },
  'chunk-extensions': { item: 1, run: (p) => tinyBodies(p, 1, `;e=${'v'.repeat(995)}`) },
  'never-read-200': {
    item: 3,
    run: (p) => neverReaders(p, 200, 'GET /100k HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100), 40_000),
  },
  'never-read-stream': { item: 3, run: (p) => neverReaders(p, 20, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n', 40_000) },
  'max-connections-10': { item: 3, env: { MAX_CONNECTIONS: '10' }, run: (p) => capHeldByNeverReaders(p) },
  'slow-heads': { item: 6, env: { MAX_HEADER_SIZE: String(32 * 1024) }, run: (p) => slowHeads(p, 20, 16 * 1024, 1) },
};

const rows = [];
for (const [name, attack] of Object.entries(ATTACKS)) {
  if (only !== null && !only.includes(name)) continue;
  for (const transport of transports) {
    const target = await startTarget(transport, attack.env);
    await sleep(300);
    const stop = watch(target);
    let seen;
    try {
      seen = await attack.run(target.port);
    } catch (err) {
      seen = `error: ${err.message}`;
    }
    const m = await stop();
    await target.stop();
    const row = { attack: name, item: attack.item, transport, ...m, seen };
    rows.push(row);
    console.log(
      `${name} on ${transport}: +${m.peakMB.toFixed(0)} MB peak RSS, ${m.cpuS.toFixed(2)} s CPU, health max ${m.healthMax} ms / p99 ${m.healthP99} ms; ${seen}`,
    );
  }
}

console.log(
  '\n| attack (issue 19 item) | transport | peak RSS over start | server CPU | health GET max / p99 | what the attacker saw |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.attack} (${r.item}) | ${r.transport} | +${r.peakMB.toFixed(0)} MB | ${r.cpuS.toFixed(2)} s | ${r.healthMax} / ${r.healthP99} ms | ${r.seen} |`,
  );
}
console.log(`\ncommand: node bench/attacks.mjs ${args.join(' ')}`.trim());
