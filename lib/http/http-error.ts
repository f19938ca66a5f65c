// An error that carries its HTTP answer: thrown by body parsing, query parsing or a handler,
// it becomes `status` + {"error": message} instead of a 500.
export class HttpError extends Error {
  readonly status: number;
  /** Extra response headers (e.g. Connection: close after a 413). */
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}
