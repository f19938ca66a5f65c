#!/usr/bin/env node
// Scaling out through Redis, side by side: node bench/ws-publish-redis.mjs [--quick] [--rounds n] [--duration s]
//   [--subscribers n] [--window n] [--gen-threads n] [--servers krozen,socketio]
// Per server and round: a fresh redis-server-backed pair of server processes (A and B), `--subscribers`
// WebSocket subscribers spread evenly over them, one publisher on A keeping `--window` 64 B messages in flight
// (a message leaves the window when a subscriber on B got it). Measures publishes/s, deliveries/s (all, and
// cross-process: those on B, which crossed Redis) and delivery latency p50/p99 per side. krozen
// (bench/servers/krozen-redis.mjs) runs beside socket.io 4 + @socket.io/redis-adapter
// (bench/servers/socketio-redis.mjs, installed on demand into bench/.peers), interleaved round by round.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { FrameReader, handshakeRequest, maskedFrame, OP_TEXT } from './load/ws-frames.mjs';
import { installCleanup, stop, track } from './lib/children.mjs';
import { freePort, waitForPort } from './lib/ports.mjs';
import { ensurePeer, peersDir } from './lib/peers.mjs';
import { cpuMicros } from './lib/proc.mjs';
import { median, mergeInto, newHistogram, quantile } from './lib/stats.mjs';
import { withRaisedFdLimit } from './lib/limits.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.resolve(benchDir, '..');
const args = process.argv.slice(2);
const has = (name) => args.includes(name);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i === -1 ? def : args[i + 1];
};
const quick = has('--quick');
const ROUNDS = Number(opt('--rounds', quick ? 1 : 3));
const DURATION = Number(opt('--duration', quick ? 2 : 5));
const WARMUP = Number(opt('--warmup', 1));
const SUBSCRIBERS = Number(opt('--subscribers', 1000));
const WINDOW = Number(opt('--window', 32));
const GEN_THREADS = Number(opt('--gen-threads', 2));
const SERVERS = String(opt('--servers', 'krozen,socketio')).split(',');
const PAYLOAD = 64;
const STAMP_BYTES = 16;

const SERVER_FILES = { krozen: 'krozen-redis.mjs', socketio: 'socketio-redis.mjs' };
const PROTOCOL = {
  krozen: { path: '/ws?pub', prefix: '', frame: (p) => p, join: false },
  socketio: {
    path: '/socket.io/?EIO=4&transport=websocket&pub=1',
    prefix: '42["msg","',
    frame: (p) => Buffer.concat([Buffer.from('42["pub","'), p, Buffer.from('"]')]),
    join: true,
  },
};
const PEERS = ['socket.io@4.8.4', '@socket.io/redis-adapter@8.3.0', 'redis@6.4.0'];

const clockBase = performance.timeOrigin + performance.now();
const clockMicros = () => Math.round((performance.timeOrigin + performance.now() - clockBase) * 1000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startRedis() {
  const port = await freePort();
  const child = track(
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
      detached: true,
    }),
  );
  if (!(await waitForPort(port, 10_000, () => child.exitCode !== null)))
    throw new Error('redis-server did not start (Debian: apt-get install redis-server)');
  return { port, pid: child.pid, stop: () => stop(child) };
}

async function startServer(name, redisPort) {
  const port = await freePort();
  const [command, argv] = withRaisedFdLimit(process.execPath, [path.join(benchDir, 'servers', SERVER_FILES[name])]);
  const child = track(
    spawn(command, argv, {
      cwd: rootDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PORT: String(port), REDIS_URL: `redis://127.0.0.1:${redisPort}`, PEERS: peersDir },
    }),
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output = (output + d).slice(-2000);
  });
  child.stderr.on('data', (d) => {
    output = (output + d).slice(-2000);
  });
  if (!(await waitForPort(port, 15_000, () => child.exitCode !== null))) {
    await stop(child);
    throw new Error(`${name} did not start: ${output.trim().split('\n').at(-1) ?? ''}`);
  }
  return { port, pid: child.pid, stop: () => stop(child) };
}

/** The publisher (on A) and the tracker (a subscriber on B whose deliveries pace the publisher). */
function openRaw(port, urlPath, join, onText) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const maskKey = randomBytes(4);
    let buffered = Buffer.alloc(0);
    let reader = null;
    socket.on('connect', () => socket.write(handshakeRequest(port, urlPath)));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      if (reader) {
        reader.push(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      let joined = !join;
      reader = new FrameReader((op, len, head) => {
        if (op !== OP_TEXT || head === null) return;
        if (!joined) {
          if (head[0] === 0x30) socket.write(maskedFrame(OP_TEXT, Buffer.from('40'), maskKey));
          else if (head[0] === 0x34 && head[1] === 0x30) {
            joined = true;
            resolve(conn);
          }
          return;
        }
        if (join && head[0] === 0x32 && len === 1) {
          socket.write(maskedFrame(OP_TEXT, Buffer.from('3'), maskKey));
          return;
        }
        onText(head);
      }, 32);
      const conn = { socket, send: (payload) => socket.write(maskedFrame(OP_TEXT, payload, maskKey)) };
      if (joined) resolve(conn);
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) reader.push(rest);
    });
  });
}

function startGenerators(name, ports) {
  const perThread = Math.ceil((SUBSCRIBERS - 1) / GEN_THREADS);
  const workers = [];
  for (let t = 0; t < GEN_THREADS; t++) {
    const first = 1 + t * perThread;
    const count = Math.max(0, Math.min(perThread, SUBSCRIBERS - first));
    workers.push(
      new Worker(path.join(benchDir, 'load', 'pubsub-worker.mjs'), {
        workerData: { ports, protocol: name, count, clockBase, first },
      }),
    );
  }
  const ask = (cmd, type) =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            const on = (msg) => {
              if (msg.type === type) {
                w.off('message', on);
                resolve(msg);
              }
            };
            w.on('message', on);
            w.postMessage({ cmd });
          }),
      ),
    );
  return { ask, terminate: () => Promise.all(workers.map((w) => w.terminate())) };
}

async function round(name, redis) {
  const a = await startServer(name, redis.port);
  const b = await startServer(name, redis.port);
  const gens = startGenerators(name, [a.port, b.port]);
  try {
    const connected = await gens.ask('connect', 'connected');
    const subscribers = 1 + connected.reduce((s, m) => s + m.ok, 0);
    const proto = PROTOCOL[name];
    let running = false;
    let outstanding = 0;
    let tracked = 0;
    const trackerSamples = newHistogram();
    let publisher = null;
    const publishOne = () => {
      const body = Buffer.alloc(PAYLOAD, 'x');
      body.write(String(clockMicros()).padStart(STAMP_BYTES, '0'), 0, 'latin1');
      outstanding++;
      publisher.send(proto.frame(body));
    };
    const tracker = await openRaw(
      b.port,
      name === 'krozen' ? '/ws' : '/socket.io/?EIO=4&transport=websocket',
      proto.join,
      (head) => {
        if (name === 'socketio' && (head[0] !== 0x34 || head[1] !== 0x32)) return;
        tracked++;
        outstanding--;
        if (running) while (outstanding < WINDOW) publishOne();
      },
    );
    publisher = await openRaw(a.port, proto.path, proto.join, () => undefined);
    await sleep(1000); // subscriptions settle (Redis SUBSCRIBE, room joins)
    running = true;
    while (outstanding < WINDOW) publishOne();
    await sleep(WARMUP * 1000);
    await gens.ask('go', 'going');
    const tracked0 = tracked;
    const cpu0 = [a.pid, b.pid, redis.pid].map(cpuMicros);
    const t0 = performance.now();
    await sleep(DURATION * 1000);
    const results = await gens.ask('stop', 'counts');
    const seconds = (performance.now() - t0) / 1000;
    const cpu = [a.pid, b.pid, redis.pid].map((pid, i) => cpuMicros(pid) - cpu0[i]);
    const trackedCount = tracked - tracked0;
    running = false;
    const side = [0, 0];
    const hist = [newHistogram(), newHistogram()];
    let errors = 0;
    for (const r of results) {
      side[0] += r.counts[0];
      side[1] += r.counts[1];
      mergeInto(hist[0], new Float64Array(r.histograms[0].buffer ?? r.histograms[0]));
      mergeInto(hist[1], new Float64Array(r.histograms[1].buffer ?? r.histograms[1]));
      errors += r.errors;
    }
    side[1] += trackedCount;
    void trackerSamples;
    tracker.socket.destroy();
    publisher.socket.destroy();
    await gens.ask('close', 'closed');
    const deliveries = side[0] + side[1];
    return {
      subscribers,
      publishesPerSec: trackedCount / seconds,
      deliveriesPerSec: deliveries / seconds,
      crossPerSec: side[1] / seconds,
      localPerSec: side[0] / seconds,
      crossP50: quantile(hist[1], 0.5) / 1000,
      crossP99: quantile(hist[1], 0.99) / 1000,
      localP50: quantile(hist[0], 0.5) / 1000,
      localP99: quantile(hist[0], 0.99) / 1000,
      serverCpuUsPerDelivery: (cpu[0] + cpu[1]) / Math.max(1, deliveries),
      redisCpuUsPerPublish: cpu[2] / Math.max(1, trackedCount),
      errors,
    };
  } finally {
    await gens.terminate();
    await a.stop();
    await b.stop();
  }
}

const fmt = (x, digits = 0) =>
  x === null || x === undefined || !Number.isFinite(x)
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  installCleanup();
  for (const peer of SERVERS.includes('socketio') ? PEERS : []) {
    const why = ensurePeer(peer);
    if (why) {
      console.error(`socket.io side skipped: ${why}`);
      SERVERS.splice(SERVERS.indexOf('socketio'), 1);
      break;
    }
  }
  const redis = await startRedis();
  const rounds = Object.fromEntries(SERVERS.map((s) => [s, []]));
  const failures = Object.fromEntries(SERVERS.map((s) => [s, []]));
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of SERVERS) {
        try {
          rounds[name].push(await round(name, redis));
        } catch (err) {
          failures[name].push(err.message);
        }
        process.stderr.write('.');
      }
    }
  } finally {
    await redis.stop();
  }
  process.stderr.write('\n');
  const keys = [
    'publishesPerSec',
    'deliveriesPerSec',
    'crossPerSec',
    'crossP50',
    'crossP99',
    'localP50',
    'localP99',
    'serverCpuUsPerDelivery',
    'redisCpuUsPerPublish',
  ];
  const summary = {};
  for (const name of SERVERS) {
    summary[name] = Object.fromEntries(keys.map((k) => [k, median(rounds[name].map((x) => x[k]))]));
    summary[name].subscribers = rounds[name][0]?.subscribers ?? 0;
    summary[name].errors = rounds[name].reduce((s, x) => s + x.errors, 0);
  }
  const label = { krozen: 'krozen + Redis', socketio: 'socket.io + @socket.io/redis-adapter' };
  console.log(
    `| server | subscribers | publishes/s | deliveries/s | cross-process deliveries/s | cross-process p50 / p99 ms | same-process p50 / p99 ms | server CPU µs/delivery |`,
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of SERVERS) {
    const s = summary[name];
    console.log(
      `| ${label[name]} | ${s.subscribers} | ${fmt(s.publishesPerSec)} | ${fmt(s.deliveriesPerSec)} | ${fmt(s.crossPerSec)} | ${fmt(s.crossP50, 1)} / ${fmt(s.crossP99, 1)} | ${fmt(s.localP50, 1)} / ${fmt(s.localP99, 1)} | ${fmt(s.serverCpuUsPerDelivery, 2)} |`,
    );
  }
  if (summary.krozen && summary.socketio && summary.socketio.crossPerSec) {
    console.log(
      `\nkrozen / socket.io: cross-process deliveries/s ${fmt(summary.krozen.crossPerSec / summary.socketio.crossPerSec, 2)}×, cross-process p99 ${fmt(summary.krozen.crossP99 / summary.socketio.crossP99, 2)}×`,
    );
  }
  console.log(
    `\n${ROUNDS} round(s) × ${DURATION} s (+${WARMUP} s warm-up), servers interleaved, medians; two server processes on one redis-server, ${SUBSCRIBERS} subscribers half on each, one publisher on A with ${WINDOW} × 64 B in flight; ${GEN_THREADS} generator threads. ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}.`,
  );
  for (const name of SERVERS) for (const f of failures[name]) console.log(`> ${name}: round failed: ${f}`);
  const out = path.join(benchDir, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'ws-publish-redis.json'),
    `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, duration: DURATION, subscribers: SUBSCRIBERS, window: WINDOW, summary, perRound: rounds, failures }, null, 1)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
