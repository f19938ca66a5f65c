// The WebSocket side of an app: the set of open connections, topics and the idle sweep.
// (Upgrades are upgrade.ts's; the per-tick write batching is outbox.ts's.)
import type { WebSocket } from './connection';
import { Failures } from './close-codes';
import { Opcode, frameCopy, frameValue } from './sender';
import { Topics } from '../pubsub/topics';
import { payloadTooLarge } from '../pubsub/payload';
import { listenerFault } from '../base/listener-guard';

export interface WsHost {
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
  private readonly idleGroups = new Map<number, IdleGroup>();
  private readonly idleGroupOf = new Map<WebSocket, IdleGroup>();

  constructor(host: WsHost = {}) {
    this.topicsIndex = host.topics ?? new Topics<WebSocket>();
  }

  /** Open connections. */
  get size(): number {
    return this.clients.size;
  }

  /** The open connections (a copy). */
  get connections(): WebSocket[] {
    return [...this.clients];
  }

  /** @internal A new connection (upgrade.ts): counted, and watched for idleness when idleTimeout > 0. */
  addConnection(ws: WebSocket, idleTimeout: number): void {
    this.clients.add(ws);
    if (idleTimeout > 0) this.watchIdle(ws, idleTimeout);
  }

  /**
   * Sends `value` to this process's subscribers of `topic` (string → text, bytes → binary, else JSON), framed
   * once: the same Buffer is written to every socket. Returns how many subscribers it was written to (the
   * backpressure policy may skip some). app.publish() reaches the other processes too.
   */
  publish(topic: string, value: unknown, maxPayload = Infinity): number {
    const subscribers = this.topicsIndex.subscribers(topic);
    if (subscribers === undefined) return 0;
    // Each subscriber gets the frame ws.send would make for it: a JSON value follows its settings.jsonBigInt
    // (a BigInt written exactly, or a TypeError as JSON.stringify gives). Framed once per rule in use.
    // Both frames are made before any is written: a value one rule cannot encode reaches nobody.
    let exactRules = 0;
    if (isJsonValue(value)) for (const ws of subscribers) if (bigIntRule(ws)) exactRules++;
    const exact = exactRules === 0 ? undefined : checkedFrame(frameValue(value, true), maxPayload);
    const plain = exactRules === subscribers.size ? undefined : checkedFrame(frameValue(value), maxPayload);
    if (exact === undefined) return writeToAll(subscribers, plain as Buffer);
    if (plain === undefined) return writeToAll(subscribers, exact);
    let count = 0;
    for (const ws of subscribers) if (ws.sendFrame(bigIntRule(ws) ? exact : plain)) count++;
    return count;
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

function isJsonValue(value: unknown): boolean {
  return typeof value !== 'string' && !(value instanceof Uint8Array) && !(value instanceof ArrayBuffer);
}

/** The subscriber's settings.jsonBigInt (its connection limits: the rule its ws.send follows). */
function bigIntRule(ws: WebSocket): boolean {
  // connection.ts keeps its limits private; an index access reads them without widening its public API.
  return ws['limits'].jsonBigInt;
}

/** `frame`, after checking its payload against publishMaxPayload. */
function checkedFrame(frame: Buffer, maxPayload: number): Buffer {
  if (frame.length - 2 > maxPayload) {
    const bytes = payloadLength(frame);
    if (bytes > maxPayload) throw payloadTooLarge(bytes, maxPayload);
  }
  return frame;
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
