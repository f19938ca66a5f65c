// krozen/client: the browser and Node client of krozen's real-time protocol krozen.v1 (docs/client.md).
// No runtime dependency: globalThis.WebSocket, or the optional peer `ws` on Node 20.
import type { RealtimeApi, UntypedApi } from '../lib/realtime/api-types';
import { RealtimeClient } from './client';
import type { ClientOptions } from './types';

/** Opens a client on a krozen.v1 endpoint (`ws://` or `wss://` URL); it connects in the background. */
export function connect<Api extends RealtimeApi = UntypedApi>(
  url: string,
  options?: ClientOptions,
): RealtimeClient<Api> {
  return new RealtimeClient<Api>(url, options);
}

export { RealtimeClient, SUBPROTOCOL } from './client';
export { RealtimeError } from './errors';
export { backoffDelay } from './backoff';
export type { ReconnectOptions } from './backoff';
export type { WebSocketConstructor } from './socket';
export type { ClientEvents, ClientOptions, ClientState, MessageMeta, RequestOptions, Subscription } from './types';
export type { RealtimeApi, RealtimeErrorCode, RequestShape, UntypedApi } from '../lib/realtime/api-types';
