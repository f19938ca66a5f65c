#!/usr/bin/env node
// Which Redis client krozen's pub/sub uses, by measurement: node bench/redis-clients.mjs [--rounds n] [--messages n]
// ioredis and redis (node-redis) are installed on demand into the git-ignored bench/.peers; a redis-server is
// started on a free port on 127.0.0.1 and stopped by PID. Per client and round: throughput (N publishes of a
// 64 B Buffer kept in flight, until the subscriber got them all: messages/s and process CPU µs/message) and
// latency (one publish at a time, publish → subscriber callback, p50/p99).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePeer } from './lib/peers.mjs';
import { installCleanup, track } from './lib/children.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i === -1 ? def : Number(args[i + 1]);
};
const ROUNDS = opt('--rounds', 3);
const MESSAGES = opt('--messages', 100_000);
const PINGS = opt('--pings', 3000);
const WINDOW = 1000;

for (const peer of ['ioredis@6.1.0', 'redis@6.4.0']) {
  const why = ensurePeer(peer);
  if (why) {
    console.error(why);
    process.exit(1);
  }
}
const require = createRequire(path.join(benchDir, '.peers', 'node_modules', 'x.js'));
const IORedis = require('ioredis');
const { createClient } = require('redis');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startRedis() {
  const port = await freePort();
  const proc = track(
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
      detached: true,
    }),
  );
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return { port, stop: () => proc.kill('SIGKILL') };
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error('redis-server did not start (apt-get install redis-server)');
}

// Each adapter: { publish(buf) → Promise, onMessage(fn), close() }
async function ioredisPair(url, options = {}) {
  const pub = new IORedis(url, options);
  const sub = new IORedis(url);
  await sub.subscribe('bench');
  let handler = () => {};
  sub.on('messageBuffer', (channel, message) => handler(message));
  return {
    publish: (buf) => pub.publish('bench', buf),
    onMessage: (fn) => {
      handler = fn;
    },
    close: () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}

async function nodeRedisPair(url) {
  const pub = createClient({ url });
  await pub.connect();
  const sub = pub.duplicate();
  await sub.connect();
  let handler = () => {};
  await sub.subscribe('bench', (message) => handler(message), true);
  return {
    publish: (buf) => pub.publish('bench', buf),
    onMessage: (fn) => {
      handler = fn;
    },
    close: () => {
      pub.destroy();
      sub.destroy();
    },
  };
}

async function throughput(pair) {
  const payload = Buffer.alloc(64, 0x61);
  let received = 0;
  let sent = 0;
  let inFlight = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    pair.onMessage(() => {
      if (++received === MESSAGES) resolve();
    });
    const pump = () => {
      while (sent < MESSAGES && inFlight < WINDOW) {
        sent++;
        inFlight++;
        pair.publish(payload).then(() => {
          inFlight--;
          pump();
        }, reject);
      }
    };
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { rate: MESSAGES / seconds, cpuUs: (cpu.user + cpu.system) / MESSAGES };
}

async function latency(pair) {
  const payload = Buffer.alloc(64, 0x62);
  const samples = [];
  for (let i = 0; i < PINGS; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise((resolve) => {
      pair.onMessage(resolve);
      pair.publish(payload).catch(() => {});
    });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)] };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

installCleanup(); // the redis-server goes with this process, however it ends
const redis = await startRedis();
try {
  const url = `redis://127.0.0.1:${redis.port}`;
  const clients = {
    ioredis: ioredisPair,
    'ioredis (enableAutoPipelining)': (u) => ioredisPair(u, { enableAutoPipelining: true }),
    redis: nodeRedisPair,
  };
  const results = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of Object.entries(clients)) {
      const pair = await make(url);
      await new Promise((r) => setTimeout(r, 100));
      await latency(pair); // warm-up
      const t = await throughput(pair);
      const l = await latency(pair);
      await new Promise((r) => setTimeout(r, 50)); // the last replies
      pair.close();
      results[name].push({ ...t, ...l });
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  console.log(
    `| client | publish→receive msg/s | CPU µs/msg (both connections, one process) | latency p50 µs | p99 µs |`,
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, rs] of Object.entries(results)) {
    console.log(
      `| ${name} | ${Math.round(median(rs.map((r) => r.rate)))} | ${median(rs.map((r) => r.cpuUs)).toFixed(1)} | ${median(rs.map((r) => r.p50)).toFixed(0)} | ${median(rs.map((r) => r.p99)).toFixed(0)} |`,
    );
  }
  console.log(
    `\n${ROUNDS} rounds (clients interleaved), ${MESSAGES} × 64 B with ${WINDOW} in flight; ${PINGS} one-at-a-time round trips; medians.`,
  );
} finally {
  redis.stop();
}
