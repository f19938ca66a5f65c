#!/usr/bin/env node
// WebSocket load generator: worker threads with raw sockets (ws-worker.mjs), so it can drive a server
// harder than one Node `ws` client. Run by the harness (forked, reporting over IPC) or by hand:
//   node bench/load/ws-load.mjs --port 8000 --mode echo --connections 50 --inflight 16 --size 64 --duration 5
// Modes: echo (ping-pong / pipelined / binary), publish (subscribers + one publisher), idle (open and hold).
// --tls: wss:// (tls.connect, the server's certificate not verified: the bench's own, self-signed).
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { newHistogram, mergeInto, quantile } from '../lib/stats.mjs';

const DEFAULTS = {
  port: 8000,
  path: '/ws',
  mode: 'echo',
  connections: 50,
  inflight: 1,
  size: 64,
  binary: false,
  duration: 5,
  warmup: 1,
  threads: 2,
  connectConcurrency: 64,
  tls: false,
  // Idle suites past one source address's ~28k ephemeral ports: connect from 127.0.0.1..N in turn.
  sourceAddresses: 1,
};

function parseArgs(argv) {
  const opts = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in DEFAULTS)) throw new Error(`unknown option ${argv[i]}`);
    if (typeof DEFAULTS[key] === 'boolean') opts[key] = true;
    else opts[key] = typeof DEFAULTS[key] === 'number' ? Number(argv[++i]) : argv[++i];
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const toParent = (msg) => {
  if (process.send) process.send(msg);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Hard bound: never outlive the run by more than a generous margin.
const hardLimitMs = (opts.warmup + opts.duration + 60) * 1000;
setTimeout(() => {
  process.stderr.write('ws-load: hard time limit reached\n');
  process.exit(2);
}, hardLimitMs).unref();

const clockBase = performance.timeOrigin + performance.now();
const threads = Math.max(1, Math.min(opts.threads, opts.connections));
const workers = [];
for (let t = 0; t < threads; t++) {
  const share = Math.floor(opts.connections / threads) + (t < opts.connections % threads ? 1 : 0);
  const worker = new Worker(new URL('./ws-worker.mjs', import.meta.url), {
    workerData: {
      ...opts,
      clockBase,
      connections: share,
      threadIndex: t,
      connectConcurrency: Math.max(1, Math.floor(opts.connectConcurrency / threads)),
    },
  });
  worker.on('error', (err) => {
    process.stderr.write(`ws-load worker error: ${err.stack}\n`);
    process.exit(3);
  });
  worker.on('message', (msg) => {
    if (msg.type === 'warn') process.stderr.write(`ws-load: ${msg.text}\n`);
  });
  workers.push(worker);
}

function ask(worker, cmd, replyType) {
  return new Promise((resolve) => {
    const onMessage = (msg) => {
      if (msg.type === replyType) {
        worker.off('message', onMessage);
        resolve(msg);
      }
    };
    worker.on('message', onMessage);
    worker.postMessage({ cmd });
  });
}
const askAll = (cmd, replyType) => Promise.all(workers.map((w) => ask(w, cmd, replyType)));

function waitForParent(cmd) {
  return new Promise((resolve) => {
    if (!process.send) {
      sleep(opts.duration * 1000).then(resolve);
      return;
    }
    const onMessage = (msg) => {
      if (msg?.cmd === cmd) {
        process.off('message', onMessage);
        resolve();
      }
    };
    process.on('message', onMessage);
  });
}

async function main() {
  const t0 = performance.now();
  const connected = await askAll('connect', 'connected');
  const count = connected.reduce((a, m) => a + m.count, 0);
  const connectMs = performance.now() - t0;
  const connectErrors = connected.reduce((a, m) => a + m.errors, 0);
  toParent({ type: 'connected', count, ms: connectMs });
  if (count === 0) throw new Error(`no connection could be opened (${connectErrors} errors)`);

  if (opts.mode === 'idle') {
    toParent({ type: 'opened', count, ms: connectMs });
    await waitForParent('release');
    await askAll('close', 'closed');
    return { mode: opts.mode, connections: count, connectMs, connectErrors, rate: count / (connectMs / 1000) };
  }
  if (opts.mode === 'publish') {
    const pub = await ask(workers[0], 'connect-publisher', 'publisher');
    if (!pub.ok) throw new Error('the publisher connection failed');
  }

  for (const w of workers) w.postMessage({ cmd: 'go' });
  await sleep(opts.warmup * 1000);
  await askAll('reset', 'reset');
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  toParent({ type: 'start' });
  await sleep(opts.duration * 1000);
  toParent({ type: 'end' });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const counts = await askAll('stop', 'counts');
  await askAll('close', 'closed');

  const histogram = newHistogram();
  let messages = 0;
  let bytes = 0;
  let errors = 0;
  for (const c of counts) {
    messages += c.messages;
    bytes += c.bytes;
    errors += c.errors;
    mergeInto(histogram, c.histogram);
  }
  return {
    mode: opts.mode,
    connections: count,
    seconds,
    messages,
    bytes,
    errors: errors + connectErrors,
    rate: messages / seconds,
    p50: quantile(histogram, 0.5),
    p99: quantile(histogram, 0.99),
    clientCpuMicros: cpu.user + cpu.system,
    threads,
  };
}

main().then(
  (result) => {
    toParent({ type: 'result', result });
    if (!process.send) console.log(JSON.stringify(result));
    process.exit(0);
  },
  (err) => {
    toParent({ type: 'error', message: err.message });
    process.stderr.write(`ws-load: ${err.stack}\n`);
    process.exit(1);
  },
);
