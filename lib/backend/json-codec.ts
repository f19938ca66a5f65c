// JSON as krozen reads and writes it for HTTP bodies and WebSocket messages, under two settings:
// - jsonMaxDepth: nesting deeper than this is refused before JSON.parse runs (HTTP 400, WebSocket 1008),
//   counted by one loop over the text, no recursion: a 100,000-deep array never reaches user code (nor
//   JSON.stringify, which would overflow the stack on it).
// - jsonBigInt: integers outside ±(2^53 − 1) parse to BigInt from their source text (JSON.parse's reviver
//   `context.source`, Node ≥ 22), and BigInt values encode back exactly (JSON.rawJSON). Off by default:
//   the reviver makes parsing slower, and handlers then see two number types.
// - jsonProto: a `__proto__` key, or a `constructor` key whose value is an object with a `prototype` key
//   (prototype poisoning: JSON.parse keeps them as own keys, and `Object.assign({}, body)` or a deep merge
//   then copies them into a prototype) → JsonProtoError ('error', the default; HTTP 400, WebSocket 1008),
//   deleted ('remove'), or kept ('allow'). The object scan is secure-json-parse's `scan`; it runs only when
//   a one-pass pretest of the text finds such a key in any spelling (`"\u005f_proto__"` too), so ordinary
//   texts pay one regex test.
import sjson from 'secure-json-parse';
import { ErrorCode, KrozenError, KrozenTypeError } from '../base/errors';

/** What a JSON text may do with `__proto__` and `constructor.prototype` keys (settings.jsonProto). */
export type JsonProto = 'error' | 'remove' | 'allow';

export interface JsonSettings {
  jsonMaxDepth: number;
  jsonBigInt: boolean;
  jsonProto: JsonProto;
}

/** JSON text nested deeper than the limit. */
export class JsonDepthError extends RangeError {
  constructor(readonly limit: number) {
    super(`JSON nesting too deep (limit ${limit})`);
    this.name = 'JsonDepthError';
  }
}

/** JSON text with a `__proto__` key, or a `constructor` key holding an object with a `prototype` key (jsonProto 'error'). */
export class JsonProtoError extends SyntaxError {
  constructor(readonly key: '__proto__' | 'constructor.prototype') {
    super(`Forbidden JSON key ${key}`);
    this.name = 'JsonProtoError';
  }
}

type ReviverContext = { source?: string } | undefined;
type RawJson = (text: string) => unknown;

function hasSourceText(): boolean {
  let seen = false;
  JSON.parse('1', function probe(_key: string, value: unknown, ...rest: unknown[]) {
    const ctx = rest[0] as ReviverContext;
    seen = ctx !== undefined && typeof ctx.source === 'string';
    return value;
  } as (key: string, value: unknown) => unknown);
  return seen;
}

const rawJSON = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

/** True when this Node line has what jsonBigInt needs (Node ≥ 22: reviver source text and JSON.rawJSON). */
export const BIGINT_JSON_SUPPORTED = typeof rawJSON === 'function' && hasSourceText();

/** Checks the JSON settings once, at startup; throws a clear error for a setting this Node cannot honour. */
export function checkJsonSettings(settings: JsonSettings): void {
  if (!Number.isInteger(settings.jsonMaxDepth) || settings.jsonMaxDepth < 1) {
    throw new KrozenTypeError(
      ErrorCode.INVALID_SETTING,
      `settings.jsonMaxDepth must be a positive integer, got ${String(settings.jsonMaxDepth)}`,
    );
  }
  if (settings.jsonProto !== 'error' && settings.jsonProto !== 'remove' && settings.jsonProto !== 'allow') {
    throw new KrozenTypeError(
      ErrorCode.INVALID_SETTING,
      `settings.jsonProto must be one of "error", "remove", "allow", got ${JSON.stringify(settings.jsonProto)}`,
    );
  }
  if (settings.jsonBigInt && !BIGINT_JSON_SUPPORTED) {
    throw new KrozenError(
      ErrorCode.UNSUPPORTED,
      `settings.jsonBigInt needs Node.js 22 or newer (JSON.parse source text access and JSON.rawJSON); this is Node.js ${process.version}`,
    );
  }
}

/** True when `text` nests arrays/objects deeper than `max` (brackets inside strings do not count). */
export function exceedsDepth(text: string, max: number): boolean {
  const n = text.length;
  // d levels need d opening brackets: a text no longer than max cannot be deeper than max.
  if (n <= max) return false;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = closingQuote(text, i);
      if (i === -1) return false; // unterminated: JSON.parse reports it
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/** Index of the quote that closes the string opened at `open` (skipping escaped quotes), or -1. */
function closingQuote(text: string, open: number): number {
  let q = text.indexOf('"', open + 1);
  while (q !== -1) {
    let backslashes = 0;
    for (let j = q - 1; text.charCodeAt(j) === 0x5c; j--) backslashes++;
    if ((backslashes & 1) === 0) return q;
    q = text.indexOf('"', q + 1);
  }
  return -1;
}

const INTEGER = /^-?\d+$/;
// An integer past 2^53 − 1 has at least 16 digits: without such a run the reviver cannot change anything.
const LONG_DIGITS = /\d{16}/;

function reviveBigInt(_key: string, value: unknown, ...rest: unknown[]): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    const source = (rest[0] as ReviverContext)?.source;
    if (source !== undefined && INTEGER.test(source)) return BigInt(source);
  }
  return value;
}

// A key spelled `__proto__` or `constructor`, each letter literal or \u-escaped: secure-json-parse's two
// pretests (suspectProtoRx, suspectConstructorRx, not exported) as one alternation, so the text is read once.
// Without a match no parsed object can hold such a key and the scan is skipped.
const SUSPECT_KEY =
  /"(?:(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])|(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072))"\s*:/;

/** True when `text` may hold a `__proto__` or `constructor` key (any spelling); false means it cannot. */
export function suspectKey(text: string): boolean {
  return SUSPECT_KEY.test(text);
}

const CHECK = { protoAction: 'error', constructorAction: 'error', safe: true } as const;
const CHECK_PROTO = { protoAction: 'error', constructorAction: 'ignore', safe: true } as const;
const REMOVE = { protoAction: 'remove', constructorAction: 'remove' } as const;

/** The parsed `value` under jsonProto ('error' or 'remove'): JsonProtoError, or the keys deleted in place. */
function guardProto(value: object, action: 'error' | 'remove'): unknown {
  if (action === 'remove') return sjson.scan(value, REMOVE);
  if (sjson.scan(value, CHECK) === null) {
    throw new JsonProtoError(sjson.scan(value, CHECK_PROTO) === null ? '__proto__' : 'constructor.prototype');
  }
  return value;
}

/**
 * JSON.parse under the settings: JsonDepthError past jsonMaxDepth, BigInt for big integers with jsonBigInt,
 * JsonProtoError (or the keys deleted) for prototype-poisoning keys under jsonProto.
 */
export function parseJson(text: string, settings: JsonSettings): unknown {
  if (exceedsDepth(text, settings.jsonMaxDepth)) throw new JsonDepthError(settings.jsonMaxDepth);
  const value =
    settings.jsonBigInt && LONG_DIGITS.test(text)
      ? JSON.parse(text, reviveBigInt as (k: string, v: unknown) => unknown)
      : JSON.parse(text);
  if (typeof value !== 'object' || value === null || settings.jsonProto === 'allow' || !SUSPECT_KEY.test(text))
    return value;
  return guardProto(value, settings.jsonProto);
}

function replaceBigInt(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? (rawJSON as RawJson)(value.toString()) : value;
}

/** JSON.stringify, with BigInt values written as exact integers (needs BIGINT_JSON_SUPPORTED). */
export function stringifyWithBigInt(value: unknown): string | undefined {
  return JSON.stringify(value, replaceBigInt);
}
