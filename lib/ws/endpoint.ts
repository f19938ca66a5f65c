// WebSocket endpoints: `app.ws(path, behaviour)` routes (uWS's per-route behaviours) and the global endpoint
// at settings.wsPath that runs the ws:* hooks. An endpoint is resolved once against the running server's
// settings: its limits (the behaviour's own, else the settings'), Origin policy, subprotocols, the upgrade
// step and the handlers a connection runs.
import { isThenable, type HookRunner } from '../base/hook-runner';
import { SETTING_RULES, type PerMessageDeflateOptions, type ResolvedSettings } from '../settings/index';
import type { WebSocket } from './websocket';
import type { ConnectionLimits } from './connection-config';
import type {
  WsConnectContext,
  WsDisconnectContext,
  WsMessageContext,
  WsUpgradeContext,
  WsUpgradeRequest,
} from './context';
import { hasWsHooks, hookHandlers, type WsHandlers } from './handlers';
import type { OriginPolicy } from './origin';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import { logError } from '../base/logger';
import { validatingMessages, type InvalidMessagePolicy, type WsSchema } from './message-schema';

/** What upgrade() returns to accept: nothing, or `{ data }` (then `ws.data` is that object). */
export type WsUpgradeResult<Data = Record<string, unknown>> = void | undefined | { data?: Data };

/** Picks one of the offered subprotocols, or false for none. */
export type WsProtocolChooser = (offered: readonly string[], req: WsUpgradeRequest) => string | false;

/**
 * An endpoint's behaviour: every field is optional. The type parameters come from app.ws(): `Params` from the
 * path literal, `Data` from what upgrade() returns as `{ data }` (then `ws.data` has that type), `Message` from
 * `schema.message`.
 */
export interface WsBehaviour<
  Params = Readonly<Record<string, string>>,
  Data = Record<string, unknown>,
  Message = unknown,
> {
  /** Runs before the handshake: throw an HttpError to refuse, return `{ data }` to attach it. May be async. */
  upgrade?(req: WsUpgradeRequest<Params>): WsUpgradeResult<Data> | Promise<WsUpgradeResult<Data>>;
  /** Subprotocols in the server's order of preference, or a function that picks one of the offered. */
  protocols?: readonly string[] | WsProtocolChooser;
  open?(ctx: WsConnectContext<WebSocket<Data, Params>>): unknown;
  /** Each message; `ctx.reply` is sent if set (there is no default reply here). A promise holds later messages. */
  message?(ctx: WsMessageContext<Message, WebSocket<Data, Params>>): unknown;
  /** The socket drained after backpressure. */
  drain?(ws: WebSocket<Data, Params>): unknown;
  close?(ctx: WsDisconnectContext<WebSocket<Data, Params>>): unknown;
  /** `message`: validates every message before message() runs and types `ctx.data` (message-schema.ts). */
  schema?: WsSchema;
  /** A message the schema refuses: 'close' (default) closes with 1008; 'reply' answers the issues and drops it. */
  invalidMessage?: InvalidMessagePolicy;
  /** Overrides settings.wsOrigins for this endpoint. */
  origins?: OriginPolicy;
  /** Overrides settings.wsPerMessageDeflate for this endpoint. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  // Limits: each overrides the ws* setting of the same name (maxPayload → wsMaxPayload, ...).
  maxPayload?: number;
  maxFragments?: number;
  idleTimeout?: number;
  closeTimeout?: number;
  maxBackpressure?: number;
  backpressurePolicy?: 'drop' | 'close';
  maxQueuedBytes?: number;
  maxMessagesPerSecond?: number;
}

/** Behaviour fields that override a setting, and which. */
const OVERRIDES = {
  maxPayload: 'wsMaxPayload',
  maxFragments: 'wsMaxFragments',
  idleTimeout: 'wsIdleTimeout',
  closeTimeout: 'wsCloseTimeout',
  maxBackpressure: 'wsMaxBackpressure',
  backpressurePolicy: 'wsBackpressurePolicy',
  maxQueuedBytes: 'wsMaxQueuedBytes',
  maxMessagesPerSecond: 'wsMaxMessagesPerSecond',
  origins: 'wsOrigins',
  perMessageDeflate: 'wsPerMessageDeflate',
} as const satisfies Partial<Record<keyof WsBehaviour, keyof ResolvedSettings>>;
const FUNCTIONS = ['upgrade', 'open', 'message', 'drain', 'close'] as const;
const SCHEMA_PARTS = new Set(['message']);

/** Checks a behaviour when app.ws() is called: a clear error naming the field, with the settings' rules. */
export function assertBehaviour(path: string, behaviour: unknown): asserts behaviour is WsBehaviour {
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new KrozenTypeError(
      ErrorCode.INVALID_WS_ENDPOINT,
      `app.ws(path): path must start with '/' (got ${JSON.stringify(path)})`,
    );
  if (behaviour === null || typeof behaviour !== 'object')
    throw new KrozenTypeError(
      ErrorCode.INVALID_WS_ENDPOINT,
      `app.ws('${path}', behaviour): behaviour must be an object`,
    );
  const b = behaviour as Record<string, unknown>;
  for (const name of Object.keys(b)) {
    if ((FUNCTIONS as readonly string[]).includes(name)) {
      if (b[name] !== undefined && typeof b[name] !== 'function')
        throw new KrozenTypeError(ErrorCode.INVALID_WS_ENDPOINT, `app.ws('${path}'): ${name} must be a function`);
    } else if (name === 'protocols') {
      const p = b.protocols;
      if (p !== undefined && typeof p !== 'function' && !SETTING_RULES.wsProtocols.check(p)) {
        throw new KrozenTypeError(
          ErrorCode.INVALID_WS_ENDPOINT,
          `app.ws('${path}'): protocols must be a function or ${SETTING_RULES.wsProtocols.expects}`,
        );
      }
    } else if (name === 'schema') {
      const s = b.schema;
      if (s === undefined) continue;
      if (s === null || typeof s !== 'object')
        throw new KrozenTypeError(ErrorCode.INVALID_WS_ENDPOINT, `app.ws('${path}'): schema must be an object`);
      for (const part of Object.keys(s)) {
        if (!SCHEMA_PARTS.has(part))
          throw new KrozenTypeError(
            ErrorCode.INVALID_WS_ENDPOINT,
            `app.ws('${path}'): unknown schema part "${part}" (expected message)`,
          );
      }
    } else if (name === 'invalidMessage') {
      if (b.invalidMessage !== undefined && b.invalidMessage !== 'close' && b.invalidMessage !== 'reply')
        throw new KrozenTypeError(
          ErrorCode.INVALID_WS_ENDPOINT,
          `app.ws('${path}'): invalidMessage must be 'close' or 'reply'`,
        );
    } else if (Object.hasOwn(OVERRIDES, name)) {
      const rule = SETTING_RULES[OVERRIDES[name as keyof typeof OVERRIDES]];
      if (b[name] !== undefined && !rule.check(b[name]))
        throw new KrozenTypeError(ErrorCode.INVALID_WS_ENDPOINT, `app.ws('${path}'): ${name} must be ${rule.expects}`);
    } else {
      throw new KrozenTypeError(ErrorCode.INVALID_WS_ENDPOINT, `app.ws('${path}'): unknown behaviour field "${name}"`);
    }
  }
}

/** An endpoint as the running server uses it. */
export interface WsEndpoint {
  readonly handlers: WsHandlers;
  readonly limits: ConnectionLimits;
  readonly origins: OriginPolicy;
  readonly deflate: boolean | PerMessageDeflateOptions;
  readonly protocols: readonly string[] | WsProtocolChooser;
  /** The upgrade step, or null when there is none. */
  upgrade(req: WsUpgradeRequest): WsUpgradeResult | Promise<WsUpgradeResult>;
  readonly hasUpgrade: boolean;
}

function limitsOf(config: ResolvedSettings, b: WsBehaviour = {}): ConnectionLimits {
  return Object.freeze({
    maxPayload: b.maxPayload ?? config.wsMaxPayload,
    maxFragments: b.maxFragments ?? config.wsMaxFragments,
    closeTimeout: b.closeTimeout ?? config.wsCloseTimeout,
    idleTimeout: b.idleTimeout ?? config.wsIdleTimeout,
    maxBackpressure: b.maxBackpressure ?? config.wsMaxBackpressure,
    backpressurePolicy: b.backpressurePolicy ?? config.wsBackpressurePolicy,
    maxQueuedBytes: b.maxQueuedBytes ?? config.wsMaxQueuedBytes,
    maxMessagesPerSecond: b.maxMessagesPerSecond ?? config.wsMaxMessagesPerSecond,
    jsonMaxDepth: config.jsonMaxDepth,
    jsonBigInt: config.jsonBigInt,
    jsonProto: config.jsonProto,
    logger: config.logger,
  });
}

/** A function's result as the connection wants it: undefined when synchronous, else a promise. */
function pending(result: unknown): void | Promise<void> {
  if (!isThenable(result)) return undefined;
  return Promise.resolve(result).then(ignore);
}
function ignore(): void {}

/** An app.ws() endpoint. */
export function behaviourEndpoint(b: WsBehaviour, config: ResolvedSettings): WsEndpoint {
  const { open, message, close, drain, upgrade } = b;
  return {
    handlers: {
      open: open === undefined ? ignore : (ctx) => pending(open.call(b, ctx as never)),
      message: validatingMessages(
        b,
        b.invalidMessage ?? 'close',
        message === undefined ? ignore : (ctx) => pending(message.call(b, ctx as never)),
      ),
      close: close === undefined ? ignore : (ctx) => pending(close.call(b, ctx as never)),
      drain:
        drain === undefined
          ? ignore
          : (ws) => void pending(drain.call(b, ws as never))?.catch((err) => logDrainFailure(config, err)),
      defaultReply: false,
    },
    limits: limitsOf(config, b),
    origins: b.origins ?? config.wsOrigins,
    deflate: b.perMessageDeflate ?? config.wsPerMessageDeflate,
    protocols: b.protocols ?? [],
    upgrade: upgrade === undefined ? ignore : (req) => upgrade.call(b, req),
    hasUpgrade: upgrade !== undefined,
  };
}

function logDrainFailure(config: ResolvedSettings, err: unknown): void {
  logError(config.logger, 'a WebSocket drain handler failed', err);
}

/** The global endpoint at settings.wsPath: the ws:* hooks, pykrozen's default reply. */
export function hookEndpoint(hooks: HookRunner, config: ResolvedSettings): WsEndpoint {
  return {
    handlers: hookHandlers(hooks),
    limits: limitsOf(config),
    origins: config.wsOrigins,
    deflate: config.wsPerMessageDeflate,
    protocols: config.wsProtocols,
    upgrade(req) {
      const ctx: WsUpgradeContext = { req, data: undefined };
      const result = hooks.run('ws:upgrade', ctx);
      return result === undefined ? ctx : result.then(() => ctx);
    },
    get hasUpgrade() {
      return hooks.has('ws:upgrade');
    },
  };
}

/** Whether the global endpoint is served now (settings.wsEndpoint; 'auto': once a ws:* hook exists). */
export function hookEndpointOn(hooks: HookRunner, config: ResolvedSettings): boolean {
  return config.wsEndpoint === 'on' || (config.wsEndpoint === 'auto' && hasWsHooks(hooks));
}
