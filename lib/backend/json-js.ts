// The JS twin of the native JSON byte work: JSON.stringify + Buffer. It runs when the addon is absent,
// and for short texts even when it is loaded (json.ts chooses). Exactly the bytes of
// Buffer.from(JSON.stringify(value)) for every input.
import { ErrorCode, KrozenTypeError } from '../base/errors';

/** The largest `headroom` accepted: a WebSocket frame header is at most 14 bytes, an HTTP head a few KiB. */
export const MAX_HEADROOM = 65536;

/**
 * JSON.stringify, except that a top-level value with no JSON text (undefined, a function, a symbol, or a
 * toJSON returning one of those) throws a TypeError instead of returning undefined: there are no bytes for it.
 * BigInt and cycles throw JSON.stringify's own TypeError.
 */
export function stringifyOrThrow(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new KrozenTypeError(ErrorCode.NOT_SERIALIZABLE, 'Value is not JSON-serializable');
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
  if (headroom + text.length * 3 <= SLAB_MAX) return utf8IntoSlab(text, headroom);
  const out = Buffer.allocUnsafe(headroom + Buffer.byteLength(text));
  zeroHeadroom(out, headroom);
  out.write(text, headroom);
  return out;
}

// Short texts are written into a shared slab, as Buffer.from does with its pool: room for 3 bytes per
// UTF-16 unit (the most UTF-8 needs) saves the Buffer.byteLength pass, which costs as much as the write on
// two-byte text (bench/json.mjs: two-byte 256 units, headroom 14: 1.35 µs -> 1.04 µs). Each returned view
// covers only bytes written for it; the unwritten rest of the slab is never inside a returned view.
const SLAB_SIZE = 8192;
const SLAB_MAX = SLAB_SIZE >>> 1;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabOffset = 0;

function utf8IntoSlab(text: string, headroom: number): Buffer {
  const room = headroom + text.length * 3;
  if (room > SLAB_SIZE - slabOffset) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabOffset = 0;
  }
  const start = slabOffset;
  for (let i = start; i < start + headroom; i++) slab[i] = 0;
  const end = start + headroom + slab.write(text, start + headroom, room - headroom);
  slabOffset = (end + 7) & ~7; // 8-byte aligned starts, as Buffer's pool keeps them
  return slab.subarray(start, end);
}

/** Zeroes out[0, headroom): a loop for frame-header sizes (Buffer#fill's argument checks cost ~0.1 µs), else fill. */
export function zeroHeadroom(out: Buffer, headroom: number): void {
  if (headroom > 32) out.fill(0, 0, headroom);
  else for (let i = 0; i < headroom; i++) out[i] = 0;
}

export function encodeJsonJs(value: unknown): Buffer {
  return Buffer.from(stringifyOrThrow(value));
}

export function encodeJsonWithHeadroomJs(value: unknown, headroom: number): Buffer {
  checkHeadroom(headroom);
  return utf8WithHeadroomJs(stringifyOrThrow(value), headroom);
}
