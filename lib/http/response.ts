// The response object given to middleware and hooks, and the helpers handlers return.
import type { HeaderValue, ResponseInit } from './types';
import { setCookie, type CookieOptions } from './cookies';

/**
 * A response under construction. Middleware gets one (set `stop = true` to send it at once);
 * `http:<method>:after` hooks get the final one. Handlers may also return one.
 */
export class Response implements ResponseInit {
  status: number;
  body: unknown;
  headers: Record<string, HeaderValue>;
  /** Middleware / `http:<method>` hooks: send this response now, skip the rest of the pipeline. */
  stop: boolean;

  constructor(body?: unknown, status = 200, headers?: Record<string, HeaderValue>) {
    this.status = status;
    this.body = body;
    this.headers = headers === undefined ? {} : headers;
    this.stop = false;
  }

  /** Adds a Set-Cookie header (setCookie's defaults: Path=/, HttpOnly, SameSite=Lax); returns this. */
  cookie(name: string, value: string, options?: CookieOptions): this {
    return setCookie(this, name, value, options);
  }
}

export function html(content: string, status = 200): ResponseInit {
  return { status, body: content, headers: { 'content-type': 'text/html; charset=utf-8' } };
}

export function text(content: string, status = 200): ResponseInit {
  return { status, body: content, headers: { 'content-type': 'text/plain; charset=utf-8' } };
}

/** `{ error: message }` with a status (default 400). */
export function error(message: string, status = 400): ResponseInit {
  return { status, body: { error: message } };
}
