// Where a connection's direct reads land (direct-read.ts explains the memory): the rest of a long payload
// straight into its own Buffer, else this connection's own slab (claimed after a big read, given back after
// a run of small ones), else the shared scratch Buffer. It also tells the receiver which bytes outlive the
// read (copyKept) and lets a payload cut by the end of a slab read continue in place.
import { scratchBuffer } from '../transport/direct-read';
import { OWN_MIN_WINDOW, OWN_READ_MIN, OWN_WINDOW, claimOwnSlab, nextOwnSlab, releaseOwnSlab } from './direct-read';
import type { Receiver } from './receiver';

/** A connection gives its own read slab back after this many reads in a row under SMALL_READ bytes. */
const SMALL_READS_TO_RELEASE = 8;
const SMALL_READ = 4096;

export class ReadBuffer {
  /** The payload Buffer the current read was pointed at (Receiver.readWindow()), or null. */
  private window: Buffer | null = null;
  /** This connection's own slab: bytes before `cursor` are never rewritten. */
  private slab: Buffer | null = null;
  private cursor = 0;
  /** The part of `slab` the current read was pointed at. */
  private target: Buffer | null = null;
  private smallReads = 0;

  constructor(private readonly receiver: Receiver) {}

  /** `n` bytes were read into `buf` (the Buffer next() returned): parse them. */
  read(buf: Buffer, n: number): void {
    const receiver = this.receiver;
    if (receiver.stopped) return;
    if (buf === this.window) {
      receiver.pushInPlace(n);
    } else if (buf === this.target) {
      // Own slab: nothing read here is rewritten, so payloads are handed on as views.
      this.cursor += n;
      receiver.copyKept = false;
      receiver.push(buf, n);
    } else {
      receiver.copyKept = true;
      receiver.push(buf, n);
    }
  }

  /** After a read of `n` bytes (and its handling): claims a slab for a big reader, gives it back after small ones. */
  account(n: number, open: boolean): void {
    if (n >= OWN_READ_MIN) {
      this.smallReads = 0;
      if (this.slab === null && open) {
        this.slab = claimOwnSlab();
        this.cursor = 0;
      }
    } else if (
      n < SMALL_READ &&
      this.slab !== null &&
      ++this.smallReads >= SMALL_READS_TO_RELEASE &&
      !this.receiver.placedPending
    ) {
      this.release();
    }
  }

  /** Where the next read lands. */
  next(): Buffer {
    const receiver = this.receiver;
    this.target = null;
    this.window = null;
    if (receiver.stopped) return scratchBuffer();
    const window = receiver.readWindow();
    if (window !== null) {
      this.window = window;
      return window;
    }
    let slab = this.slab;
    if (slab === null) return scratchBuffer();
    // A placed payload continues where the last read ended, in this slab (it fits: place() checked).
    if (slab.length - this.cursor < OWN_MIN_WINDOW && !receiver.placedPending) {
      slab = this.slab = nextOwnSlab();
      this.cursor = 0;
    }
    const target = slab.subarray(this.cursor, Math.min(slab.length, this.cursor + OWN_WINDOW));
    this.target = target;
    return target;
  }

  /** ReceiverSink.placePayload: a payload cut by the end of an own-slab read continues in place. */
  place(chunk: Buffer, pos: number, total: number): Buffer | null {
    const slab = this.slab;
    if (slab === null || chunk !== this.target) return null;
    const start = chunk.byteOffset - slab.byteOffset + pos;
    if (start + total > slab.length) return null;
    return slab.subarray(start, start + total);
  }

  /** Gives the own slab back (messages that view it keep it alive as long as they need). */
  release(): void {
    if (this.slab === null) return;
    this.slab = null;
    this.target = null;
    releaseOwnSlab();
  }
}
