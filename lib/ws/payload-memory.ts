// Memory for the payloads the receiver (receiver.ts) collects or copies out: every Buffer has Length.HEADROOM free
// bytes in front (room for the echo's frame header), a payload over several reads is reserved in steps, and
// a fragmented message's pieces are joined into one Buffer.
import { Length } from './frame';

/**
 * A payload collected over several reads is reserved whole up to this size (every frame of the 64 KiB
 * bench, so small and medium frames are handled as before). A larger one starts at this size and grows
 * RESERVE_GROWTH-fold as bytes arrive: 15 bytes of a frame that declares 16 MiB hold 64 KiB, not 16 MiB
 * (issue 9), and a large payload is copied about a third of its size once more on the way.
 */
const RESERVE_MIN = 64 * 1024;
const RESERVE_GROWTH = 4;

/** A Buffer of `length` bytes with Length.HEADROOM bytes in front of it that belong to no one else. */
export function withHeadroom(length: number): Buffer {
  return Buffer.allocUnsafe(Length.HEADROOM + length).subarray(Length.HEADROOM);
}

/** The first reservation for a payload of `total` bytes of which `present` are in this read. */
export function firstReserve(total: number, present: number): number {
  return total <= RESERVE_MIN ? total : Math.max(RESERVE_MIN, Math.min(total, present));
}

/** The next reservation: at least `needed` bytes, at most the payload's `total`. */
export function grownReserve(total: number, needed: number, current: number): number {
  return Math.min(total, Math.max(needed, current * RESERVE_GROWTH));
}

/** The fragments of a message, `length` bytes in all, in one Buffer (with headroom). */
export function joinFragments(fragments: Buffer[], length: number): Buffer {
  const message = withHeadroom(length);
  let offset = 0;
  for (let i = 0; i < fragments.length; i++) {
    message.set(fragments[i], offset);
    offset += fragments[i].length;
  }
  return message;
}
