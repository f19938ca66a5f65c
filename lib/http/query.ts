// Query strings and URL-encoded forms: `+` and %XX decoded; malformed percent-encoding is a 400.
// Repeated keys, the documented rule: a key that appears once is a string; a key that appears more than
// once is an array of its values in order (`?tag=a&tag=b` → `{ tag: ['a', 'b'] }`); a key written with
// `[]` is always an array, the brackets removed (`?id[]=7` → `{ id: ['7'] }`). Nothing else is nested
// (`a[b]=1` stays the key `a[b]`). The result has no prototype, so `__proto__` is an ordinary key of it;
// but a copy made with `Object.assign({}, query)` (or `target[key] = query[key]`) would run the
// Object.prototype `__proto__` setter, and an array value (`__proto__[]=a`, a repeated `__proto__`) would
// become the copy's prototype. So the key `__proto__` (after decoding, `%5F%5Fproto__` too) follows
// settings.jsonProto: 'error' → 400, 'remove' → dropped, 'allow' → kept. (`constructor` can only hold a
// string or an array of them, never an object with a `prototype` key: an ordinary key.)
import { HttpError } from './http-error';
import type { JsonProto } from '../backend/json-codec';

/** The message of the 400 for a `__proto__` key under jsonProto 'error'. */
export const FORBIDDEN_QUERY_KEY = 'Forbidden query key __proto__';

export type QueryValue = string | string[];
export type Query = Record<string, QueryValue>;

/**
 * Parses `raw` (no leading `?`); more than `maxFields` pairs → `tooMany()` is thrown. `proto`
 * (settings.jsonProto): what a `__proto__` key does, see above.
 */
export function parseQuery(
  raw: string,
  maxFields = Infinity,
  tooMany?: () => Error,
  proto: JsonProto = 'allow',
): Query {
  const out: Query = Object.create(null);
  if (raw.length === 0) return out;
  let start = 0;
  let fields = 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end === -1) end = raw.length;
    if (end > start) {
      if (++fields > maxFields)
        throw tooMany === undefined ? new HttpError(400, 'Too many query parameters') : tooMany();
      const eq = raw.indexOf('=', start);
      const hasValue = eq !== -1 && eq < end;
      let key = decodeComponent(raw.slice(start, hasValue ? eq : end));
      const value = hasValue ? decodeComponent(raw.slice(eq + 1, end)) : '';
      const forceArray = key.length > 2 && key.endsWith('[]');
      if (forceArray) key = key.slice(0, -2);
      if (key === '__proto__' && proto !== 'allow') {
        if (proto === 'error') throw new HttpError(400, FORBIDDEN_QUERY_KEY);
        start = end + 1;
        continue;
      }
      const current = out[key];
      if (current === undefined) out[key] = forceArray ? [value] : value;
      else if (typeof current === 'string') out[key] = [current, value];
      else current.push(value);
    }
    start = end + 1;
  }
  return out;
}

/** Decodes one query component (`+` is a space); throws a 400 on malformed encoding. */
export function decodeComponent(text: string): string {
  const spaced = text.indexOf('+') === -1 ? text : text.replace(/\+/g, ' ');
  if (spaced.indexOf('%') === -1) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw new HttpError(400, 'Malformed percent-encoding in query');
  }
}

/** The pathname, percent-decoded (`+` stays `+`); throws a 400 on malformed encoding. */
export function decodePath(path: string): string {
  if (path.indexOf('%') === -1) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    throw new HttpError(400, 'Malformed percent-encoding in path');
  }
}

/**
 * The pathname the router matches: each segment decoded on its own, so an encoded slash (`%2F`) stays
 * inside its segment instead of splitting it. A decoded segment that holds `/` or `%` carries them
 * escaped (`%2F`, `%25`), which routeParam() undoes in the captured values.
 */
export function routingPath(path: string): string {
  if (path.indexOf('%') === -1) return path;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.indexOf('%') === -1) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      throw new HttpError(400, 'Malformed percent-encoding in path');
    }
    segments[i] =
      decoded.indexOf('/') === -1 && decoded.indexOf('%') === -1
        ? decoded
        : decoded.replace(/%/g, '%25').replace(/\//g, '%2F');
  }
  return segments.join('/');
}

/** A route parameter captured from routingPath()'s form → its decoded value. */
export function routeParam(value: string): string {
  return value.indexOf('%') === -1 ? value : value.replace(/%2F|%25/g, (m) => (m === '%2F' ? '/' : '%'));
}
