// Publish/subscribe for topics: local subscribers, cluster IPC between workers, Redis between machines.
export { PubSub } from './pubsub';
export type { LocalSubscribers, PubSubRole, PubSubStats } from './pubsub';
export { Topics } from './topics';
export type { RedisClientLike } from './redis-client';
export type { RedisStats } from './redis';
