// krozen's coded errors for API misuse, as fastify's FST_ERR_* and ws's WS_ERR_*: `err.code` says what went
// wrong in a form a program can test, the message says it for people. Each keeps the built-in class it always
// had (a wrong type is still a TypeError), so `instanceof TypeError` and existing catches keep working.
// Failures of a request or a connection are not thrown at the user: they are answered (HttpError → a status
// with a JSON body; a WebSocket close code) — see lib/transport/error-response.ts and lib/ws/close-codes.ts.

export const ErrorCode = {
  /** A setting with an unknown name or a value of the wrong kind (settings, createApp(), Server.run()). */
  INVALID_SETTING: 'KROZEN_ERR_INVALID_SETTING',
  /** A handler, middleware, hook or callback that is not a function. */
  INVALID_HANDLER: 'KROZEN_ERR_INVALID_HANDLER',
  /** app.on() with a name that is not a hook event. */
  UNKNOWN_HOOK: 'KROZEN_ERR_UNKNOWN_HOOK',
  /** A route path the router cannot take (a wildcard not last, a bad or repeated parameter name). */
  INVALID_ROUTE: 'KROZEN_ERR_INVALID_ROUTE',
  /** A route or endpoint schema krozen cannot use (ajv refuses it, an unknown $ref, not a schema at all). */
  INVALID_SCHEMA: 'KROZEN_ERR_INVALID_SCHEMA',
  /** The same method and path registered twice (or a wildcard over another wildcard). */
  DUPLICATE_ROUTE: 'KROZEN_ERR_DUPLICATE_ROUTE',
  /** app.plugin() with something that is not { name, setup(app) }. */
  INVALID_PLUGIN: 'KROZEN_ERR_INVALID_PLUGIN',
  /** app.ws(path, behaviour) with a bad path or behaviour field. */
  INVALID_WS_ENDPOINT: 'KROZEN_ERR_INVALID_WS_ENDPOINT',
  /** An option object of a feature (cors(), serveStatic(), a cookie secret) that is malformed. */
  INVALID_OPTION: 'KROZEN_ERR_INVALID_OPTION',
  /** An argument of the wrong type or range (a topic, a close code or reason, a ping payload). */
  INVALID_ARGUMENT: 'KROZEN_ERR_INVALID_ARGUMENT',
  /** A handler returned something that is not a response ({ status?, headers?, body? } or undefined). */
  INVALID_RESULT: 'KROZEN_ERR_INVALID_RESULT',
  /** A response krozen cannot write: an invalid or interim status, header name or value. */
  INVALID_RESPONSE: 'KROZEN_ERR_INVALID_RESPONSE',
  /** A value JSON cannot encode (undefined, a function, a symbol; a BigInt without settings.jsonBigInt). */
  NOT_SERIALIZABLE: 'KROZEN_ERR_NOT_SERIALIZABLE',
  /** app.publish() of a payload over settings.publishMaxPayload. */
  PAYLOAD_TOO_LARGE: 'KROZEN_ERR_PAYLOAD_TOO_LARGE',
  /** server.port before it listens. */
  NOT_LISTENING: 'KROZEN_ERR_NOT_LISTENING',
  /** server.run() on a server that runs. */
  ALREADY_RUNNING: 'KROZEN_ERR_ALREADY_RUNNING',
  /** An optional peer dependency a setting needs is not installed (settings.redisUrl without `redis`). */
  MISSING_PEER: 'KROZEN_ERR_MISSING_PEER',
  /** A setting this Node line or platform cannot honour (settings.reusePort). */
  UNSUPPORTED: 'KROZEN_ERR_UNSUPPORTED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An Error with a krozen code. */
export class KrozenError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A TypeError (a value of the wrong kind) with a krozen code. */
export class KrozenTypeError extends TypeError {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A RangeError (a value out of its range) with a krozen code. */
export class KrozenRangeError extends RangeError {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
