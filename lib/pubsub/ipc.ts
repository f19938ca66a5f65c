// Publishes between the cluster primary and its workers over node:cluster's IPC channel (no Redis): a worker
// sends to the primary, which passes the message to every other worker; the primary's own publishes go to
// all workers. The payload crosses as bytes (advanced serialization), so each worker frames it once.
import cluster, { type Worker } from 'node:cluster';
import { listenerFault } from '../base/listener-guard';
import type { PubSubTransport, RemoteDelivery } from './transport';

export interface IpcPublish {
  krozen: 'publish';
  topic: string;
  binary: boolean;
  payload: Uint8Array;
  /** A published string's text (see RemoteDelivery). */
  str?: boolean;
}

function isIpcPublish(msg: unknown): msg is IpcPublish {
  const m = msg as Partial<IpcPublish> | null;
  return (
    m !== null &&
    typeof m === 'object' &&
    m.krozen === 'publish' &&
    typeof m.topic === 'string' &&
    typeof m.binary === 'boolean' &&
    m.payload instanceof Uint8Array
  );
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

interface IpcCounts {
  sent: number;
  received: number;
  /** Messages for workers that were not connected (starting, exiting). */
  notSent: number;
}

/** In the primary: relays worker publishes to the other workers and sends its own to all of them. */
export class IpcPrimaryTransport implements PubSubTransport {
  readonly kind = 'ipc';
  readonly headroom = 0;
  private readonly counts: IpcCounts = { sent: 0, received: 0, notSent: 0 };

  constructor() {
    cluster.on('message', this.onMessage);
  }

  send(topic: string, binary: boolean, buf: Buffer, str = false): void {
    this.fanOut({ krozen: 'publish', topic, binary, payload: buf, str }, undefined);
  }

  stats(): IpcCounts {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    cluster.off('message', this.onMessage);
  }

  private readonly onMessage = (from: Worker, msg: unknown): void => {
    if (!isIpcPublish(msg)) return;
    this.counts.received++;
    this.fanOut(msg, from);
  };

  /** With a callback, a send that fails (the worker is exiting) is counted instead of thrown as an 'error'. */
  private readonly afterSend = (err: Error | null): void => {
    if (err !== null) this.counts.notSent++;
  };

  private fanOut(msg: IpcPublish, except: Worker | undefined): void {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker === undefined || worker === except) continue;
      if (!worker.isConnected()) {
        this.counts.notSent++;
        continue;
      }
      try {
        worker.send(msg, undefined, this.afterSend);
        this.counts.sent++;
      } catch (err) {
        // The channel closed between the check and the send (the worker is exiting).
        this.counts.notSent++;
        listenerFault('cluster publish relay', err);
      }
    }
  }
}

/** In a worker: its publishes go to the primary; the primary's relays are delivered here. */
export class IpcWorkerTransport implements PubSubTransport {
  readonly kind = 'ipc';
  readonly headroom = 0;
  private readonly counts: IpcCounts = { sent: 0, received: 0, notSent: 0 };

  constructor(private readonly deliver: RemoteDelivery) {
    process.on('message', this.onMessage);
  }

  send(topic: string, binary: boolean, buf: Buffer, str = false): void {
    if (!process.connected || process.send === undefined) {
      this.counts.notSent++;
      return;
    }
    process.send(
      { krozen: 'publish', topic, binary, payload: buf, str } satisfies IpcPublish,
      undefined,
      undefined,
      this.afterSend,
    );
    this.counts.sent++;
  }

  private readonly afterSend = (err: Error | null): void => {
    if (err !== null) this.counts.notSent++;
  };

  stats(): IpcCounts {
    return { ...this.counts };
  }

  async stop(): Promise<void> {
    process.off('message', this.onMessage);
  }

  private readonly onMessage = (msg: unknown): void => {
    if (!isIpcPublish(msg)) return;
    this.counts.received++;
    try {
      this.deliver(msg.topic, msg.binary, toBuffer(msg.payload), undefined, msg.str === true);
    } catch (err) {
      listenerFault('worker publish', err);
    }
  };
}
