// Cookies with the `cookie` package: `req.cookies` (parsed on first read), `req.signedCookies` (values whose
// HMAC-SHA256 signature checks against settings.cookieSecret), and setCookie() for responses.
// A signed value is `s:<value>.<signature>` (base64url), the same layout as cookie-signature uses.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse, serialize, type SerializeOptions } from 'cookie';
import type { HeaderValue, ResponseInit } from './types';
import { ErrorCode, KrozenTypeError } from '../base/errors';

export interface CookieOptions extends SerializeOptions {
  /** Sign the value with this secret (read it back from req.signedCookies). */
  secret?: string;
  /**
   * Sign with settings.cookieSecret (its first entry) without passing it: works on the Response that
   * middleware and hooks get (the pipeline gives it the app's secret); elsewhere pass `secret`.
   */
  signed?: boolean;
}

/** @internal Where the pipeline puts settings.cookieSecret on a Response, for `{ signed: true }`. */
export const kCookieSecret: unique symbol = Symbol('krozen.cookieSecret');

type CookieSecret = string | readonly string[] | undefined;

/** @internal Gives a response the app's cookie secret (a property no enumeration or JSON sees). */
export function bindCookieSecret<T extends object>(res: T, secret: CookieSecret): T {
  if (secret !== undefined) (res as { [kCookieSecret]?: CookieSecret })[kCookieSecret] = secret;
  return res;
}

function boundSecret(res: object, name: string): string {
  const secret = (res as { [kCookieSecret]?: CookieSecret })[kCookieSecret];
  const first = typeof secret === 'string' ? secret : secret?.[0];
  if (first === undefined)
    throw new KrozenTypeError(
      ErrorCode.INVALID_OPTION,
      `setCookie('${name}', …, { signed: true }) has no secret: set settings.cookieSecret and use the Response ` +
        'that middleware and hooks get (res.cookie()), or pass { secret }',
    );
  return first;
}

// Safe defaults: scripts cannot read the cookie, and it is not sent on cross-site subrequests.
const DEFAULTS: SerializeOptions = { path: '/', httpOnly: true, sameSite: 'lax' };

function signature(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value).digest('base64url');
}

/** `s:<value>.<signature>`. */
export function signCookie(value: string, secret: string): string {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new KrozenTypeError(ErrorCode.INVALID_OPTION, 'A cookie secret must be a non-empty string');
  return `s:${value}.${signature(value, secret)}`;
}

/** The value of a signed cookie if one of `secrets` signed it (the first signs, all verify: rotation); else false. */
export function unsignCookie(signed: string, secrets: string | readonly string[]): string | false {
  if (!signed.startsWith('s:')) return false;
  const dot = signed.lastIndexOf('.');
  if (dot < 2) return false;
  const value = signed.slice(2, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    const expected = Buffer.from(signature(value, secret));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return value;
  }
  return false;
}

/** The Cookie header as name → value (first occurrence wins; malformed %-escapes are kept as sent). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (header === undefined || header === '') return out;
  const parsed = parse(header);
  for (const name in parsed) {
    const value = parsed[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** The signed cookies among `cookies` whose signature checks (others are left out). */
export function verifiedCookies(
  cookies: Record<string, string>,
  secrets: string | readonly string[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (secrets === undefined || secrets.length === 0) return out;
  for (const name in cookies) {
    const value = unsignCookie(cookies[name], secrets);
    if (value !== false) out[name] = value;
  }
  return out;
}

/**
 * Adds a Set-Cookie header to a response (a handler's result, or `res` in middleware and hooks); returns
 * it. Defaults: Path=/, HttpOnly, SameSite=Lax (pass `httpOnly: false`, `sameSite: 'none'`… to change).
 * Add `secure: true` behind HTTPS. `maxAge` in seconds. `secret` signs with that secret; `signed: true` with
 * settings.cookieSecret, on the Response the pipeline made (middleware, hooks, the WebSocket upgrade's).
 */
export function setCookie<T extends ResponseInit>(res: T, name: string, value: string, options: CookieOptions = {}): T {
  const { secret, signed, ...rest } = options;
  const key = secret === undefined && signed === true ? boundSecret(res, name) : secret;
  const encoded = key === undefined ? value : signCookie(value, key);
  const line = serialize(name, encoded, { ...DEFAULTS, ...rest });
  appendSetCookie(res, line);
  return res;
}

/** Tells the browser to drop a cookie (same path/domain as it was set with). */
export function clearCookie<T extends ResponseInit>(res: T, name: string, options: SerializeOptions = {}): T {
  appendSetCookie(res, serialize(name, '', { ...DEFAULTS, ...options, expires: new Date(0), maxAge: undefined }));
  return res;
}

function appendSetCookie(res: ResponseInit, line: string): void {
  if (res.headers === undefined) res.headers = {};
  const headers = res.headers;
  let key = 'set-cookie';
  for (const name in headers) if (name.toLowerCase() === 'set-cookie') key = name;
  const current: HeaderValue | undefined = headers[key];
  if (current === undefined) headers[key] = [line];
  else if (Array.isArray(current)) headers[key] = [...current, line];
  else headers[key] = [String(current), line];
}
