// A published value as the bytes that cross processes: the payload once (a string as UTF-8 text, bytes as
// binary, anything else as JSON text), behind `headroom` bytes the transport fills with its own header.
// Each receiving process frames these bytes once for all its local subscribers.
import { encodeJsonWithHeadroom, utf8WithHeadroom } from '../backend';
import { ErrorCode, KrozenRangeError, KrozenTypeError } from '../base/errors';

export interface EncodedPayload {
  binary: boolean;
  /** `headroom` bytes for the transport's header, then the payload. */
  buf: Buffer;
}

export function encodePayload(value: unknown, headroom: number): EncodedPayload {
  if (typeof value === 'string') return { binary: false, buf: utf8WithHeadroom(value, headroom) };
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
    const buf = Buffer.allocUnsafe(headroom + bytes.length);
    buf.set(bytes, headroom);
    return { binary: true, buf };
  }
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new KrozenTypeError(ErrorCode.NOT_SERIALIZABLE, `Cannot publish ${typeof value} as JSON`);
  }
  return { binary: false, buf: encodeJsonWithHeadroom(value, headroom) };
}

/** The clear error for a publish over settings.publishMaxPayload. */
export function payloadTooLarge(bytes: number, limit: number): RangeError {
  return new KrozenRangeError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `krozen: publish payload of ${bytes} bytes is over settings.publishMaxPayload (${limit} bytes)`,
  );
}
