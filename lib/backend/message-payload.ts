// The one value → message rule (framed by lib/ws/message-encoding.ts), for ws.send, a handler's reply (reply.ts), WsHub.publish / app.publish and
// the payload a publish sends to other processes (../pubsub/payload.ts):
//   string                                    → text, its UTF-8
//   Buffer / Uint8Array                       → binary, the bytes as they are (other typed arrays: JSON)
//   ArrayBuffer                               → binary, its bytes
//   anything else                             → text, its JSON (the backend's encoder, JSON.stringify's
//                                               output; with settings.jsonBigInt, BigInt written exactly;
//                                               without it a BigInt is a TypeError, as JSON.stringify gives)
//   undefined, a function, a symbol           → TypeError (JSON has no text for them)
// Text is encoded behind `headroom` free bytes, where the frame header (or a transport's header) goes.
import { encodeJsonWithHeadroom, utf8WithHeadroom } from './json';
import { stringifyWithBigInt } from './json-codec';
import { ErrorCode, KrozenTypeError } from '../base/errors';

/** Room for the longest server frame header (2 + 8 bytes of length): the default headroom. */
const FRAME_HEADROOM = 10;

/** The bytes of a binary value (Uint8Array views included), or null: the value is sent as text. */
export function binaryBytes(value: unknown): Uint8Array | null {
  if (typeof value !== 'object') return null;
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return null;
}

/**
 * A value that binaryBytes() left as text: `headroom` free bytes, then its UTF-8 (a string) or its JSON.
 * `bigInt`: settings.jsonBigInt. Throws a TypeError for a value JSON cannot encode.
 */
export function textWithHeadroom(
  value: unknown,
  bigInt: boolean,
  headroom: number = FRAME_HEADROOM,
  verb = 'send',
): Buffer {
  if (typeof value === 'string') return utf8WithHeadroom(value, headroom);
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new KrozenTypeError(ErrorCode.NOT_SERIALIZABLE, `Cannot ${verb} ${typeof value} as JSON`);
  }
  if (bigInt) return utf8WithHeadroom(stringifyWithBigInt(value) as string, headroom);
  return encodeJsonWithHeadroom(value, headroom);
}
