// The recovery run of the ws-publish-redis suite: a publisher on process A at `rate` msg/s for `seconds`, one
// subscriber on process B through a TCP proxy (tcp-proxy.mjs) that is cut for `cut` seconds in the middle
// (connections reset, reconnections refused). krozen-rt: the real krozen/client (dist/client/index.mjs; on
// Node 20 it loads `ws`) on a topic with `recovery: ['bench']`; socket.io: socket.io-client with the server's
// connectionStateRecovery on (its Redis adapter does not restore sessions: socket.io-redis-adapter #532).
// Every message carries its sequence number: published (acknowledged by the server), received, lost,
// duplicates, out of order, and what the client reported as recovered. With `bystander`, a second subscriber
// stays connected to B directly (B's other clients in a real deployment): B keeps following the topic during
// the cut; without it the cut client was B's only subscriber of the topic.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rootDir } from './servers.mjs';
import { peersDir } from './peers.mjs';
import { startPair } from './redis-pair.mjs';
import { startProxy } from './tcp-proxy.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const TICK_MS = 5;
const SETTLE_MS = 500; // the subscriber's Redis SUBSCRIBE (krozen) / room join (socket.io) before the first publish
// After the last publish: wait for the missing messages at most DRAIN_MS, and no longer than DRAIN_IDLE_MS with
// nothing arriving (a lossy run ends soon; a recovering client is still receiving).
const DRAIN_MS = 5000;
const DRAIN_IDLE_MS = 1000;
// Both clients retry fast (after the cut ends, the next attempt is at most 1 s away), so the run is short;
// the reconnection delay does not change what is lost, only how much the server must hold.
const RECONNECT = { initialDelay: 250, maxDelay: 1000 };

/** Per-message bookkeeping on the subscriber's side. */
function tracker(total) {
  const seen = new Uint8Array(total);
  const t = { received: 0, distinct: 0, duplicates: 0, outOfOrder: 0, max: -1, bogus: 0, lastAt: 0 };
  t.add = (n) => {
    t.lastAt = Date.now();
    if (!Number.isInteger(n) || n < 0 || n >= total) {
      t.bogus++;
      return;
    }
    t.received++;
    if (seen[n]) t.duplicates++;
    else {
      seen[n] = 1;
      t.distinct++;
    }
    if (n < t.max) t.outOfOrder++;
    else t.max = n;
  };
  return t;
}

/** Publishes 0, 1, 2 … at `rate` per second for `seconds`; calls cut() once, mid-run. Resolves with acks. */
async function publishAll({ rate, seconds, publish, onHalf }) {
  const total = Math.round(rate * seconds);
  const acks = [];
  const t0 = Date.now();
  let sent = 0;
  let halfDone = false;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - t0) * rate) / 1000));
    while (sent < due) acks.push(publish(sent++));
    if (!halfDone && Date.now() - t0 >= onHalf.at) {
      halfDone = true;
      onHalf.run();
    }
    await sleep(TICK_MS);
  }
  const results = await Promise.allSettled(acks);
  return { total, acked: results.filter((r) => r.status === 'fulfilled').length };
}

async function krozenClients(a, b, proxy, bystander) {
  const { connect } = await import(pathToFileURL(path.join(rootDir, 'dist', 'client', 'index.mjs')).href);
  const state = { recovered: 0, lostEvents: 0, lostMissed: 0, errors: [], reconnectedAt: null, recoveredAt: null };
  const sub = connect(`ws://127.0.0.1:${proxy.port}/rt`, { reconnect: RECONNECT });
  const pub = connect(`ws://127.0.0.1:${a.port}/rt`);
  const by = bystander ? connect(`ws://127.0.0.1:${b.port}/rt`) : null;
  sub.on('error', (err) => state.errors.push(String(err?.message ?? err)));
  pub.on('error', (err) => state.errors.push(`publisher: ${err?.message ?? err}`));
  sub.on('open', ({ reconnected }) => {
    if (reconnected) state.reconnectedAt ??= Date.now();
  });
  sub.on('recovered', ({ count }) => {
    state.recovered += count;
    state.recoveredAt ??= Date.now();
  });
  sub.on('lost', ({ missed }) => {
    state.lostEvents++;
    state.lostMissed += missed ?? 0;
  });
  return {
    state,
    subscribe: async (onMessage) => {
      const s = sub.subscribe('bench', (n) => onMessage(n));
      await Promise.all([s.ready, by?.subscribe('bench', () => undefined).ready]);
    },
    publish: (n) => pub.publish('bench', n),
    recoveredText: () =>
      `${state.recovered.toLocaleString('en-US')} (recovered events)` +
      (state.lostEvents ? `; lost events: ${state.lostEvents} (${state.lostMissed} missed)` : ''),
    close: () => {
      sub.close();
      pub.close();
      by?.close();
    },
  };
}

async function socketioClients(a, b, proxy, bystander) {
  const require = createRequire(path.join(peersDir, 'node_modules', 'x.js'));
  const { io } = require('socket.io-client');
  const state = { connects: 0, restored: 0, errors: [], reconnectedAt: null, recoveredAt: null };
  const options = {
    transports: ['websocket'],
    reconnectionDelay: RECONNECT.initialDelay,
    reconnectionDelayMax: RECONNECT.maxDelay,
  };
  const sub = io(`http://127.0.0.1:${proxy.port}`, options);
  const pub = io(`http://127.0.0.1:${a.port}`, { ...options, query: { pub: '1' } });
  const by = bystander ? io(`http://127.0.0.1:${b.port}`, options) : null;
  let onMessage = () => undefined;
  sub.on('msg', (n) => onMessage(n));
  sub.on('connect', () => {
    state.connects++;
    if (state.connects > 1) state.reconnectedAt ??= Date.now();
    if (sub.recovered) state.restored++;
  });
  const connected = (s) => (s.connected ? Promise.resolve() : new Promise((resolve) => s.once('connect', resolve)));
  return {
    state,
    subscribe: async (handler) => {
      onMessage = handler;
      await Promise.all([connected(sub), connected(pub), by && connected(by)]);
    },
    publish: (n) =>
      new Promise((resolve, reject) => {
        pub.timeout(10_000).emit('pub', n, (err) => (err ? reject(err) : resolve()));
      }),
    recoveredText: () => `${state.restored} of ${state.connects - 1} reconnections restored (socket.recovered)`,
    close: () => {
      sub.close();
      pub.close();
      by?.close();
    },
  };
}

/**
 * One recovery run for `name` ('krozen-rt' or 'socketio') on `redis`: fresh servers A and B with RECOVERY=1.
 * Returns the counts; throws when a server does not start.
 */
export async function runRecovery(name, redis, { rate = 1000, seconds = 6, cut = 2, bystander = true } = {}) {
  const [a, b] = await startPair(name, redis.port, { RECOVERY: '1' });
  const proxy = await startProxy(b.port);
  let clients = null;
  try {
    const make = name === 'socketio' ? socketioClients : krozenClients;
    clients = await make(a, b, proxy, bystander);
    const total = Math.round(rate * seconds);
    const t = tracker(total);
    await clients.subscribe((n) => t.add(n));
    await sleep(SETTLE_MS);
    let cutAt = 0;
    const cutMs = cut * 1000;
    const { acked } = await publishAll({
      rate,
      seconds,
      publish: clients.publish,
      onHalf: {
        at: (seconds * 1000 - cutMs) / 2,
        run: () => {
          cutAt = Date.now();
          proxy.cut(cutMs);
        },
      },
    });
    const drainEnd = Date.now() + DRAIN_MS;
    const drainStart = Date.now();
    while (t.distinct < acked && Date.now() < drainEnd && Date.now() - Math.max(t.lastAt, drainStart) < DRAIN_IDLE_MS)
      await sleep(20);
    await sleep(200); // a late duplicate would land here
    const { state } = clients;
    return {
      bystander,
      published: acked,
      attempted: total,
      received: t.received,
      lost: acked - t.distinct,
      duplicates: t.duplicates,
      outOfOrder: t.outOfOrder,
      bogus: t.bogus,
      recovered: state.recovered ?? null,
      restored: state.restored ?? null,
      recoveredText: clients.recoveredText(),
      reconnectMs: state.reconnectedAt === null ? null : state.reconnectedAt - cutAt,
      refused: proxy.stats().refused,
      errors: state.errors.slice(0, 3),
    };
  } finally {
    clients?.close();
    await Promise.all([proxy.close(), a.stop(), b.stop()]);
  }
}
