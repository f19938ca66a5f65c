// The one path for krozen's own log lines: settings.logger when set — pino, or any object with its level
// methods (`error`, `warn`, `info`, `debug`), called pino's way `(fields, message)` — else the console with a
// `krozen:` prefix. Nothing else in lib/ writes to the console (eslint's no-console enforces it).

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

/** An error worth a line: to settings.logger as `{ err, ...fields }` + message, else console.error. */
export function logError(
  logger: Logger | undefined,
  message: string,
  err: unknown,
  fields?: Record<string, unknown>,
): void {
  if (logger !== undefined) logger.error({ ...fields, err }, message);
  else console.error(`krozen: ${message}:`, err);
}

/** Something worth knowing that is not a failure of krozen (a worker restarted, Redis unreachable). */
export function logWarn(logger: Logger | undefined, message: string, fields?: Record<string, unknown>): void {
  if (logger !== undefined) logger.warn({ ...fields }, message);
  else console.error(`krozen: ${message}`);
}

/** A progress line (settings.debug: where the server listens). */
export function logInfo(logger: Logger | undefined, message: string, fields?: Record<string, unknown>): void {
  if (logger !== undefined) logger.info({ ...fields }, message);
  else console.log(`krozen: ${message}`);
}
