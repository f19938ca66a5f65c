// Server-side framing (RFC 6455 §5.2): server frames are never masked, so a frame is header + payload.
// Text and JSON are encoded straight behind Length.HEADROOM reserved bytes, and the header is written into
// that room: one allocation and no copy per message. (Which frame a value becomes: message-encoding.ts.)
import { utf8WithHeadroom } from '../backend';
import { Bits, EMPTY, headerLength, Length, Opcode } from './frame';
import { ErrorCode, KrozenRangeError } from '../base/errors';

/** Payloads up to this size are copied behind their header (one write); larger ones are written as is. */
export const COPY_LIMIT = 16 * 1024;

/** Writes a final-frame header for `payloadLength` bytes at buf[offset]. */
export function writeHeader(
  buf: Buffer,
  offset: number,
  opcode: number,
  payloadLength: number,
  compressed = false,
): void {
  buf[offset] = Bits.FIN | (compressed ? Bits.RSV1 : 0) | opcode;
  if (payloadLength <= Length.MAX_SHORT) {
    buf[offset + 1] = payloadLength;
  } else if (payloadLength <= Length.MAX_16BIT) {
    buf[offset + 1] = Length.MARKER_16;
    buf[offset + 2] = payloadLength >>> 8;
    buf[offset + 3] = payloadLength & 0xff;
  } else {
    buf[offset + 1] = Length.MARKER_64;
    buf.writeUInt32BE(Math.floor(payloadLength / 0x100000000), offset + 2);
    buf.writeUInt32BE(payloadLength >>> 0, offset + 6);
  }
}

/** `buf` = Length.HEADROOM reserved bytes + payload. Writes the header into the room; returns the frame (a view). */
export function frameInHeadroom(buf: Buffer, opcode: number): Buffer {
  const payloadLength = buf.length - Length.HEADROOM;
  const start = Length.HEADROOM - headerLength(payloadLength);
  writeHeader(buf, start, opcode, payloadLength);
  return buf.subarray(start);
}

export function frameText(text: string): Buffer {
  return frameInHeadroom(utf8WithHeadroom(text, Length.HEADROOM), Opcode.TEXT);
}

/** Header and payload copied into one Buffer. */
export function frameCopy(opcode: number, payload: Uint8Array, compressed = false): Buffer {
  const h = headerLength(payload.length);
  const out = Buffer.allocUnsafe(h + payload.length);
  writeHeader(out, 0, opcode, payload.length, compressed);
  out.set(payload, h);
  return out;
}

/** The header alone, for payloads written after it without a copy. */
export function frameHeader(opcode: number, payloadLength: number, compressed = false): Buffer {
  const out = Buffer.allocUnsafe(headerLength(payloadLength));
  writeHeader(out, 0, opcode, payloadLength, compressed);
  return out;
}

/** A close frame; code undefined → empty payload. The caller has validated code and reason. */
export function frameClose(code?: number, reason = ''): Buffer {
  if (code === undefined) return frameCopy(Opcode.CLOSE, EMPTY);
  const reasonLength = Buffer.byteLength(reason);
  if (reasonLength > Length.MAX_CLOSE_REASON)
    throw new KrozenRangeError(
      ErrorCode.INVALID_ARGUMENT,
      `Close reason must be at most ${Length.MAX_CLOSE_REASON} bytes`,
    );
  const payload = Buffer.allocUnsafe(Length.CLOSE_CODE + reasonLength);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, Length.CLOSE_CODE);
  return frameCopy(Opcode.CLOSE, payload);
}

// The frames that answer a peer's close (its code, no reason; none: an empty close), made once per code and
// shared by every connection: a close handshake allocates nothing for its answer. Nothing writes into them.
const closeAnswers = new Map<number | undefined, Buffer>();

/** The close frame answering the peer's `code` (undefined: an empty close); `code` is a valid close code. */
export function closeAnswer(code: number | undefined): Buffer {
  let frame = closeAnswers.get(code);
  if (frame === undefined) {
    frame = frameClose(code);
    closeAnswers.set(code, frame);
  }
  return frame;
}

/** The payload length a server frame's header gives. */
export function framePayloadLength(frame: Buffer): number {
  const short = frame[1] & Bits.LENGTH;
  if (short < Length.MARKER_16) return short;
  if (short === Length.MARKER_16) return frame.readUInt16BE(2);
  return frame.readUInt32BE(2) * 0x100000000 + frame.readUInt32BE(6);
}
