// What a connection is made with: its limits (an endpoint's, resolved once from the settings) and what the
// upgrade learnt about it.

import type { Logger } from '../base/logger';
import type { JsonProto } from '../backend/json-codec';

/** Per-connection limits, resolved once from the settings (or an endpoint's behaviour). */
export interface ConnectionLimits {
  readonly maxPayload: number;
  readonly maxFragments: number;
  readonly closeTimeout: number;
  readonly idleTimeout: number;
  readonly maxBackpressure: number;
  readonly backpressurePolicy: 'drop' | 'close';
  /** Bytes of messages waiting behind an async handler or inflate before the socket stops reading. */
  readonly maxQueuedBytes: number;
  /** Messages a second before the connection is closed with 1008 (a token bucket; 0 = no limit). */
  readonly maxMessagesPerSecond: number;
  /** settings.jsonMaxDepth / jsonBigInt / jsonProto, for JSON text messages (../backend/json-codec.ts). */
  readonly jsonMaxDepth: number;
  readonly jsonBigInt: boolean;
  readonly jsonProto: JsonProto;
  /** settings.logger (handler failures are logged through it). */
  readonly logger?: Logger;
}

/** @internal What the upgrade tells a new connection about itself. */
export interface WsConnectionInfo {
  readonly url: string;
  readonly remoteAddress: string | undefined;
  /** The client's address (settings.trustProxy), the request id (settings.requestId). */
  readonly ip: string | undefined;
  readonly id: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly protocol: string;
  readonly data: Record<string, unknown> | undefined;
}
