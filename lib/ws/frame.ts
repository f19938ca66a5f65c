// The RFC 6455 §5.2 frame layout in one place: opcodes, the bits of the first two header bytes, the length
// thresholds and the control/close frame sizes. The parser (receiver.ts, frame-header.ts), the framer
// (sender.ts), the outbox and the close handshake read them from here.
// `const enum`s, so tsc writes the numbers into the code that uses them: an imported `export const` of a
// CommonJS module is a property load on every use (its field starts as `void 0`, so V8 cannot treat it as a
// constant), which cost the WebSocket echo ~2.5% of its instructions (bench/callgrind.mjs).

export const enum Opcode {
  CONTINUATION = 0x0,
  TEXT = 0x1,
  BINARY = 0x2,
  CLOSE = 0x8,
  PING = 0x9,
  PONG = 0xa,
}

/** The bits of the header's first two bytes. */
export const enum Bits {
  // Byte 0: FIN, RSV1-3, opcode.
  FIN = 0x80,
  /** permessage-deflate's "compressed message" bit (RFC 7692 §6). */
  RSV1 = 0x40,
  /** RSV2 and RSV3: no extension krozen negotiates uses them. */
  RSV2_RSV3 = 0x30,
  OPCODE = 0x0f,
  // Byte 1: MASK, then a 7-bit length (or a marker for a longer one).
  // eslint-disable-next-line @typescript-eslint/no-duplicate-enum-values -- FIN's bit, in the other byte
  MASK = 0x80,
  LENGTH = 0x7f,
}

/** Lengths and their markers, in bytes. */
export const enum Length {
  /** The largest length the 7 bits hold; the next two values are markers. */
  MAX_SHORT = 125,
  /** Marker: a 16-bit length follows. */
  MARKER_16 = 126,
  /** Marker: a 64-bit length follows. */
  MARKER_64 = 127,
  /** The largest length a 16-bit length holds. */
  MAX_16BIT = 65535,
  MASK_KEY = 4,
  /** Room for the longest server frame header (2 + 8 bytes of length; server frames are never masked). */
  HEADROOM = 10,
  /** The longest client frame header (2 + 8 bytes of length + the mask key). */
  MAX_CLIENT_HEADER = 14,
  /** Control frames (close, ping, pong) carry at most this many bytes and are never fragmented. */
  // eslint-disable-next-line @typescript-eslint/no-duplicate-enum-values -- the same number, another rule
  MAX_CONTROL_PAYLOAD = 125,
  /** A close frame's payload: a 2-byte code, then the reason. */
  CLOSE_CODE = 2,
  /** A close reason is at most 123 bytes: the control frame limit minus the code. */
  MAX_CLOSE_REASON = 123,
}

export const EMPTY = Buffer.alloc(0);

/** A server frame's header length for `payloadLength` bytes. */
export function headerLength(payloadLength: number): number {
  return payloadLength <= Length.MAX_SHORT ? 2 : payloadLength <= Length.MAX_16BIT ? 4 : Length.HEADROOM;
}
