// The JS twin of the native JSON byte work: JSON.stringify + Buffer. It runs when the addon is absent,
// and for short texts even when it is loaded (json.ts chooses). Exactly the bytes of
// Buffer.from(JSON.stringify(value)) for every input.

/** The largest `headroom` accepted: a WebSocket frame header is at most 14 bytes, an HTTP head a few KiB. */
export const MAX_HEADROOM = 65536;

/**
 * JSON.stringify, except that a top-level value with no JSON text (undefined, a function, a symbol, or a
 * toJSON returning one of those) throws a TypeError instead of returning undefined: there are no bytes for it.
 * BigInt and cycles throw JSON.stringify's own TypeError.
 */
export function stringifyOrThrow(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError('Value is not JSON-serializable');
  return text;
}

export function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
}

export function checkHeadroom(headroom: unknown): asserts headroom is number {
  if (typeof headroom !== 'number') throw new TypeError('headroom must be a number');
  if (!Number.isInteger(headroom) || headroom < 0 || headroom > MAX_HEADROOM) {
    throw new RangeError(`headroom must be an integer from 0 to ${MAX_HEADROOM}`);
  }
}

/** `headroom` zeroed bytes, then the UTF-8 of `text` (lone surrogates as U+FFFD), in one allocation. */
export function utf8WithHeadroomJs(text: string, headroom: number): Buffer {
  checkText(text);
  checkHeadroom(headroom);
  if (headroom === 0) return Buffer.from(text);
  const out = Buffer.allocUnsafe(headroom + Buffer.byteLength(text));
  out.fill(0, 0, headroom);
  out.write(text, headroom, 'utf8');
  return out;
}

export function encodeJsonJs(value: unknown): Buffer {
  return Buffer.from(stringifyOrThrow(value));
}

export function encodeJsonWithHeadroomJs(value: unknown, headroom: number): Buffer {
  checkHeadroom(headroom);
  return utf8WithHeadroomJs(stringifyOrThrow(value), headroom);
}
