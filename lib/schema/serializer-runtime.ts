// The run-time helpers a compiled serializer calls: the string fast path's test, and the generic path
// (JSON.stringify of a subtree, BigInt-aware under the bigint option) for schemas with no type and for
// values that do not conform to their schema.
import { ErrorCode, KrozenRangeError, KrozenTypeError } from '../base/errors';
import { BIGINT_JSON_SUPPORTED, stringifyWithBigInt } from '../backend/json-codec';

/**
 * Matches a character JSON.stringify would escape: a control character, `"`, `\`, or a surrogate (a lone one
 * is written as \udXXX; a pair is not escaped, but the rare string with one simply takes JSON.stringify).
 */
export const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** How many nested $ref calls a serializer follows before it throws (a cycle or a hostile depth). */
export const MAX_REF_DEPTH = 1000;

/** Writes the generic path of one subtree: JSON text, or undefined where JSON.stringify has none. */
export type GenericWriter = (value: unknown, key: string) => string | undefined;

function hasToJSON(value: unknown): value is { toJSON(key: string): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function plainGeneric(value: unknown, key: string): string | undefined {
  if (hasToJSON(value)) value = value.toJSON(key);
  return JSON.stringify(value) as string | undefined;
}

function bigintGeneric(value: unknown, key: string): string | undefined {
  if (hasToJSON(value)) value = value.toJSON(key);
  if (typeof value === 'bigint') return value.toString();
  return BIGINT_JSON_SUPPORTED ? stringifyWithBigInt(value) : writeAny(value, '', 0);
}

/** The generic path for the option: JSON.stringify, or a BigInt-aware JSON.stringify. */
export function genericWriter(bigint: boolean): GenericWriter {
  return bigint ? bigintGeneric : plainGeneric;
}

/**
 * JSON.stringify with BigInt written as digits, for Node lines without JSON.rawJSON (Node 20). Only the
 * generic path under the bigint option runs it; a structure deeper than MAX_REF_DEPTH (or a cycle) throws.
 */
function writeAny(value: unknown, key: string, depth: number): string | undefined {
  if (hasToJSON(value)) value = value.toJSON(key);
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (depth >= MAX_REF_DEPTH) throw tooDeep();
  if (Array.isArray(value)) {
    const parts: string[] = [];
    for (let i = 0; i < value.length; i++) parts.push(writeAny(value[i], String(i), depth + 1) ?? 'null');
    return `[${parts.join(',')}]`;
  }
  const parts: string[] = [];
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const text = writeAny(record[k], k, depth + 1);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

export function tooDeep(): RangeError {
  return new KrozenRangeError(
    ErrorCode.INVALID_ARGUMENT,
    `Value nests deeper than ${MAX_REF_DEPTH} levels of a recursive schema (a cycle?): not serialized`,
  );
}

export function notSerializable(): TypeError {
  return new KrozenTypeError(ErrorCode.NOT_SERIALIZABLE, 'Value is not JSON-serializable');
}

/**
 * True when JSON.stringify would escape something in `s` (or `s` has a surrogate). Short strings take a
 * character loop (`node bench/json.mjs --serializer`: a RegExp test costs more than the loop under ~40 units
 * on Node 20), longer ones the RegExp.
 */
export function needsEscape(s: string): boolean {
  const n = s.length;
  if (n > 40) return NEEDS_ESCAPE.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}
