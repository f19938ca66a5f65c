// What a WebSocket keeps of its upgrade request for its whole life (ws.headers, ws.url, ws.ip, ws.id): the
// parser's values are slices of the raw head, and one kept slice pins the whole head (~250 B to several KB
// with cookies) for as long as the connection lives. Copies of the values pin nothing. Runs once per upgrade.
import { HeaderMap } from '../transport/header-map';
import { StringPool } from '../base/string-pool';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** V8 copies substrings shorter than this (SlicedString::kMinLength); only longer ones can be slices. */
const MIN_SLICE = 13;

/** A string with the same characters that shares no storage with another (a JSON round trip keeps any string). */
export function ownString<T extends string | undefined>(value: T): T {
  if (value === undefined || value.length < MIN_SLICE) return value;
  return JSON.parse(JSON.stringify(value)) as T;
}

// Values the upgrades of one server mostly share (Host, Upgrade, Connection, Origin, User-Agent, extension
// offers): pooled, so 10,000 connections hold one copy. Each own copy is made once, when pooled.
const sharedValues = new StringPool(1024, 256);
// Values that differ on every connection by design (or carry secrets): an own copy each, never pooled.
const UNSHARED = new Set(['sec-websocket-key', 'cookie', 'authorization', 'proxy-authorization']);

/** The URL a connection keeps: pooled when it has no query (which may carry a token), else an own copy. */
export function keptUrl(url: string): string {
  return url.includes('?') ? ownString(url) : sharedValues.get(url, ownString);
}

/**
 * The same headers object with every value a string of its own (or a pooled one with the same characters),
 * replaced in place: nothing can tell but the memory; no second map, no new properties. Returns `headers`; a
 * map the app froze in upgrade() cannot be changed and gets a copy of the same shape instead.
 */
export function compactHeaders(headers: Headers): Headers {
  // node:http's values are strings of their own already (made one by one from the parser's bytes).
  if (!(headers instanceof HeaderMap)) return headers;
  const values = headers as Record<string, string | string[] | undefined>;
  const target = Object.isFrozen(headers) ? (new HeaderMap() as typeof values) : values;
  for (const name in values) target[name] = keptValue(name, values[name]);
  return target;
}

function keptValue(name: string, value: string | string[] | undefined): string | string[] | undefined {
  if (typeof value === 'string') {
    if (!UNSHARED.has(name)) return sharedValues.get(value, ownString);
    return value.length >= MIN_SLICE ? ownString(value) : value;
  }
  return Array.isArray(value) ? value.map(ownString) : value;
}
