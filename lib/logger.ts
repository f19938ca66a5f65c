// Where krozen's own log lines go: settings.logger when set — pino, or any object with its level methods
// (`error`, `warn`, `info`, `debug`), called pino's way `(fields, message)` — else the console with a
// `krozen:` prefix.

export type LogMethod = (fields: Record<string, unknown>, message?: string) => void;

export interface Logger {
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
}

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** Throws at startup for a settings.logger that lacks a level method. */
export function checkLogger(logger: unknown): void {
  if (logger === undefined) return;
  const missing = LEVELS.filter((level) => typeof (logger as Record<string, unknown> | null)?.[level] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`settings.logger needs the methods ${LEVELS.join(', ')} (pino's shape); missing: ${missing.join(', ')}`);
  }
}

/** An error worth a line: to settings.logger as `{ err, ...fields }` + message, else console.error. */
export function logError(logger: Logger | undefined, message: string, err: unknown, fields?: Record<string, unknown>): void {
  if (logger !== undefined) logger.error({ ...fields, err }, message);
  else console.error(`krozen: ${message}:`, err);
}
