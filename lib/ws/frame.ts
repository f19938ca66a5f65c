// The RFC 6455 §5.2 frame layout in one place: opcodes, the bits of the first two header bytes, the length
// thresholds and the control/close frame sizes. The parser (receiver.ts, frame-header.ts), the framer
// (sender.ts), the outbox and the close handshake read them from here.

export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

// Byte 0: FIN, RSV1-3, opcode.
export const FIN = 0x80;
/** permessage-deflate's "compressed message" bit (RFC 7692 §6). */
export const RSV1 = 0x40;
/** RSV2 and RSV3: no extension krozen negotiates uses them. */
export const RSV2_RSV3 = 0x30;
export const OPCODE_BITS = 0x0f;

// Byte 1: MASK, then a 7-bit length (or a marker for a longer one).
export const MASK = 0x80;
export const LENGTH_BITS = 0x7f;
/** The largest length the 7 bits hold; the next two values are markers. */
export const MAX_SHORT_LENGTH = 125;
/** Marker: a 16-bit length follows. */
export const LENGTH_16 = 126;
/** Marker: a 64-bit length follows. */
export const LENGTH_64 = 127;
/** The largest length a 16-bit length holds. */
export const MAX_16BIT_LENGTH = 65535;
export const MASK_KEY_BYTES = 4;

/** Room for the longest server frame header (2 + 8 bytes of length; server frames are never masked). */
export const HEADROOM = 10;
/** The longest client frame header (2 + 8 bytes of length + the mask key). */
export const MAX_CLIENT_HEADER = HEADROOM + MASK_KEY_BYTES;

/** Control frames (close, ping, pong) carry at most this many bytes and are never fragmented. */
export const MAX_CONTROL_PAYLOAD = MAX_SHORT_LENGTH;
/** A close frame's payload: a 2-byte code, then the reason. */
export const CLOSE_CODE_BYTES = 2;
/** A close reason is at most 123 bytes: the control frame limit minus the code. */
export const MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - CLOSE_CODE_BYTES;

export const EMPTY = Buffer.alloc(0);

/** A server frame's header length for `payloadLength` bytes. */
export function headerLength(payloadLength: number): number {
  return payloadLength <= MAX_SHORT_LENGTH ? 2 : payloadLength <= MAX_16BIT_LENGTH ? 4 : HEADROOM;
}
