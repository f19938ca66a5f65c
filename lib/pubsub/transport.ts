// What carries publishes between processes: cluster IPC (workers on one machine) or Redis (any machine).

import type { MessageId } from './history';

/**
 * Hands a message from another process to the local subscribers (framed once for all of them). `id`: its
 * history id when the transport carries one (Redis Streams); `str`: the payload is a published string's text
 * (plain subscribers get it as is, krozen.v1 subscribers as a JSON string), not JSON.
 */
export type RemoteDelivery = (topic: string, binary: boolean, payload: Buffer, id?: MessageId, str?: boolean) => void;

export interface PubSubTransport {
  readonly kind: 'ipc' | 'redis';
  /** Bytes the transport writes in front of each payload (the payload is encoded behind that much room). */
  readonly headroom: number;
  /** Sends a payload (at buf[headroom..]) to the other processes; never throws for a transport failure. */
  send(topic: string, binary: boolean, buf: Buffer, str?: boolean): void;
  stats(): object;
  stop(): Promise<void>;
}
