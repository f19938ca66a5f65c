// The one path for krozen's own log lines: settings.logger when set — pino, or any object with its level
// methods (`error`, `warn`, `info`, `debug`), called pino's way `(fields, message)` — else the console with a
// `krozen:` prefix. Nothing else in lib/ writes to the console (eslint's no-console and
// test/base/no-console.test.ts enforce it). `childLogger` makes `req.log`: the same path with fields added.

export type LogMethod = (fields: Record<string, unknown>, message?: string) => void;

export interface Logger {
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
}

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** True for pino or any object with its level methods (the settings.logger rule). */
export function isLogger(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    LEVELS.every((level) => typeof (value as Record<string, unknown>)[level] === 'function')
  );
}

/** ` (reqId=…)` on a console line when the fields carry a request id, so console lines can be grepped by it. */
function reqIdSuffix(fields: Record<string, unknown> | undefined): string {
  return fields === undefined || fields.reqId === undefined ? '' : ` (reqId=${String(fields.reqId)})`;
}

// Some lines have no app in reach (a listener fault on a socket, a response stream that failed, a stop after a
// signal): they go to the logger of the running server that has one (the last started; Server.run sets it),
// so an app with settings.logger sees every line krozen writes. No such server: the console.
let serverLogger: Logger | undefined;

/** The logger for a line with no app in reach: the running server's settings.logger, if one has one. */
export function fallbackLogger(): Logger | undefined {
  return serverLogger;
}

/** Server.run(): lines with no app in reach go to `logger` (undefined: none); returns a function to undo it. */
export function useServerLogger(logger: Logger | undefined): () => void {
  if (logger === undefined) return () => undefined;
  const previous = serverLogger;
  serverLogger = logger;
  return () => {
    if (serverLogger === logger) serverLogger = previous;
  };
}

/** An error worth a line: to settings.logger as `{ err, ...fields }` + message, else console.error. */
export function logError(
  logger: Logger | undefined,
  message: string,
  err: unknown,
  fields?: Record<string, unknown>,
): void {
  if (logger !== undefined) logger.error({ ...fields, err }, message);
  else console.error(`krozen: ${message}${reqIdSuffix(fields)}:`, err);
}

/** Something worth knowing that is not a failure of krozen (a worker restarted, Redis unreachable). */
export function logWarn(logger: Logger | undefined, message: string, fields?: Record<string, unknown>): void {
  if (logger !== undefined) logger.warn({ ...fields }, message);
  else console.error(`krozen: ${message}${reqIdSuffix(fields)}`);
}

/** A progress line (settings.debug: where the server listens). */
export function logInfo(logger: Logger | undefined, message: string, fields?: Record<string, unknown>): void {
  if (logger !== undefined) logger.info({ ...fields }, message);
  else console.log(`krozen: ${message}${reqIdSuffix(fields)}`);
}

/** The console as a Logger: `krozen: message {fields}`; debug lines are dropped, as pino's default level does. */
const consoleLogger: Logger = {
  error: (fields, message) => console.error(`krozen: ${message ?? ''}`, fields),
  warn: (fields, message) => console.error(`krozen: ${message ?? ''}`, fields),
  info: (fields, message) => console.log(`krozen: ${message ?? ''}`, fields),
  debug: () => undefined,
};

/** A level method of `req.log`: pino's two call shapes, `(fields, message)` and `(message)`. */
export type RequestLogMethod = (fieldsOrMessage: Record<string, unknown> | string, message?: string) => void;

/** `req.log` / `ws.log`: settings.logger's child with the request's fields (its id). */
export interface RequestLog {
  error: RequestLogMethod;
  warn: RequestLogMethod;
  info: RequestLogMethod;
  debug: RequestLogMethod;
}

type WithChild = Logger & { child(bindings: Record<string, unknown>): RequestLog };

/**
 * A logger that adds `bindings` to every line: `logger.child(bindings)` when the logger has one (pino), else a
 * wrapper that merges them into the fields (the console when there is no logger).
 */
export function childLogger(logger: Logger | undefined, bindings: Record<string, unknown>): RequestLog {
  if (logger !== undefined && typeof (logger as Partial<WithChild>).child === 'function')
    return (logger as WithChild).child(bindings);
  const base = logger ?? consoleLogger;
  const wrap =
    (level: (typeof LEVELS)[number]): RequestLogMethod =>
    (fields, message) => {
      if (typeof fields === 'string') base[level]({ ...bindings }, fields);
      else base[level]({ ...bindings, ...fields }, message);
    };
  return { error: wrap('error'), warn: wrap('warn'), info: wrap('info'), debug: wrap('debug') };
}
