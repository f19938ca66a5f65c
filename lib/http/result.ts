// What a handler may return, checked before anything is sent: nothing (→ 200 {}), krozen's Response or a
// `{ status?, body?, headers? }` object, or a WHATWG `Response` (fetch's: `new Response(...)`,
// `Response.json(...)`), whose body is streamed. Anything else — `{ hello: 'world' }`, a bare string, an
// array — is a programming error: a ResultShapeError (a 500 that says why when settings.debug is on),
// never a silent empty 200.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { HeaderValue, ResponseInit } from './types';
import { ErrorCode } from '../base/errors';

/** A handler returned something krozen cannot send. */
export class ResultShapeError extends TypeError {
  readonly code = ErrorCode.INVALID_RESULT;
  constructor(message: string) {
    super(message);
    this.name = 'ResultShapeError';
  }
}

/** The keys a ResponseInit may have (compared, not looked up in a Set: for-in keys are constants). */
function isInitKey(key: string): boolean {
  return key === 'body' || key === 'status' || key === 'headers' || key === 'stop';
}

/** A WHATWG Response (Node's global fetch Response or any look-alike with the same surface). */
function isWebResponse(value: object): value is globalThis.Response {
  const r = value as globalThis.Response;
  return (
    typeof r.arrayBuffer === 'function' &&
    typeof r.status === 'number' &&
    r.headers !== undefined &&
    typeof (r.headers as Headers).forEach === 'function'
  );
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value} (${String(value).slice(0, 40)})`;
  const keys = Object.keys(value as object);
  return `an object with ${keys.length === 0 ? 'no keys' : `keys [${keys.slice(0, 8).join(', ')}]`}`;
}

/**
 * The handler's result as a ResponseInit (`undefined` for nothing: 200 {}). Throws a ResultShapeError
 * for anything krozen does not know how to send; `where` names the route in the message.
 */
export function checkResult(result: unknown, where: string): ResponseInit | undefined {
  if (result === undefined || result === null) return undefined;
  if (typeof result !== 'object' || Array.isArray(result)) return badShape(result, where);
  if (isWebResponse(result)) return fromWebResponse(result);
  for (const key in result) {
    if (!isInitKey(key)) return badShape(result, where);
  }
  const init = result as ResponseInit;
  if (init.status !== undefined && !(Number.isInteger(init.status) && init.status >= 100 && init.status <= 999)) {
    throw new ResultShapeError(
      `${where} returned status ${String(init.status)}: a status is an integer from 100 to 999`,
    );
  }
  if (init.headers !== undefined && (init.headers === null || typeof init.headers !== 'object')) {
    throw new ResultShapeError(`${where} returned headers that are not an object`);
  }
  return init;
}

function badShape(result: unknown, where: string): never {
  throw new ResultShapeError(
    `${where} returned ${describe(result)}: return { body } (or { status, body, headers }), a Response, or nothing`,
  );
}

/** A fetch Response → status, headers (Set-Cookie kept apart) and its body as a Node stream. */
export function fromWebResponse(res: globalThis.Response): ResponseInit {
  const headers: Record<string, HeaderValue> = {};
  res.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [];
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = res.body === null ? undefined : Readable.fromWeb(res.body as unknown as WebReadableStream);
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/octet-stream';
  return { status: res.status, headers, body };
}
