// Server-side framing (RFC 6455 §5.2): server frames are never masked, so a frame is header + payload.
// Text and JSON are encoded straight behind HEADROOM reserved bytes, and the header is written into
// that room: one allocation and no copy per message.
import { encodeJsonWithHeadroom, utf8WithHeadroom } from '../backend';
import { MAX_CLOSE_REASON_BYTES } from './close-codes';
import { stringifyWithBigInt } from '../backend/json-codec';

export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** Room for the longest server frame header (2 + 8 bytes of length). */
export const HEADROOM = 10;
const FIN = 0x80;
const RSV1 = 0x40;

/** Payloads up to this size are copied behind their header (one write); larger ones are written as is. */
export const COPY_LIMIT = 16 * 1024;

export function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

/** Writes a final-frame header for `payloadLength` bytes at buf[offset]. */
export function writeHeader(
  buf: Buffer,
  offset: number,
  opcode: number,
  payloadLength: number,
  compressed = false,
): void {
  buf[offset] = FIN | (compressed ? RSV1 : 0) | opcode;
  if (payloadLength < 126) {
    buf[offset + 1] = payloadLength;
  } else if (payloadLength < 65536) {
    buf[offset + 1] = 126;
    buf[offset + 2] = payloadLength >>> 8;
    buf[offset + 3] = payloadLength & 0xff;
  } else {
    buf[offset + 1] = 127;
    buf.writeUInt32BE(Math.floor(payloadLength / 0x100000000), offset + 2);
    buf.writeUInt32BE(payloadLength >>> 0, offset + 6);
  }
}

/** `buf` = HEADROOM reserved bytes + payload. Writes the header into the room; returns the frame (a view). */
export function frameInHeadroom(buf: Buffer, opcode: number): Buffer {
  const payloadLength = buf.length - HEADROOM;
  const start = HEADROOM - headerLength(payloadLength);
  writeHeader(buf, start, opcode, payloadLength);
  return buf.subarray(start);
}

export function frameText(text: string): Buffer {
  return frameInHeadroom(utf8WithHeadroom(text, HEADROOM), Opcode.TEXT);
}

/**
 * A text frame of JSON.stringify(value); with `bigInt` (settings.jsonBigInt), BigInt values written exactly,
 * as ws.send writes them (outbox.ts). Throws a TypeError for values JSON cannot encode.
 */
export function frameJson(value: unknown, bigInt = false): Buffer {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new TypeError(`Cannot send ${typeof value} as JSON`);
  }
  if (bigInt) return frameText(stringifyWithBigInt(value) as string);
  return frameInHeadroom(encodeJsonWithHeadroom(value, HEADROOM), Opcode.TEXT);
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

/**
 * ws.send / publish semantics: string → text, bytes → binary, anything else → JSON text (`bigInt`: with
 * settings.jsonBigInt's exact BigInt). One Buffer.
 */
export function frameValue(value: unknown, bigInt = false): Buffer {
  if (typeof value === 'string') return frameText(value);
  if (value instanceof Uint8Array) return frameCopy(Opcode.BINARY, value);
  if (value instanceof ArrayBuffer) return frameCopy(Opcode.BINARY, new Uint8Array(value));
  return frameJson(value, bigInt);
}

/** A close frame; code undefined → empty payload. The caller has validated code and reason. */
export function frameClose(code?: number, reason = ''): Buffer {
  if (code === undefined) return frameCopy(Opcode.CLOSE, EMPTY);
  const reasonLength = Buffer.byteLength(reason);
  if (reasonLength > MAX_CLOSE_REASON_BYTES)
    throw new RangeError(`Close reason must be at most ${MAX_CLOSE_REASON_BYTES} bytes`);
  const payload = Buffer.allocUnsafe(2 + reasonLength);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return frameCopy(Opcode.CLOSE, payload);
}

export const EMPTY = Buffer.alloc(0);
