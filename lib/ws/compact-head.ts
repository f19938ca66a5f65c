// What a WebSocket keeps of its upgrade request for its whole life (ws.headers, ws.url, ws.ip, ws.id): the
// parser's values are slices of the raw head, and one kept slice pins the whole head (~250 B to several KB
// with cookies) for as long as the connection lives. Copies of the values pin nothing. Runs once per upgrade.
import { HeaderMap } from '../transport/header-map';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** V8 copies substrings shorter than this (SlicedString::kMinLength); only longer ones can be slices. */
const MIN_SLICE = 13;

/** A string with the same characters that shares no storage with another (a JSON round trip keeps any string). */
export function ownString<T extends string | undefined>(value: T): T {
  if (value === undefined || value.length < MIN_SLICE) return value;
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The same headers object with every value a string of its own, replaced in place (the same characters:
 * nothing can tell but the memory; no second map, no new properties). Returns `headers`.
 */
export function compactHeaders(headers: Headers): Headers {
  // node:http's values are strings of their own already (made one by one from the parser's bytes).
  if (!(headers instanceof HeaderMap)) return headers;
  const values = headers as Record<string, string | string[] | undefined>;
  for (const name in values) {
    const value = values[name];
    if (typeof value === 'string') {
      if (value.length >= MIN_SLICE) values[name] = ownString(value);
    } else if (Array.isArray(value)) values[name] = value.map(ownString);
  }
  return headers;
}
