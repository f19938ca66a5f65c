// What carries publishes between processes: cluster IPC (workers on one machine) or Redis (any machine).

/**
 * Hands a message from another process to the local subscribers (framed once for all of them); `id` is the
 * message's stream id on a recovery topic (Redis: also for this process's own messages on such a topic).
 */
export type RemoteDelivery = (topic: string, binary: boolean, payload: Buffer, id?: string) => void;

export interface PubSubTransport {
  readonly kind: 'ipc' | 'redis';
  /** Bytes the transport writes in front of each payload (the payload is encoded behind that much room). */
  readonly headroom: number;
  /** Sends a payload (at buf[headroom..]) to the other processes; never throws for a transport failure. */
  send(topic: string, binary: boolean, buf: Buffer): void;
  stats(): object;
  stop(): Promise<void>;
}
