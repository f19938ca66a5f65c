#!/usr/bin/env node
// Scaling out through Redis, side by side: node bench/ws-publish-redis.mjs [--quick] [--rounds n] [--duration s]
//   [--subscribers n] [--window n] [--gen-threads n] [--servers krozen-rt,krozen,socketio]
//   [--recovery | --no-recovery] [--recovery-seconds s] [--cut s] [--rate n] [--out dir]
// Per server and round: a fresh redis-server-backed pair of server processes (A and B), `--subscribers`
// WebSocket subscribers spread evenly over them, one publisher on A keeping `--window` 64 B messages in flight
// (a message leaves the window when a subscriber on B got it). Measures publishes/s, deliveries/s (all, and
// cross-process: those on B, which crossed Redis), delivery latency p50/p99 per side, server CPU per delivery
// and the bytes on the wire per message. krozen-rt (app.realtime(), krozen.v1: bench/servers/krozen-realtime-
// redis.mjs) and krozen (a plain app.ws() endpoint: krozen-redis.mjs) run beside socket.io 4 +
// @socket.io/redis-adapter (socketio-redis.mjs, installed on demand into bench/.peers), interleaved round by
// round. Then the recovery run (bench/lib/recovery-run.mjs): a subscriber cut for `--cut` s while a publisher
// sends `--rate` msg/s; `--recovery` runs only it, `--no-recovery` skips it.
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { FrameReader, handshakeRequest, maskedFrame, OP_TEXT } from './load/ws-frames.mjs';
import { PROTOCOLS } from './load/pubsub-protocols.mjs';
import { installCleanup } from './lib/children.mjs';
import { ensurePeer } from './lib/peers.mjs';
import { cpuMicros } from './lib/proc.mjs';
import { median, mergeInto, newHistogram, quantile } from './lib/stats.mjs';
import { startPair, startRedis } from './lib/redis-pair.mjs';
import { runRecovery } from './lib/recovery-run.mjs';
import { recoveryTable, throughputTable } from './lib/redis-tables.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
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
const SERVERS = String(opt('--servers', 'krozen-rt,krozen,socketio')).split(',');
const RECOVERY_ONLY = has('--recovery');
const THROUGHPUT = !RECOVERY_ONLY;
const RECOVERY = RECOVERY_ONLY || !has('--no-recovery');
const RECOVERY_OPTS = {
  rate: Number(opt('--rate', 1000)),
  seconds: Number(opt('--recovery-seconds', 6)),
  cut: Number(opt('--cut', 2)),
};
const PAYLOAD = 64;
const STAMP_BYTES = 16;
const SETTLE_MS = quick ? 500 : 1000;

const PEERS = ['socket.io@4.8.4', '@socket.io/redis-adapter@8.3.0', 'redis@6.4.0', 'socket.io-client@4.8.1'];
for (const name of SERVERS)
  if (!PROTOCOLS[name]) throw new Error(`unknown server '${name}' (krozen-rt, krozen, socketio)`);

const clockBase = performance.timeOrigin + performance.now();
const clockMicros = () => Math.round((performance.timeOrigin + performance.now() - clockBase) * 1000);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The publisher (on A) and the tracker (a subscriber on B whose deliveries pace the publisher): raw sockets
 * that speak `proto` (pubsub-protocols.mjs) as `role` ('pub' or 'sub'); onText gets each message's head.
 */
function openRaw(port, proto, role, onText) {
  const urlPath = role === 'pub' ? proto.pubPath : proto.path;
  const join = proto.join[role];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const maskKey = randomBytes(4);
    const text = (payload) => socket.write(maskedFrame(OP_TEXT, payload, maskKey));
    let buffered = Buffer.alloc(0);
    let reader = null;
    socket.on('connect', () => socket.write(handshakeRequest(port, urlPath, proto.subprotocol)));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      if (reader) {
        reader.push(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!buffered.toString('latin1', 0, 12).startsWith('HTTP/1.1 101')) {
        reject(new Error(`${urlPath}: ${buffered.toString('latin1', 0, end).split('\r\n')[0]}`));
        socket.destroy();
        return;
      }
      let joined = join === null;
      reader = new FrameReader((op, len, head) => {
        if (op !== OP_TEXT || head === null) return;
        if (!joined) {
          const reply = join.reply(head);
          if (reply !== null) text(reply);
          else if (join.done(head)) {
            joined = true;
            resolve(conn);
          }
          return;
        }
        const answer = proto.keepalive(head, len);
        if (answer !== null) text(answer);
        else if (proto.isMessage(head, len)) onText(head);
      }, 32);
      const conn = { socket, send: (payload) => text(payload) };
      if (joined) resolve(conn);
      else for (const payload of join.send) text(payload);
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
  const [a, b] = await startPair(name, redis.port);
  const gens = startGenerators(name, [a.port, b.port]);
  try {
    const connected = await gens.ask('connect', 'connected');
    const subscribers = 1 + connected.reduce((s, m) => s + m.ok, 0);
    const proto = PROTOCOLS[name];
    let running = false;
    let outstanding = 0;
    let tracked = 0;
    let published = 0;
    let publisher = null;
    const publishOne = () => {
      const body = Buffer.alloc(PAYLOAD, 'x');
      body.write(String(clockMicros()).padStart(STAMP_BYTES, '0'), 0, 'latin1');
      outstanding++;
      published++;
      publisher.send(proto.publish(body));
    };
    const tracker = await openRaw(b.port, proto, 'sub', () => {
      tracked++;
      outstanding--;
      if (running) while (outstanding < WINDOW) publishOne();
    });
    publisher = await openRaw(a.port, proto, 'pub', () => undefined);
    await sleep(SETTLE_MS); // subscriptions settle (Redis SUBSCRIBE, room joins)
    running = true;
    while (outstanding < WINDOW) publishOne();
    await sleep(WARMUP * 1000);
    await gens.ask('go', 'going');
    const tracked0 = tracked;
    const published0 = published;
    const written0 = publisher.socket.bytesWritten;
    const cpu0 = [a.pid, b.pid, redis.pid].map(cpuMicros);
    const t0 = performance.now();
    await sleep(DURATION * 1000);
    const results = await gens.ask('stop', 'counts');
    const seconds = (performance.now() - t0) / 1000;
    const cpu = [a.pid, b.pid, redis.pid].map((pid, i) => cpuMicros(pid) - cpu0[i]);
    const trackedCount = tracked - tracked0;
    const publishedCount = published - published0;
    const publisherBytes = publisher.socket.bytesWritten - written0;
    running = false;
    const side = [0, 0];
    const hist = [newHistogram(), newHistogram()];
    let errors = 0;
    let subscriberBytes = 0;
    for (const r of results) {
      side[0] += r.counts[0];
      side[1] += r.counts[1];
      mergeInto(hist[0], new Float64Array(r.histograms[0].buffer ?? r.histograms[0]));
      mergeInto(hist[1], new Float64Array(r.histograms[1].buffer ?? r.histograms[1]));
      errors += r.errors;
      subscriberBytes += r.bytes;
    }
    // The generator's subscribers: their TCP bytes read over the messages they got (the tracker is not counted).
    const generatorDeliveries = side[0] + side[1];
    side[1] += trackedCount;
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
      bytesPerDelivery: subscriberBytes / Math.max(1, generatorDeliveries),
      bytesPerPublish: publisherBytes / Math.max(1, publishedCount),
      errors,
    };
  } finally {
    await gens.terminate();
    await Promise.all([a.stop(), b.stop()]);
  }
}

const KEYS = [
  'publishesPerSec',
  'deliveriesPerSec',
  'crossPerSec',
  'crossP50',
  'crossP99',
  'localP50',
  'localP99',
  'serverCpuUsPerDelivery',
  'redisCpuUsPerPublish',
  'bytesPerDelivery',
  'bytesPerPublish',
];

/** The recovery runs: krozen-rt with B's other subscribers and alone on B, socket.io with them. */
const RECOVERY_RUNS = [
  { server: 'krozen-rt', bystander: true },
  { server: 'krozen-rt', bystander: false },
  { server: 'socketio', bystander: true },
];

async function main() {
  installCleanup();
  const needSocketio = SERVERS.includes('socketio');
  for (const peer of needSocketio ? PEERS : []) {
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
  const recovery = [];
  try {
    for (let r = 0; THROUGHPUT && r < ROUNDS; r++) {
      for (const name of SERVERS) {
        try {
          rounds[name].push(await round(name, redis));
        } catch (err) {
          failures[name].push(err.message);
        }
        process.stderr.write('.');
      }
    }
    for (const run of RECOVERY ? RECOVERY_RUNS : []) {
      if (!SERVERS.includes(run.server)) continue;
      try {
        recovery.push({ ...run, ...(await runRecovery(run.server, redis, { ...RECOVERY_OPTS, ...run })) });
      } catch (err) {
        recovery.push({ ...run, error: err.message });
      }
      process.stderr.write('r');
    }
  } finally {
    await redis.stop();
  }
  process.stderr.write('\n');
  const summary = {};
  for (const name of THROUGHPUT ? SERVERS : []) {
    summary[name] = Object.fromEntries(KEYS.map((k) => [k, median(rounds[name].map((x) => x[k]))]));
    summary[name].subscribers = rounds[name][0]?.subscribers ?? 0;
    summary[name].errors = rounds[name].reduce((s, x) => s + x.errors, 0);
  }
  const machine = `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}`;
  if (THROUGHPUT) {
    console.log(throughputTable(summary, SERVERS));
    console.log(
      `\n${ROUNDS} round(s) × ${DURATION} s (+${WARMUP} s warm-up), servers interleaved, medians; two server processes on one redis-server, ${SUBSCRIBERS} subscribers half on each, one publisher on A with ${WINDOW} × 64 B in flight; ${GEN_THREADS} generator threads. ${machine}.`,
    );
    for (const name of SERVERS) for (const f of failures[name]) console.log(`> ${name}: round failed: ${f}`);
  }
  if (recovery.length > 0) {
    console.log(`\n${recoveryTable(recovery, RECOVERY_OPTS)}`);
  }
  const out = path.resolve(String(opt('--out', path.join(benchDir, 'results'))));
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'ws-publish-redis.json'),
    `${JSON.stringify({ date: new Date().toISOString(), machine, rounds: ROUNDS, duration: DURATION, subscribers: SUBSCRIBERS, window: WINDOW, summary, perRound: rounds, failures, recoveryOptions: RECOVERY_OPTS, recovery }, null, 1)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
