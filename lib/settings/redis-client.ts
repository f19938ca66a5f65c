// settings.redisClient: the shape of a node-redis (v5/v6) client a user may pass instead of redisUrl. The
// client itself is loaded on use by lib/pubsub/redis-client.ts (an optional peer dependency).
/** The part of a node-redis (v5/v6) client krozen uses. */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  duplicate(): RedisClientLike;
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channel: string, listener: (message: Buffer, channel: Buffer) => void, bufferMode: true): Promise<unknown>;
  unsubscribe(
    channel?: string,
    listener?: (message: Buffer, channel: Buffer) => void,
    bufferMode?: true,
  ): Promise<unknown>;
  /** Sharded pub/sub (Redis Cluster, Redis >= 7). */
  sPublish?(channel: string, message: Buffer): Promise<unknown>;
  sSubscribe?(
    channel: string,
    listener: (message: Buffer, channel: Buffer) => void,
    bufferMode: true,
  ): Promise<unknown>;
  sUnsubscribe?(
    channel?: string,
    listener?: (message: Buffer, channel: Buffer) => void,
    bufferMode?: true,
  ): Promise<unknown>;
  /** Scripts (Redis Stream history). */
  eval(script: string, options: { keys: string[]; arguments: Array<string | Buffer> }): Promise<unknown>;
  evalSha(sha: string, options: { keys: string[]; arguments: Array<string | Buffer> }): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off?(event: string, listener: (...args: any[]) => void): unknown;
}
