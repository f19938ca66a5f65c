// Request body bytes held in memory in arrival order (a body being collected whole, or pieces that came
// before anyone asked for them). A piece of KEEP_WHOLE bytes or more is kept as it came; smaller ones are
// copied side by side into shared slabs. A body sent as a million 1-byte chunks is then a few dozen slabs,
// not a million Buffer objects (each ~100 bytes of heap for 1 byte of body, and a long GC walk).

/** Pieces at least this long are kept by reference: copying them would cost more than their Buffer does. */
const KEEP_WHOLE = 1024;
export { KEEP_WHOLE }; // by name: an `export const` is read as `exports.X` at every use
const SLAB_SIZE = 16 * 1024;
const NO_PIECES: Buffer[] = [];

export class BodyPieces {
  /** Bytes held. */
  size = 0;
  /** Held pieces in order; the slab's part not yet listed (slabStart..slabEnd) comes after them. */
  private pieces: Buffer[] = NO_PIECES;
  private slab: Buffer | null = null;
  private slabStart = 0;
  private slabEnd = 0;

  /** `maxSize`: the most this will ever hold (a slab is never larger than what is left of it). */
  constructor(private readonly maxSize: number) {}

  add(chunk: Buffer): void {
    const before = this.size;
    this.size = before + chunk.length;
    // The first piece is kept as it is: a body in one piece (the usual case) is never copied.
    if (chunk.length >= KEEP_WHOLE || before === 0) {
      this.flushSlab();
      if (this.pieces === NO_PIECES) this.pieces = [];
      this.pieces.push(chunk);
      return;
    }
    let slab = this.slab;
    if (slab === null || this.slabEnd + chunk.length > slab.length) {
      this.flushSlab();
      slab = Buffer.allocUnsafe(Math.max(chunk.length, Math.min(SLAB_SIZE, this.maxSize - before)));
      this.slab = slab;
      this.slabStart = 0;
      this.slabEnd = 0;
    }
    chunk.copy(slab, this.slabEnd);
    this.slabEnd += chunk.length;
  }

  /** The pieces in order; nothing is held after. */
  take(): Buffer[] {
    this.flushSlab();
    const pieces = this.pieces;
    this.clear();
    return pieces;
  }

  /** Everything held as one Buffer (the piece itself when there is one); nothing is held after. */
  join(): Buffer {
    const size = this.size;
    const pieces = this.take();
    return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, size);
  }

  clear(): void {
    this.pieces = NO_PIECES;
    this.slab = null;
    this.slabStart = 0;
    this.slabEnd = 0;
    this.size = 0;
  }

  /** Lists the slab's bytes not yet listed; the slab's free space stays in use for the next small piece. */
  private flushSlab(): void {
    if (this.slabEnd === this.slabStart) return;
    if (this.pieces === NO_PIECES) this.pieces = [];
    this.pieces.push((this.slab as Buffer).subarray(this.slabStart, this.slabEnd));
    this.slabStart = this.slabEnd;
  }
}
