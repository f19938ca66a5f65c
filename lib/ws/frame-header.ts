// Reading a client frame's header (RFC 6455 §5.2): how long it is, its payload length, its mask key from
// a payload offset. The receiver (receiver.ts) checks the bits and the rest against the message state.
import { Bits, Length } from './frame';

/** 2^53: larger 64-bit lengths cannot be represented exactly (and exceed any limit anyway). */
const MAX_SAFE_LENGTH_HIGH = 0x1fffff;

/** Header length from the second byte: 2 + extended length + the mask key (clients always mask). */
export function clientHeaderLength(b1: number): number {
  const len = b1 & Bits.LENGTH;
  return (
    (len === Length.MARKER_16 ? 4 : len === Length.MARKER_64 ? 10 : 2) + ((b1 & Bits.MASK) !== 0 ? Length.MASK_KEY : 0)
  );
}

/** The payload length of the header at buf[p] (extended lengths decoded), or -1 past 2^53. */
export function payloadLengthAt(buf: Buffer, p: number): number {
  const length = buf[p + 1] & Bits.LENGTH;
  if (length < Length.MARKER_16) return length;
  if (length === Length.MARKER_16) return (buf[p + 2] << 8) | buf[p + 3];
  const high = buf.readUInt32BE(p + 2);
  if (high > MAX_SAFE_LENGTH_HIGH) return -1;
  return high * 0x100000000 + buf.readUInt32BE(p + 6);
}

/** `key` as seen from a payload offset with `phase` = offset & 3 (1..3), written into `out`. */
export function rotateMaskKey(key: Buffer, phase: number, out: Buffer): Buffer {
  for (let i = 0; i < Length.MASK_KEY; i++) out[i] = key[(i + phase) & 3];
  return out;
}
