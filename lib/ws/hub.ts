// The WebSocket side of an app: the set of open connections, topics and the idle sweep.
// (Upgrades are upgrade.ts's; the per-tick write batching is outbox.ts's.)
import type { WebSocket } from './websocket';
import type { ConnectionLimits } from './connection-config';
import { sessionOfWs, type WsSession } from './session';
import { Failures } from './close-codes';
import { Opcode } from './frame';
import { frameValue } from './message-encoding';
import { frameCopy, framePayloadLength } from './sender';
import { Topics } from '../pubsub/topics';
import { payloadTooLarge } from '../pubsub/payload';
import { listenerFault } from '../base/listener-guard';
import type { WsStats } from './ws-stats';

export interface WsHost {
  /** The app's topic index (shared with its pub/sub, which follows topics across processes). */
  topics?: Topics<WebSocket>;
}

/**
 * The connections with the same idle timeout: one interval timer sweeps them (from the open connections: no
 * set or map entry of their own per connection, which cost ~100 B of hash table each at 10,000).
 */
interface IdleGroup {
  timer: NodeJS.Timeout;
  count: number;
}

export class WsHub {
  /** @internal */
  readonly topicsIndex: Topics<WebSocket>;
  private readonly clients = new Set<WsSession>();
  private readonly idleGroups = new Map<number, IdleGroup>();
  /**
   * settings.jsonBigInt of this hub's connections (the app's: an endpoint cannot change it), the rule publish
   * frames JSON with, as ws.send does.
   */
  private jsonBigInt = false;
  /** settings.metrics: message, byte and backpressure counters (null: off; read by new connections). */
  stats: WsStats | null = null;

  constructor(host: WsHost = {}) {
    this.topicsIndex = host.topics ?? new Topics<WebSocket>();
  }

  /** Open connections. */
  get size(): number {
    return this.clients.size;
  }

  /** The open connections (a copy). */
  get connections(): WebSocket[] {
    return Array.from(this.clients, (session) => session.ws);
  }

  /** @internal A new connection (upgrade.ts): counted, and watched for idleness when idleTimeout > 0. */
  addConnection(session: WsSession, limits: ConnectionLimits): void {
    this.clients.add(session);
    this.jsonBigInt = limits.jsonBigInt;
    if (limits.idleTimeout > 0) this.watchIdle(limits.idleTimeout);
  }

  /**
   * Sends `value` to this process's subscribers of `topic` (string → text, bytes → binary, else JSON), framed
   * once: the same Buffer is written to every socket. Returns how many subscribers it was written to (the
   * backpressure policy may skip some). app.publish() reaches the other processes too.
   */
  publish(topic: string, value: unknown, maxPayload = Infinity): number {
    const subscribers = this.topicsIndex.subscribers(topic);
    if (subscribers === undefined) return 0;
    // The frame ws.send makes (message-encoding.ts), under the app's settings.jsonBigInt: one Buffer for all.
    return writeToAll(subscribers, checkedFrame(frameValue(value, this.jsonBigInt), maxPayload));
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
  closeAll(code: number = Failures.SHUTDOWN[0], reason: string = Failures.SHUTDOWN[1]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const { ws } of this.clients) {
      waits.push(new Promise<void>((resolve) => ws.once('close', () => resolve())));
      ws.close(code, reason);
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** @internal */
  removeConnection(session: WsSession): void {
    if (!this.clients.delete(session)) return;
    const interval = session.limits.idleTimeout;
    if (interval > 0) {
      const group = this.idleGroups.get(interval);
      if (group !== undefined) group.count--;
    }
  }

  /**
   * Idle detection without a timer per connection: every `interval` ms the sweep looks at each
   * connection. Read something since the last sweep → fine; silent → pinged; still silent at the
   * next sweep → closed with 1001. So a silent peer is pinged after 1-2 intervals and closed one
   * interval later.
   */
  private watchIdle(interval: number): void {
    let group = this.idleGroups.get(interval);
    if (group === undefined) {
      const timer = setInterval(() => this.sweep(interval), interval);
      timer.unref();
      group = { timer, count: 0 };
      this.idleGroups.set(interval, group);
    }
    group.count++;
  }

  private sweep(interval: number): void {
    const group = this.idleGroups.get(interval);
    if (group === undefined) return;
    if (group.count === 0) {
      clearInterval(group.timer);
      this.idleGroups.delete(interval);
      return;
    }
    for (const session of this.clients) {
      if (session.limits.idleTimeout !== interval) continue;
      try {
        if (session.active) {
          session.active = false;
          session.idlePinged = false;
        } else if (!session.idlePinged) {
          session.idlePinged = true;
          session.idlePing();
        } else {
          session.idleExpired();
        }
      } catch (err) {
        // A timer callback: a throw would end the process.
        listenerFault('WebSocket idle sweep', err, session.socket);
      }
    }
  }
}

/** `frame`, after checking its payload against publishMaxPayload. */
function checkedFrame(frame: Buffer, maxPayload: number): Buffer {
  if (frame.length - 2 > maxPayload) {
    const bytes = framePayloadLength(frame);
    if (bytes > maxPayload) throw payloadTooLarge(bytes, maxPayload);
  }
  return frame;
}

function writeToAll(subscribers: ReadonlySet<WebSocket>, frame: Buffer): number {
  let count = 0;
  for (const ws of subscribers) if (sessionOfWs(ws).sendFrame(frame)) count++;
  return count;
}
