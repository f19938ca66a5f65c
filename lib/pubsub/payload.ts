// A published value as the bytes that cross processes: the payload once (a string as UTF-8 text, bytes as
// binary, anything else as JSON text), behind `headroom` bytes the transport fills with its own header.
// Each receiving process frames these bytes once for all its local subscribers.
import { binaryBytes, textWithHeadroom } from '../backend/message-payload';
import { ErrorCode, KrozenRangeError } from '../base/errors';

export interface EncodedPayload {
  binary: boolean;
  /** `headroom` bytes for the transport's header, then the payload. */
  buf: Buffer;
}

/**
 * The value → message rule of ws.send (../ws/message-encoding.ts). JSON without jsonBigInt: app.publish
 * has already made a jsonBigInt app's JSON text.
 */
export function encodePayload(value: unknown, headroom: number): EncodedPayload {
  const bytes = binaryBytes(value);
  if (bytes !== null) {
    const buf = Buffer.allocUnsafe(headroom + bytes.length);
    buf.set(bytes, headroom);
    return { binary: true, buf };
  }
  return { binary: false, buf: textWithHeadroom(value, false, headroom, 'publish') };
}

/** The clear error for a publish over settings.publishMaxPayload. */
export function payloadTooLarge(bytes: number, limit: number): RangeError {
  return new KrozenRangeError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `krozen: publish payload of ${bytes} bytes is over settings.publishMaxPayload (${limit} bytes)`,
  );
}
