// The frame parser (RFC 6455 §5): a state machine fed with socket chunks.
// A frame that lies inside one chunk is unmasked in place and handed on as a view of that chunk (no
// copy); only a header or payload split across chunks is collected, and a payload's Buffer is allocated
// once its (checked) length is known — whole up to a size, beyond that growing as bytes arrive (a
// header alone cannot pin its declared length). Limits are enforced from the header, before anything is
// buffered.
// With `copyKept` (chunks that the next read overwrites, see direct-read.ts) the payloads that may be
// kept (binary, compressed, fragments) are unmasked while being copied out: one pass over the bytes.
// A collected payload's remaining bytes may be read straight into it (readWindow / pushInPlace), or
// the sink may place it where the chunk's memory continues (placePayload: the next read lands there).
// Payloads copied here get HEADROOM free bytes in front (room for the echo's frame header): payload-memory.ts.
import { isUtf8 } from 'node:buffer';
import { mask, unmask, unmaskFrom } from '../backend';
import { Failures, readClosePayload, type Failure } from './close-codes';
import { Bits, EMPTY, Length, Opcode } from './frame';
import { clientHeaderLength, payloadLengthAt, rotateMaskKey } from './frame-header';
import { firstReserve, grownReserve, joinFragments, withHeadroom } from './payload-memory';
import { SMALL_TEXT, Utf8Stream, unmaskAscii } from './utf8';
import { ReceiverFlags } from './receiver-flags';

/** Where parsed messages and control frames go (the connection). */
export interface ReceiverSink {
  /**
   * A complete message. Text is valid UTF-8 unless `compressed` (checked after inflate). `headroom`:
   * the bytes just before `payload` in its memory are free (at least a server frame header's worth).
   * `transient`: `payload` views a chunk that is reused after push() returns (copyKept).
   */
  onMessage(binary: boolean, payload: Buffer, compressed: boolean, headroom: boolean, transient: boolean): void;
  onPing(payload: Buffer): void;
  onPong(payload: Buffer): void;
  /** A valid close frame: code 1005 when it had no payload. */
  onCloseFrame(code: number, reason: string): void;
  /** A protocol violation: the connection must fail with `code`. */
  onProtocolError(code: number, message: string): void;
  /**
   * Optional: a data payload of `total` bytes starts at chunk[pos] and continues beyond the chunk.
   * Return memory for all of it that begins at chunk[pos] itself (the bytes present stay where they are,
   * later reads continue into it), or null for a Buffer of its own.
   */
  placePayload?(chunk: Buffer, pos: number, total: number): Buffer | null;
}

export interface ReceiverLimits {
  maxPayload: number;
  maxFragments: number;
}

const HEADER: number = 0;
const PAYLOAD: number = 1;
const STOPPED: number = 2;

/** readWindow(): from this many missing bytes a read goes straight into the payload (else: copied). */
const READ_WINDOW_MIN = 16 * 1024;
// Scratch for the current frame's mask key: filled from the receiver's number right before each (synchronous)
// unmask call, so no connection holds Buffers of its own for it.
const KEY = Buffer.allocUnsafe(4);
/** The key rotated to start at phase 1..3 (copying a payload from a middle offset). */
const ROTATED_KEY = Buffer.allocUnsafe(4);

export class Receiver extends ReceiverFlags {
  private state: number = HEADER;
  // A header split across chunks.
  private headerBuf: Buffer | null = null;
  private headerFill = 0;
  // The current frame.
  private opcode = 0;
  private payloadLength = 0;
  /** The frame's mask key, big-endian (a number, not a Buffer per connection: memory per idle connection). */
  private maskWord = 0;
  // A payload split across chunks.
  private payloadBuf: Buffer | null = null;
  /** Bytes of payloadBuf filled; payloadBuf.length may be less than payloadLength while it grows. */
  private payloadFill = 0;
  // The current (fragmented) message.
  private messageOpcode = 0;
  private messageLength = 0;
  private fragmentCount = 0;
  private fragments: Buffer[] | null = null;
  /** Non-null while a text message is validated piece by piece. */
  private utf8: Utf8Stream | null = null;

  constructor(
    private readonly sink: ReceiverSink,
    private readonly limits: ReceiverLimits,
    /** permessage-deflate was negotiated: Bits.RSV1 marks a compressed message. */
    private readonly deflate: boolean,
  ) {
    super();
  }

  /** Chunks are reused after push(): copy out every payload that may be kept (see the top). */
  copyKept = false;
  /** Frames completed so far: the idle sweep counts a connection that completes none as silent. */
  framesDone = 0;

  /** Stops parsing for good and drops every buffered byte (after a close frame or an error). */
  stop(): void {
    this.state = STOPPED;
    this.headerBuf = null;
    this.payloadBuf = null;
    this.payloadPlaced = false;
    this.fragments = null;
    this.utf8 = null;
  }

  get stopped(): boolean {
    return this.state === STOPPED;
  }

  /** Parses chunk[0, length). */
  push(chunk: Buffer, length: number = chunk.length): void {
    let pos = 0;
    while (pos < length) {
      if (this.state === HEADER) {
        if (this.headerFill === 0 && length - pos >= 2) {
          const need = clientHeaderLength(chunk[pos + 1]);
          if (length - pos >= need) {
            if (!this.parseHeader(chunk, pos)) return;
            pos += need;
            this.headerInChunk = true;
            if (this.payloadLength === 0) {
              this.state = HEADER;
              this.frameComplete(EMPTY);
              if (this.state === STOPPED) return;
            }
            continue;
          }
        }
        pos = this.collectHeader(chunk, pos, length);
        if (this.state === STOPPED) return;
      } else if (this.state === PAYLOAD) {
        const total = this.payloadLength;
        if (this.payloadFill === 0 && length - pos >= total) {
          let payload: Buffer;
          if (this.copyKept && this.mayBeKept()) {
            // Copied while unmasking: the chunk is overwritten by the next read.
            payload = withHeadroom(total);
            mask(
              pos === 0 && total === chunk.length ? chunk : chunk.subarray(pos, pos + total),
              this.key(),
              payload,
              0,
              total,
            );
            this.payloadHeadroom = true;
            this.payloadTransient = false;
            this.payloadAscii = false;
          } else {
            // Zero-copy: the whole payload is in this chunk.
            payload = chunk.subarray(pos, pos + total);
            if (total < SMALL_TEXT && this.opcode === Opcode.TEXT) {
              this.payloadAscii = unmaskAscii(chunk, this.key(), pos, pos + total);
            } else {
              unmask(payload, this.key());
              this.payloadAscii = false;
            }
            this.payloadHeadroom = this.headerInChunk;
            this.payloadTransient = this.copyKept;
          }
          pos += total;
          this.state = HEADER;
          if (this.utf8 !== null && this.opcode <= Opcode.BINARY && !this.utf8.push(payload, 0, total)) {
            this.fail(Failures.BAD_UTF8);
            return;
          }
          this.frameComplete(payload);
          if (this.state === STOPPED) return;
        } else {
          pos = this.collectPayload(chunk, pos, length);
          if (this.state === STOPPED) return;
        }
      } else {
        return;
      }
    }
  }

  private collectHeader(chunk: Buffer, pos: number, length: number): number {
    if (this.headerBuf === null) this.headerBuf = Buffer.allocUnsafe(Length.MAX_CLIENT_HEADER);
    const header = this.headerBuf;
    let p = pos;
    if (this.headerFill < 2) {
      while (this.headerFill < 2 && p < length) header[this.headerFill++] = chunk[p++];
      if (this.headerFill < 2) return p;
    }
    const need = clientHeaderLength(header[1]);
    const take = Math.min(need - this.headerFill, length - p);
    chunk.copy(header, this.headerFill, p, p + take);
    this.headerFill += take;
    p += take;
    if (this.headerFill < need) return p;
    this.headerFill = 0;
    if (!this.parseHeader(header, 0)) return p;
    this.headerInChunk = false;
    if (this.payloadLength === 0) {
      this.state = HEADER;
      this.frameComplete(EMPTY);
    }
    return p;
  }

  private collectPayload(chunk: Buffer, pos: number, length: number): number {
    const total = this.payloadLength;
    if (this.payloadBuf === null) {
      const placed =
        this.opcode < Opcode.CLOSE && this.sink.placePayload !== undefined
          ? this.sink.placePayload(chunk, pos, total)
          : null;
      if (placed !== null) {
        this.payloadBuf = placed;
        this.payloadPlaced = true;
        this.placedHeadroom = this.headerInChunk;
      } else {
        this.payloadBuf = withHeadroom(firstReserve(total, length - pos));
      }
      // A text payload over several reads is validated as it arrives (fail fast).
      if (
        this.opcode !== Opcode.BINARY &&
        this.opcode < Opcode.CLOSE &&
        this.messageOpcode === Opcode.TEXT &&
        !this.messageCompressed &&
        this.utf8 === null
      ) {
        this.utf8 = new Utf8Stream();
      }
    }
    const take = Math.min(total - this.payloadFill, length - pos);
    const start = this.payloadFill;
    const buf = this.payloadBuf.length >= start + take ? this.payloadBuf : this.growPayload(start + take);
    if (this.payloadPlaced && chunk.buffer === buf.buffer && chunk.byteOffset + pos === buf.byteOffset + start) {
      // Already in place (a placed payload read contiguously).
      unmaskFrom(buf, this.key(), start & 3, start, start + take);
    } else {
      // Unmasked while copied (one pass); the key is rotated to the phase of buf[start].
      mask(
        pos === 0 && take === chunk.length ? chunk : chunk.subarray(pos, pos + take),
        this.keyAt(start & 3),
        buf,
        start,
        take,
      );
    }
    this.payloadArrived(buf, start, take);
    return pos + take;
  }

  /**
   * Where the next read should land: the rest of a payload collected over several reads, when enough of
   * it is missing to be worth a read of its own. Null: read anywhere and push() the bytes.
   */
  readWindow(): Buffer | null {
    let buf = this.payloadBuf;
    const fill = this.payloadFill;
    if (this.state !== PAYLOAD || buf === null || this.payloadPlaced || this.payloadLength - fill < READ_WINDOW_MIN)
      return null;
    if (buf.length - fill < READ_WINDOW_MIN) buf = this.growPayload(fill + READ_WINDOW_MIN);
    return buf.subarray(fill, buf.length);
  }

  /** A larger payloadBuf (at least `needed` bytes, at most the payload's length) with the bytes so far. */
  private growPayload(needed: number): Buffer {
    const old = this.payloadBuf as Buffer;
    const buf = withHeadroom(grownReserve(this.payloadLength, needed, old.length));
    old.copy(buf, 0, 0, this.payloadFill);
    this.payloadBuf = buf;
    return buf;
  }

  /** A payload placed by the sink is waiting for more bytes (its memory must stay where it is). */
  get placedPending(): boolean {
    return this.payloadPlaced && this.state === PAYLOAD;
  }

  /** `n` (masked) bytes were read into the Buffer readWindow() returned. */
  pushInPlace(n: number): void {
    const buf = this.payloadBuf;
    if (this.state !== PAYLOAD || buf === null || n > buf.length - this.payloadFill) {
      throw new Error('pushInPlace without a read window');
    }
    const start = this.payloadFill;
    unmaskFrom(buf, this.key(), start & 3, start, start + n);
    this.payloadArrived(buf, start, n);
  }

  /** buf[start, start + n) of the collected payload are unmasked. */
  private payloadArrived(buf: Buffer, start: number, n: number): void {
    this.payloadFill += n;
    if (this.utf8 !== null && this.opcode < Opcode.CLOSE && !this.utf8.push(buf, start, start + n)) {
      this.fail(Failures.BAD_UTF8);
      return;
    }
    if (this.payloadFill === this.payloadLength) {
      this.payloadBuf = null;
      this.payloadFill = 0;
      this.state = HEADER;
      this.payloadHeadroom = this.payloadPlaced ? this.placedHeadroom : true;
      this.payloadTransient = false;
      this.payloadAscii = false;
      this.payloadPlaced = false;
      this.frameComplete(buf);
    }
  }

  /** The frame's mask key, in a Buffer shared by every receiver (valid until the next call: use it at once). */
  private key(): Buffer {
    const w = this.maskWord;
    KEY[0] = w >>> 24;
    KEY[1] = w >>> 16;
    KEY[2] = w >>> 8;
    KEY[3] = w;
    return KEY;
  }

  /** The mask key as seen from a payload offset with `phase` = offset & 3. */
  private keyAt(phase: number): Buffer {
    return phase === 0 ? this.key() : rotateMaskKey(this.key(), phase, ROTATED_KEY);
  }

  /** The current data frame is not a whole uncompressed text message: its payload may outlive the read. */
  private mayBeKept(): boolean {
    return (
      this.opcode < Opcode.CLOSE &&
      (this.messageOpcode !== Opcode.TEXT || this.messageCompressed || !this.fin || this.fragments !== null)
    );
  }

  /** Validates the header at buf[p]; sets the frame fields. False when the connection failed. */
  private parseHeader(buf: Buffer, p: number): boolean {
    const b0 = buf[p];
    const b1 = buf[p + 1];
    if ((b0 & Bits.RSV2_RSV3) !== 0) return this.fail(Failures.RSV23_SET);
    if ((b1 & Bits.MASK) === 0) return this.fail(Failures.UNMASKED);
    const short = b1 & Bits.LENGTH;
    const length = short < Length.MARKER_16 ? short : payloadLengthAt(buf, p);
    if (length < 0) return this.fail(Failures.LENGTH_OVER_2_53);
    const fin = (b0 & Bits.FIN) !== 0;
    const opcode = b0 & Bits.OPCODE;
    const rsv1 = (b0 & Bits.RSV1) !== 0;

    if (opcode >= Opcode.CLOSE) {
      if (opcode > Opcode.PONG) return this.fail(Failures.RESERVED_OPCODE, opcode);
      if (!fin) return this.fail(Failures.FRAGMENTED_CONTROL);
      if (length > Length.MAX_CONTROL_PAYLOAD) return this.fail(Failures.LONG_CONTROL);
      if (rsv1) return this.fail(Failures.RSV1_CONTROL);
    } else if (opcode === Opcode.CONTINUATION) {
      if (this.messageOpcode === 0) return this.fail(Failures.ORPHAN_CONTINUATION);
      if (rsv1) return this.fail(Failures.RSV1_CONTINUATION);
      if (++this.fragmentCount > this.limits.maxFragments) return this.fail(Failures.TOO_MANY_FRAGMENTS);
      if (this.messageLength + length > this.limits.maxPayload) return this.fail(Failures.TOO_BIG);
      this.messageLength += length;
    } else if (opcode <= Opcode.BINARY) {
      if (this.messageOpcode !== 0) return this.fail(Failures.NESTED_MESSAGE);
      if (rsv1 && !this.deflate) return this.fail(Failures.RSV1_UNNEGOTIATED);
      if (length > this.limits.maxPayload) return this.fail(Failures.TOO_BIG);
      this.messageOpcode = opcode;
      this.messageCompressed = rsv1;
      this.messageLength = length;
      this.fragmentCount = 1;
      if (!fin && opcode === Opcode.TEXT && !rsv1) {
        if (this.utf8 === null) this.utf8 = new Utf8Stream();
      }
    } else {
      return this.fail(Failures.RESERVED_OPCODE, opcode);
    }

    const offset = p + (short < Length.MARKER_16 ? 2 : short === Length.MARKER_16 ? 4 : 10);
    this.maskWord = (buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3];
    this.fin = fin;
    this.opcode = opcode;
    this.compressedFrame = rsv1;
    this.payloadLength = length;
    this.state = PAYLOAD;
    return true;
  }

  private frameComplete(payload: Buffer): void {
    this.framesDone++;
    const opcode = this.opcode;
    if (opcode >= Opcode.CLOSE) {
      if (opcode === Opcode.PING) this.sink.onPing(payload);
      else if (opcode === Opcode.PONG) this.sink.onPong(payload);
      else this.closeFrame(payload);
      return;
    }
    if (this.fin && this.fragments === null) {
      // A whole message in one frame.
      const text = this.messageOpcode === Opcode.TEXT;
      const compressed = this.messageCompressed;
      if (text && !compressed) {
        if (this.utf8 !== null) {
          const ok = this.utf8.end();
          this.utf8 = null;
          if (!ok) return void this.fail(Failures.BAD_UTF8);
        } else if (!this.payloadAscii && !isUtf8(payload)) {
          return void this.fail(Failures.BAD_UTF8);
        }
      }
      this.messageOpcode = 0;
      this.sink.onMessage(
        !text,
        payload,
        compressed,
        payload.length > 0 && this.payloadHeadroom,
        payload.length > 0 && this.payloadTransient,
      );
      return;
    }
    if (this.fragments === null) this.fragments = [payload];
    else this.fragments.push(payload);
    if (!this.fin) return;
    const text = this.messageOpcode === Opcode.TEXT;
    const compressed = this.messageCompressed;
    if (text && !compressed && this.utf8 !== null) {
      const ok = this.utf8.end();
      this.utf8 = null;
      if (!ok) return void this.fail(Failures.BAD_UTF8);
    }
    const message = joinFragments(this.fragments, this.messageLength);
    this.fragments = null;
    this.messageOpcode = 0;
    this.sink.onMessage(!text, message, compressed, true, false);
  }

  private closeFrame(payload: Buffer): void {
    const close = readClosePayload(payload);
    if ('failure' in close) return void this.fail(close.failure, close.detail);
    this.stop();
    this.sink.onCloseFrame(close.code, close.reason);
  }

  private fail([code, reason]: Failure, detail?: number): false {
    this.stop();
    this.sink.onProtocolError(code, detail === undefined ? reason : `${reason} ${detail}`);
    return false;
  }
}
