// An error that carries its HTTP answer: thrown by body parsing, query parsing or a handler,
// it becomes `status` + {"error": message} instead of a 500.
import type { ValidationIssue } from '../schema/issues';
export class HttpError extends Error {
  readonly status: number;
  /** Extra response headers (e.g. Connection: close after a 413). */
  readonly headers: Record<string, string> | undefined;
  /** The answer's body, when it says more than {"error": message}. */
  readonly body: unknown;

  constructor(status: number, message: string, headers?: Record<string, string>, body?: unknown) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
}

/**
 * A request a route's schema refused: 400 with `{"error":"Validation failed","issues":[{in, path, message}]}`,
 * the same shape whatever the schema kind. `error` hooks see it (ctx.error) with ctx.res set to that 400, and
 * may reshape the answer.
 */
export class ValidationError extends HttpError {
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[]) {
    super(400, 'Validation failed', undefined, { error: 'Validation failed', issues });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export function isHttpError(err: unknown): err is HttpError {
  return err instanceof HttpError;
}
