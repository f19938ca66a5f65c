// What app.realtime<Api>(path, options) takes, typed from the endpoint's map (api-types.ts), and its check at
// registration: a clear error naming the field.
import type { EventData, EventName, RequestData, RequestName, RequestResult, TopicName, UntypedApi } from './api-types';
import type { WebSocket } from '../ws/websocket';
import type { WsBehaviour, WsUpgradeResult } from '../ws/endpoint';
import type { WsUpgradeRequest } from '../ws/context';
import type { Schema } from '../schema/infer';
import { assertBehaviour } from '../ws/endpoint';
import { ErrorCode, KrozenTypeError } from '../base/errors';

/** A connection of a realtime endpoint: `ws.data` is what upgrade() returned as `{ data }`. */
export type RealtimeSocket<Data = Record<string, unknown>> = WebSocket<Data>;

type MaybePromise<T> = T | Promise<T>;

/** The app.ws() limits and policies a realtime endpoint takes as they are. */
type WsLimits = Pick<
  WsBehaviour,
  | 'origins'
  | 'perMessageDeflate'
  | 'maxPayload'
  | 'maxFragments'
  | 'idleTimeout'
  | 'closeTimeout'
  | 'maxBackpressure'
  | 'backpressurePolicy'
  | 'maxQueuedBytes'
  | 'maxMessagesPerSecond'
>;

/** Which topics keep a history for reconnecting clients: all, names and prefixes ('chat/*'), or a test. */
export type RecoveryOption = boolean | readonly string[] | ((topic: string) => boolean);

export interface RealtimeOptions<A = UntypedApi, Data = Record<string, unknown>> extends WsLimits {
  /** Before the handshake (as app.ws): throw an HttpError to refuse, return `{ data }` to attach it. */
  upgrade?(req: WsUpgradeRequest): WsUpgradeResult<Data> | Promise<WsUpgradeResult<Data>>;
  open?(ws: RealtimeSocket<Data>): unknown;
  close?(ws: RealtimeSocket<Data>, code: number, reason: string): unknown;
  /** May this connection subscribe to `topic` (any string the client sent)? Default: yes. */
  canSubscribe?(ws: RealtimeSocket<Data>, topic: string): MaybePromise<boolean>;
  /** May this connection publish `data` to `topic`? Default: no (clients do not publish unless allowed). */
  canPublish?(ws: RealtimeSocket<Data>, topic: string, data: unknown): MaybePromise<boolean>;
  /** Client → server requests: the result is the `ok` answer; a throw is an `err` (see RealtimeError). */
  requests?: {
    [E in RequestName<A>]?: (data: RequestData<A, E>, ws: RealtimeSocket<Data>) => MaybePromise<RequestResult<A, E>>;
  };
  /** Client → server events (no answer). */
  events?: { [E in EventName<A>]?: (data: EventData<A, E>, ws: RealtimeSocket<Data>) => unknown };
  /** Schemas (JSON Schema, TypeBox or a Standard Schema) checked before a handler runs: `err invalid`. */
  schema?: {
    requests?: { [E in RequestName<A>]?: Schema };
    events?: { [E in EventName<A>]?: Schema };
    /** Checked on `pub` from clients (app.publish is trusted). */
    publish?: { [T in TopicName<A>]?: Schema };
  };
  /** Topics whose messages are kept for recovery (docs/realtime.md#recovery). Default false. */
  recovery?: RecoveryOption;
}

const FUNCTIONS = ['upgrade', 'open', 'close', 'canSubscribe', 'canPublish'];
const MAPS = ['requests', 'events'];
const SCHEMA_PARTS = new Set(['requests', 'events', 'publish']);
const OWN = new Set([...FUNCTIONS, ...MAPS, 'schema', 'recovery']);

function fail(path: string, message: string): never {
  throw new KrozenTypeError(ErrorCode.INVALID_WS_ENDPOINT, `app.realtime('${path}'): ${message}`);
}

/** Checks the options when app.realtime() is called; the ws limits with app.ws()'s own rules. */
export function assertRealtimeOptions(path: string, options: unknown): asserts options is RealtimeOptions {
  if (options === null || typeof options !== 'object') fail(path, 'options must be an object');
  const o = options as Record<string, unknown>;
  const limits: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(o)) {
    if (value === undefined) continue;
    if (FUNCTIONS.includes(name)) {
      if (typeof value !== 'function') fail(path, `${name} must be a function`);
    } else if (MAPS.includes(name)) {
      if (value === null || typeof value !== 'object') fail(path, `${name} must be an object of functions`);
      for (const [event, fn] of Object.entries(value))
        if (typeof fn !== 'function') fail(path, `${name}.${event} must be a function`);
    } else if (name === 'schema') {
      if (value === null || typeof value !== 'object') fail(path, 'schema must be an object');
      for (const part of Object.keys(value))
        if (!SCHEMA_PARTS.has(part)) fail(path, `unknown schema part "${part}" (expected requests, events, publish)`);
    } else if (name === 'recovery') {
      const ok =
        typeof value === 'boolean' ||
        typeof value === 'function' ||
        (Array.isArray(value) && value.every((t) => typeof t === 'string' && t.length > 0));
      if (!ok) fail(path, 'recovery must be true, false, a list of topics and prefixes, or a function');
    } else {
      limits[name] = value;
    }
  }
  assertBehaviour(path, limits);
}

/** The options app.ws() takes as they are (limits, origins, deflate). */
export function wsLimits(options: RealtimeOptions): WsLimits {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) if (!OWN.has(name) && value !== undefined) out[name] = value;
  return out as WsLimits;
}

/** The `recovery` option as a test. */
export function recoveryTest(option: RecoveryOption | undefined): (topic: string) => boolean {
  if (option === undefined || option === false) return () => false;
  if (option === true) return () => true;
  if (typeof option === 'function') return option;
  const exact = new Set(option.filter((t) => !t.endsWith('*')));
  const prefixes = option.filter((t) => t.endsWith('*')).map((t) => t.slice(0, -1));
  return (topic) => exact.has(topic) || prefixes.some((p) => topic.startsWith(p));
}
