// The WebSocket half of direct reads (the generic half, the scratch Buffer and the socket switch:
// ../transport/direct-read.ts). Bytes read into the shared scratch Buffer are valid only while the read is
// being handled, so whatever must outlive it (a binary message, a fragment, a text message a hook may keep)
// is copied out — the copy that unmasks, or a copy made only when needed. A payload that continues beyond a
// read gets the rest of its bytes read straight into its own Buffer (Receiver.readWindow()), not copied.
// A socket that reads big chunks (large messages) gets a slab of its own instead, read front to back and
// never rewritten: messages stay where the kernel put them (views, like Node's own chunks), a frame cut by
// the end of a read continues in place, and the echo's header goes where the request's header was. The
// number of such slabs is capped; the others stay on the scratch Buffer. (read-buffer.ts picks per read.)
import { SCRATCH_SIZE } from '../transport/direct-read';

/** A connection's own slab: a few 64 KiB messages each. */
export const OWN_SLAB_SIZE = 256 * 1024;
/** Reads into an own slab take at most this much (as the scratch Buffer)... */
export const OWN_WINDOW = SCRATCH_SIZE;
/** ...and at least this much: with less room left a new slab is started. */
export const OWN_MIN_WINDOW = 64 * 1024 + 16;
/** A read of this size moves the connection to a slab of its own (when one is free). */
export const OWN_READ_MIN = 16 * 1024;
/** Connections with own slabs at most (memory: OWN_SLAB_SIZE each, plus slabs still viewed by messages). */
let maxOwnSlabs = 64;
let ownSlabs = 0;

/** Caps the connections with own slabs (0: every socket reads into the scratch Buffer; tests use it). */
export function setMaxOwnSlabs(max: number): void {
  maxOwnSlabs = max;
}

/** A new slab for a connection that has one already. */
export function nextOwnSlab(): Buffer {
  return Buffer.allocUnsafeSlow(OWN_SLAB_SIZE);
}

/** A slab for a connection that has none, or null when all are taken. */
export function claimOwnSlab(): Buffer | null {
  if (ownSlabs >= maxOwnSlabs) return null;
  ownSlabs++;
  return nextOwnSlab();
}

/** The connection gives its slab up (messages that view it keep it alive as long as they need). */
export function releaseOwnSlab(): void {
  ownSlabs--;
}
