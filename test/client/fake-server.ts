// A small krozen.v1 server (docs/realtime-protocol.md) on the `ws` package, for the client's end-to-end tests
// while app.realtime() is being written: sub/unsub/pub/req/evt/ping, recovery with ids "<ms>-<seq>" on the
// topics named in `recoveryTopics`, a bounded history (`lost` past it), and hooks to cut connections.
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

export interface FakeOptions {
  recoveryTopics?: string[];
  historySize?: number; // messages kept per recovery topic
  canPublish?: boolean;
  requests?: Record<string, (data: any) => unknown>;
  /** Misbehave on recovery: resend the whole history, ids at or before `after` included (the client drops them). */
  resendAll?: boolean;
  /** Never answer ["ping"] (a dead connection, for the client's pingTimeout). */
  noPong?: boolean;
}

interface Msg {
  id: string;
  data: unknown;
}

export interface FakeServer {
  url: string;
  sockets: Set<WebSocket>;
  /** Every frame received, parsed, in order. */
  received: unknown[][];
  events: Array<[string, unknown]>;
  publish(topic: string, data: unknown): string | undefined;
  emit(event: string, data: unknown): void;
  /** A request to every connected client; resolves with the first answer frame. */
  request(event: string, data: unknown): Promise<unknown[]>;
  /** Drops every connection without a close handshake. */
  terminateAll(): void;
  subscribers(topic: string): number;
  close(): Promise<void>;
}

export async function startFake(options: FakeOptions = {}): Promise<FakeServer> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('krozen.v1') ? 'krozen.v1' : false),
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const recovery = new Set(options.recoveryTopics ?? []);
  const historySize = options.historySize ?? 1000;
  const history = new Map<string, Msg[]>();
  const subs = new Map<WebSocket, Set<string>>();
  const answers = new Map<number, (frame: unknown[]) => void>();
  const received: unknown[][] = [];
  const events: Array<[string, unknown]> = [];
  let seq = 0;
  let ref = 0;
  const send = (ws: WebSocket, frame: unknown[]): void => ws.send(JSON.stringify(frame));

  wss.on('connection', (ws) => {
    subs.set(ws, new Set());
    ws.on('close', () => subs.delete(ws));
    ws.on('message', async (raw, binary) => {
      const msg = binary ? null : JSON.parse(raw.toString());
      if (!Array.isArray(msg)) return ws.close(1008, 'not an array');
      received.push(msg);
      const [type] = msg;
      if (type === 'ping') return options.noPong ? undefined : send(ws, ['pong']);
      if (type === 'evt') return void events.push([msg[1], msg[2]]);
      if (type === 'ok' || type === 'err') return answers.get(msg[1])?.(msg);
      if (type === 'unsub') {
        subs.get(ws)?.delete(msg[2]);
        return send(ws, ['ok', msg[1], null]);
      }
      if (type === 'pub') {
        if (!options.canPublish) return send(ws, ['err', msg[1], 'forbidden', 'client publish is off']);
        publish(msg[2], msg[3]);
        return send(ws, ['ok', msg[1], null]);
      }
      if (type === 'req') {
        const handler = options.requests?.[msg[2]];
        if (!handler) return send(ws, ['err', msg[1], 'not_found', `no handler for ${msg[2]}`]);
        try {
          return send(ws, ['ok', msg[1], (await handler(msg[3])) ?? null]);
        } catch (err) {
          return send(ws, ['err', msg[1], 'internal', (err as Error).message]);
        }
      }
      if (type === 'sub') {
        const [, r, topic, after] = msg;
        if (topic === 'forbidden') return send(ws, ['err', r, 'forbidden', 'no']);
        const kept = history.get(topic) ?? [];
        let recovered = 0;
        if (after !== undefined && recovery.has(topic)) {
          const from = kept.findIndex((m) => m.id === after);
          const newer = compare(after, kept[kept.length - 1]?.id ?? '0-0') >= 0;
          if (from >= 0 || newer) {
            for (const m of options.resendAll ? kept : from >= 0 ? kept.slice(from + 1) : []) {
              send(ws, ['m', topic, m.data, m.id]);
              recovered++;
            }
          } else send(ws, ['lost', topic, null]);
        }
        subs.get(ws)!.add(topic);
        const last = recovery.has(topic) ? (kept[kept.length - 1]?.id ?? null) : null;
        return send(ws, ['ok', r, { last, recovered }]);
      }
      ws.close(1008, `unknown type ${type}`);
    });
  });

  function publish(topic: string, data: unknown): string | undefined {
    let id: string | undefined;
    if (recovery.has(topic)) {
      id = `${Date.now()}-${seq++}`;
      const kept = history.get(topic) ?? [];
      kept.push({ id, data });
      if (kept.length > historySize) kept.shift();
      history.set(topic, kept);
    }
    for (const [ws, topics] of subs) {
      if (topics.has(topic)) send(ws, id ? ['m', topic, data, id] : ['m', topic, data]);
    }
    return id;
  }

  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    sockets: wss.clients,
    received,
    events,
    publish,
    emit: (event, data) => wss.clients.forEach((ws) => send(ws, ['evt', event, data])),
    request: (event, data) =>
      new Promise((resolve) => {
        const r = ++ref;
        answers.set(r, resolve);
        wss.clients.forEach((ws) => send(ws, ['req', r, event, data]));
      }),
    terminateAll: () => wss.clients.forEach((ws) => ws.terminate()),
    subscribers: (topic) => [...subs.values()].filter((t) => t.has(topic)).length,
    close: () =>
      new Promise((resolve) => {
        wss.clients.forEach((ws) => ws.terminate());
        wss.close(() => resolve());
      }),
  };
}

function compare(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
