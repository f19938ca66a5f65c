// A connection's unread input, buf[pos, end): the bytes read off the socket and not consumed yet. A direct
// read (lib/transport/direct-read.ts) lands in one shared scratch buffer: the input is then a view of it (no view
// or copy per read) for the length of that read, and what is left at its end is copied out. Input that
// outlives a read is kept in a buffer of our own that grows by doubling, in place when it has room, so a
// head that arrives in many small reads costs linear copying, not quadratic.
/** Smallest buffer kept for input that outlives a read (a head cut by the read): it then grows by doubling. */
const KEPT_INPUT_MIN = 1024;

const EMPTY = Buffer.alloc(0);

export class Input {
  /** null: nothing unread. The connection reads and advances `pos` as it consumes heads and bodies. */
  buf: Buffer | null = null;
  pos = 0;
  end = 0;
  /** buf is a view of the shared scratch buffer (direct reads): copy what must outlive this read. */
  private transient = false;
  /** buf was allocated here, so bytes may be appended past `end` (a slow head grows in place, not by re-copying). */
  private owned = false;

  /** Bytes from the socket ('data' path: the chunk is ours to keep). */
  addChunk(chunk: Buffer): void {
    this.transient = false;
    if (this.buf === null) {
      this.buf = chunk;
      this.owned = false;
      this.pos = 0;
      this.end = chunk.length;
    } else {
      this.append(chunk, chunk.length);
    }
  }

  /** A direct read: `n` bytes in the shared scratch buffer, valid until endDirectRead(). */
  addDirectRead(scratch: Buffer, n: number): void {
    if (this.buf === null) {
      this.buf = scratch;
      this.pos = 0;
      this.end = n;
      this.transient = true;
      this.owned = false;
    } else {
      this.append(scratch, n);
      this.transient = false;
    }
  }

  /** The direct read is over: what is left (a head cut by the read, a paused connection's input) is copied out. */
  endDirectRead(): void {
    if (this.transient && this.buf !== null) {
      const view = this.buf.subarray(this.pos, this.end);
      this.buf = null;
      this.append(view, view.length);
    }
    this.transient = false;
  }

  /** A body piece to hand on: a view of a chunk we own, or a copy out of the scratch buffer. */
  keep(chunk: Buffer): Buffer {
    return this.transient ? Buffer.from(chunk) : chunk;
  }

  /** Nothing unread. */
  get empty(): boolean {
    return this.buf === null || this.pos >= this.end;
  }

  /** Drops what is unread (nothing after the last request is read). */
  drop(): void {
    this.buf = null;
  }

  /** Takes what is unread as a buffer of its own (the bytes after an upgrade's head go with the socket). */
  takeRest(): Buffer {
    const rest = this.buf === null ? EMPTY : Buffer.from(this.buf.subarray(this.pos, this.end));
    this.buf = null;
    return rest;
  }

  /**
   * Appends src[0, n) to the unread input buf[pos, end): in place when buf is ours and has room, else into a
   * new buffer with room to spare (doubling), so input that arrives in small reads costs linear copying.
   */
  private append(src: Buffer, n: number): void {
    const buf = this.buf;
    if (buf !== null && this.owned && buf.length - this.end >= n) {
      src.copy(buf, this.end, 0, n);
      this.end += n;
      return;
    }
    const have = buf === null ? 0 : this.end - this.pos;
    const next = Buffer.allocUnsafe(Math.max(KEPT_INPUT_MIN, 2 * (have + n)));
    if (buf !== null) buf.copy(next, 0, this.pos, this.end);
    src.copy(next, have, 0, n);
    this.buf = next;
    this.owned = true;
    this.pos = 0;
    this.end = have + n;
  }
}
