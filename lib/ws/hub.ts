// The WebSocket side of a server: upgrades on settings.wsPath, the set of open connections, topics,
// the per-tick write batching and the idle sweep.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Hooks } from '../hooks';
import type { Settings } from '../settings';
import { WebSocket, type ConnectionLimits } from './connection';
import { DEFAULT_CONCURRENCY, DEFAULT_THRESHOLD, Limiter, PerMessageDeflate, negotiateDeflate } from './deflate';
import { acceptResponse, checkUpgradeRequest, refuseUpgrade } from './handshake';
import { Opcode, frameCopy, frameValue } from './sender';
import { Topics } from '../pubsub/topics';
import { payloadTooLarge } from '../pubsub/payload';
import { listenerFault } from '../listener-guard';

export interface WsHost {
  hooks: Hooks;
  settings: Settings;
  /** The app's topic index (shared with its pub/sub, which follows topics across processes). */
  topics?: Topics<WebSocket>;
}

/** Connections with the same idle timeout, swept by one interval timer. */
interface IdleGroup {
  timer: NodeJS.Timeout;
  members: Set<WebSocket>;
}

export class WsHub {
  /** @internal */
  readonly topicsIndex: Topics<WebSocket>;
  private readonly clients = new Set<WebSocket>();
  private limits: ConnectionLimits | null = null;
  private limiter: Limiter | null = null;
  private readonly idleGroups = new Map<number, IdleGroup>();
  private readonly idleGroupOf = new Map<WebSocket, IdleGroup>();
  private batched: WebSocket[] = [];
  private flushScheduled = false;

  constructor(private readonly host: WsHost) {
    this.topicsIndex = host.topics ?? new Topics<WebSocket>();
  }

  get hooks(): Hooks {
    return this.host.hooks;
  }

  /** Open connections. */
  get size(): number {
    return this.clients.size;
  }

  /** The open connections (a copy). */
  get connections(): WebSocket[] {
    return [...this.clients];
  }

  /** For the server's 'upgrade' event: upgrades requests on settings.wsPath, refuses the others. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const settings = this.host.settings;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    if (pathname !== settings.wsPath) {
      refuseUpgrade(socket, { status: 404, message: 'Not Found' });
      return;
    }
    const checked = checkUpgradeRequest(req);
    if (!('key' in checked)) {
      refuseUpgrade(socket, checked);
      return;
    }
    if (!socket.readable || !socket.writable) {
      socket.destroy();
      return;
    }
    let deflate: PerMessageDeflate | null = null;
    let extensions: string | undefined;
    const pmd = settings.wsPerMessageDeflate;
    if (pmd !== false && pmd !== undefined) {
      const options = pmd === true ? {} : pmd;
      const agreed = negotiateDeflate(req.headers['sec-websocket-extensions'], options);
      if (agreed !== null) {
        if (this.limiter === null) this.limiter = new Limiter(options.concurrencyLimit ?? DEFAULT_CONCURRENCY);
        deflate = new PerMessageDeflate(agreed.params, this.limiter, options.threshold ?? DEFAULT_THRESHOLD);
        extensions = agreed.response;
      }
    }
    const net = socket as Partial<Socket>;
    if (typeof net.setNoDelay === 'function') net.setNoDelay(true);
    if (typeof net.setTimeout === 'function') net.setTimeout(0);
    const limits = this.limitsFor(settings);
    const ws = new WebSocket(this, socket, limits, deflate, net.remoteAddress, req.url ?? '/');
    this.clients.add(ws);
    if (limits.idleTimeout > 0) this.watchIdle(ws, limits.idleTimeout);
    ws.start(acceptResponse(checked.key, extensions), head);
  }

  /**
   * Sends `value` to this process's subscribers of `topic` (string → text, bytes → binary, else JSON), framed
   * once: the same Buffer is written to every socket. Returns how many subscribers it was written to (the
   * backpressure policy may skip some). app.publish() reaches the other processes too.
   */
  publish(topic: string, value: unknown, maxPayload = Infinity): number {
    const subscribers = this.topicsIndex.subscribers(topic);
    if (subscribers === undefined) return 0;
    const frame = frameValue(value);
    if (frame.length - 2 > maxPayload) {
      const bytes = payloadLength(frame);
      if (bytes > maxPayload) throw payloadTooLarge(bytes, maxPayload);
    }
    return writeToAll(subscribers, frame);
  }

  /** @internal A payload from another process: framed once here, written to each local subscriber. */
  publishPayload(topic: string, binary: boolean, payload: Buffer): number {
    const subscribers = this.topicsIndex.subscribers(topic);
    if (subscribers === undefined) return 0;
    return writeToAll(subscribers, frameCopy(binary ? Opcode.BINARY : Opcode.TEXT, payload));
  }

  /** Topics with at least one subscriber. */
  topics(): string[] {
    return this.topicsIndex.names();
  }

  /** Closes every connection with `code`; resolves when all are gone (within settings.wsCloseTimeout). */
  closeAll(code = 1001, reason = 'Server shutting down'): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const ws of this.clients) {
      waits.push(new Promise<void>((resolve) => ws.once('close', () => resolve())));
      ws.close(code, reason);
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** @internal */
  removeConnection(ws: WebSocket): void {
    this.clients.delete(ws);
    const group = this.idleGroupOf.get(ws);
    if (group !== undefined) {
      this.idleGroupOf.delete(ws);
      group.members.delete(ws);
    }
  }

  /** @internal A connection wrote outside a read: flush its batch once this tick's work is done. */
  scheduleFlush(ws: WebSocket): void {
    this.batched.push(ws);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(flushAll, this);
    }
  }

  /** @internal */
  flushBatches(): void {
    const list = this.batched;
    this.batched = [];
    this.flushScheduled = false;
    for (let i = 0; i < list.length; i++) {
      const ws = list[i];
      if (!ws.batched) continue;
      try {
        ws.flush();
      } catch (err) {
        listenerFault('WebSocket flush', err, ws.rawSocket);
      }
    }
  }

  /** One shared limits object while the settings stay the same. */
  private limitsFor(settings: Settings): ConnectionLimits {
    const l = this.limits;
    if (
      l !== null && l.maxPayload === settings.wsMaxPayload && l.maxFragments === settings.wsMaxFragments &&
      l.closeTimeout === settings.wsCloseTimeout && l.idleTimeout === settings.wsIdleTimeout &&
      l.maxBackpressure === settings.wsMaxBackpressure && l.backpressurePolicy === settings.wsBackpressurePolicy &&
      l.maxQueuedBytes === settings.wsMaxQueuedBytes
    ) {
      return l;
    }
    this.limits = {
      maxPayload: settings.wsMaxPayload,
      maxFragments: settings.wsMaxFragments,
      closeTimeout: settings.wsCloseTimeout,
      idleTimeout: settings.wsIdleTimeout,
      maxBackpressure: settings.wsMaxBackpressure,
      backpressurePolicy: settings.wsBackpressurePolicy,
      maxQueuedBytes: settings.wsMaxQueuedBytes,
    };
    return this.limits;
  }

  /**
   * Idle detection without a timer per connection: every `interval` ms the sweep looks at each
   * connection. Read something since the last sweep → fine; silent → pinged; still silent at the
   * next sweep → closed with 1001. So a silent peer is pinged after 1-2 intervals and closed one
   * interval later.
   */
  private watchIdle(ws: WebSocket, interval: number): void {
    let group = this.idleGroups.get(interval);
    if (group === undefined) {
      const members = new Set<WebSocket>();
      const timer = setInterval(() => this.sweep(interval), interval);
      timer.unref();
      group = { timer, members };
      this.idleGroups.set(interval, group);
    }
    group.members.add(ws);
    this.idleGroupOf.set(ws, group);
  }

  private sweep(interval: number): void {
    const group = this.idleGroups.get(interval);
    if (group === undefined) return;
    if (group.members.size === 0) {
      clearInterval(group.timer);
      this.idleGroups.delete(interval);
      return;
    }
    for (const ws of group.members) {
      try {
        if (ws.active) {
          ws.active = false;
          ws.idlePinged = false;
        } else if (!ws.idlePinged) {
          ws.idlePinged = true;
          ws.idlePing();
        } else {
          ws.idleExpired();
        }
      } catch (err) {
        // A timer callback: a throw would end the process.
        listenerFault('WebSocket idle sweep', err, ws.rawSocket);
      }
    }
  }
}

function writeToAll(subscribers: ReadonlySet<WebSocket>, frame: Buffer): number {
  let count = 0;
  for (const ws of subscribers) if (ws.sendFrame(frame)) count++;
  return count;
}

/** The payload length a server frame's header gives. */
function payloadLength(frame: Buffer): number {
  const short = frame[1] & 0x7f;
  if (short < 126) return short;
  if (short === 126) return frame.readUInt16BE(2);
  return frame.readUInt32BE(2) * 0x100000000 + frame.readUInt32BE(6);
}

function flushAll(hub: WsHub): void {
  hub.flushBatches();
}
