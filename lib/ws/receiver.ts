// The frame parser (RFC 6455 §5): a state machine fed with socket chunks.
// A frame that lies inside one chunk is unmasked in place and handed on as a view of that chunk (no
// copy); only a header or payload split across chunks is collected, and a payload's Buffer is allocated
// once its (checked) length is known. Limits are enforced from the header, before anything is buffered.
import { isUtf8 } from 'node:buffer';
import { unmask, unmaskFrom } from '../backend';
import { CloseCode, isValidCloseCode } from './close-codes';
import { Opcode, EMPTY } from './sender';
import { Utf8Stream } from './utf8';

/** Where parsed messages and control frames go (the connection). */
export interface ReceiverSink {
  /** A complete message. Text is valid UTF-8 unless `compressed` (checked after inflate). */
  onMessage(binary: boolean, payload: Buffer, compressed: boolean): void;
  onPing(payload: Buffer): void;
  onPong(payload: Buffer): void;
  /** A valid close frame: code 1005 when it had no payload. */
  onCloseFrame(code: number, reason: string): void;
  /** A protocol violation: the connection must fail with `code`. */
  onProtocolError(code: number, message: string): void;
}

export interface ReceiverLimits {
  maxPayload: number;
  maxFragments: number;
}

const HEADER: number = 0;
const PAYLOAD: number = 1;
const STOPPED: number = 2;

/** 2^53: larger 64-bit lengths cannot be represented exactly (and exceed any limit anyway). */
const MAX_SAFE_LENGTH_HIGH = 0x1fffff;

export class Receiver {
  private state: number = HEADER;
  // A header split across chunks.
  private headerBuf: Buffer | null = null;
  private headerFill = 0;
  // The current frame.
  private fin = false;
  private opcode = 0;
  private compressedFrame = false;
  private payloadLength = 0;
  private readonly maskKey = Buffer.allocUnsafe(4);
  // A payload split across chunks.
  private payloadBuf: Buffer | null = null;
  private payloadFill = 0;
  // The current (fragmented) message.
  private messageOpcode = 0;
  private messageCompressed = false;
  private messageLength = 0;
  private fragmentCount = 0;
  private fragments: Buffer[] | null = null;
  /** Non-null while a text message is validated piece by piece. */
  private utf8: Utf8Stream | null = null;

  constructor(
    private readonly sink: ReceiverSink,
    private readonly limits: ReceiverLimits,
    /** permessage-deflate was negotiated: RSV1 marks a compressed message. */
    private readonly deflate: boolean,
  ) {}

  /** Stops parsing for good and drops every buffered byte (after a close frame or an error). */
  stop(): void {
    this.state = STOPPED;
    this.headerBuf = null;
    this.payloadBuf = null;
    this.fragments = null;
    this.utf8 = null;
  }

  get stopped(): boolean {
    return this.state === STOPPED;
  }

  push(chunk: Buffer): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      if (this.state === HEADER) {
        if (this.headerFill === 0 && length - pos >= 2) {
          const need = frameHeaderLength(chunk[pos + 1]);
          if (length - pos >= need) {
            if (!this.parseHeader(chunk, pos)) return;
            pos += need;
            if (this.payloadLength === 0) {
              this.state = HEADER;
              this.frameComplete(EMPTY);
              if (this.state === STOPPED) return;
            }
            continue;
          }
        }
        pos = this.collectHeader(chunk, pos);
        if (this.state === STOPPED) return;
      } else if (this.state === PAYLOAD) {
        const total = this.payloadLength;
        if (this.payloadFill === 0 && length - pos >= total) {
          // Zero-copy: the whole payload is in this chunk.
          const payload = chunk.subarray(pos, pos + total);
          unmask(payload, this.maskKey);
          pos += total;
          this.state = HEADER;
          if (this.utf8 !== null && this.opcode <= Opcode.BINARY && !this.utf8.push(payload, 0, total)) {
            this.fail(CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in text message');
            return;
          }
          this.frameComplete(payload);
          if (this.state === STOPPED) return;
        } else {
          pos = this.collectPayload(chunk, pos);
          if (this.state === STOPPED) return;
        }
      } else {
        return;
      }
    }
  }

  private collectHeader(chunk: Buffer, pos: number): number {
    if (this.headerBuf === null) this.headerBuf = Buffer.allocUnsafe(14);
    const header = this.headerBuf;
    let p = pos;
    if (this.headerFill < 2) {
      while (this.headerFill < 2 && p < chunk.length) header[this.headerFill++] = chunk[p++];
      if (this.headerFill < 2) return p;
    }
    const need = frameHeaderLength(header[1]);
    const take = Math.min(need - this.headerFill, chunk.length - p);
    chunk.copy(header, this.headerFill, p, p + take);
    this.headerFill += take;
    p += take;
    if (this.headerFill < need) return p;
    this.headerFill = 0;
    if (!this.parseHeader(header, 0)) return p;
    if (this.payloadLength === 0) {
      this.state = HEADER;
      this.frameComplete(EMPTY);
    }
    return p;
  }

  private collectPayload(chunk: Buffer, pos: number): number {
    const total = this.payloadLength;
    if (this.payloadBuf === null) {
      this.payloadBuf = Buffer.allocUnsafe(total);
      // A text payload over several reads is validated as it arrives (fail fast).
      if (this.opcode !== Opcode.BINARY && this.opcode < Opcode.CLOSE && this.messageOpcode === Opcode.TEXT && !this.messageCompressed && this.utf8 === null) {
        this.utf8 = new Utf8Stream();
      }
    }
    const buf = this.payloadBuf;
    const take = Math.min(total - this.payloadFill, chunk.length - pos);
    const start = this.payloadFill;
    chunk.copy(buf, start, pos, pos + take);
    unmaskFrom(buf, this.maskKey, start & 3, start, start + take);
    this.payloadFill += take;
    if (this.utf8 !== null && this.opcode < Opcode.CLOSE && !this.utf8.push(buf, start, start + take)) {
      this.fail(CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in text message');
      return pos + take;
    }
    if (this.payloadFill === total) {
      this.payloadBuf = null;
      this.payloadFill = 0;
      this.state = HEADER;
      this.frameComplete(buf);
    }
    return pos + take;
  }

  /** Validates the header at buf[p]; sets the frame fields. False when the connection failed. */
  private parseHeader(buf: Buffer, p: number): boolean {
    const b0 = buf[p];
    const b1 = buf[p + 1];
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    const rsv1 = (b0 & 0x40) !== 0;
    if ((b0 & 0x30) !== 0) return this.fail(CloseCode.PROTOCOL_ERROR, 'RSV2 and RSV3 must be clear');
    if ((b1 & 0x80) === 0) return this.fail(CloseCode.PROTOCOL_ERROR, 'Client frames must be masked');
    let length = b1 & 0x7f;
    let offset = p + 2;
    if (length === 126) {
      length = (buf[p + 2] << 8) | buf[p + 3];
      offset += 2;
    } else if (length === 127) {
      const high = buf.readUInt32BE(p + 2);
      if (high > MAX_SAFE_LENGTH_HIGH) return this.fail(CloseCode.MESSAGE_TOO_BIG, 'Frame length too large');
      length = high * 0x100000000 + buf.readUInt32BE(p + 6);
      offset += 8;
    }

    if (opcode >= Opcode.CLOSE) {
      if (opcode > Opcode.PONG) return this.fail(CloseCode.PROTOCOL_ERROR, `Reserved opcode ${opcode}`);
      if (!fin) return this.fail(CloseCode.PROTOCOL_ERROR, 'Control frames must not be fragmented');
      if (length > 125) return this.fail(CloseCode.PROTOCOL_ERROR, 'Control frame payload over 125 bytes');
      if (rsv1) return this.fail(CloseCode.PROTOCOL_ERROR, 'RSV1 must be clear on control frames');
    } else if (opcode === Opcode.CONTINUATION) {
      if (this.messageOpcode === 0) return this.fail(CloseCode.PROTOCOL_ERROR, 'Continuation frame without a message to continue');
      if (rsv1) return this.fail(CloseCode.PROTOCOL_ERROR, 'RSV1 must be clear on continuation frames');
      if (++this.fragmentCount > this.limits.maxFragments) return this.fail(CloseCode.POLICY_VIOLATION, 'Too many fragments');
      if (this.messageLength + length > this.limits.maxPayload) return this.fail(CloseCode.MESSAGE_TOO_BIG, 'Message too big');
      this.messageLength += length;
    } else if (opcode <= Opcode.BINARY) {
      if (this.messageOpcode !== 0) return this.fail(CloseCode.PROTOCOL_ERROR, 'New data frame inside a fragmented message');
      if (rsv1 && !this.deflate) return this.fail(CloseCode.PROTOCOL_ERROR, 'RSV1 set without a negotiated extension');
      if (length > this.limits.maxPayload) return this.fail(CloseCode.MESSAGE_TOO_BIG, 'Message too big');
      this.messageOpcode = opcode;
      this.messageCompressed = rsv1;
      this.messageLength = length;
      this.fragmentCount = 1;
      if (!fin && opcode === Opcode.TEXT && !rsv1) {
        if (this.utf8 === null) this.utf8 = new Utf8Stream();
      }
    } else {
      return this.fail(CloseCode.PROTOCOL_ERROR, `Reserved opcode ${opcode}`);
    }

    const mask = this.maskKey;
    mask[0] = buf[offset];
    mask[1] = buf[offset + 1];
    mask[2] = buf[offset + 2];
    mask[3] = buf[offset + 3];
    this.fin = fin;
    this.opcode = opcode;
    this.compressedFrame = rsv1;
    this.payloadLength = length;
    this.state = PAYLOAD;
    return true;
  }

  private frameComplete(payload: Buffer): void {
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
          if (!ok) return void this.fail(CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in text message');
        } else if (!isUtf8(payload)) {
          return void this.fail(CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in text message');
        }
      }
      this.messageOpcode = 0;
      this.sink.onMessage(!text, payload, compressed);
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
      if (!ok) return void this.fail(CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in text message');
    }
    const message = Buffer.concat(this.fragments, this.messageLength);
    this.fragments = null;
    this.messageOpcode = 0;
    this.sink.onMessage(!text, message, compressed);
  }

  private closeFrame(payload: Buffer): void {
    if (payload.length === 0) {
      this.stop();
      this.sink.onCloseFrame(CloseCode.NO_STATUS, '');
      return;
    }
    if (payload.length === 1) return void this.fail(CloseCode.PROTOCOL_ERROR, 'Close frame with a 1-byte payload');
    const code = payload.readUInt16BE(0);
    if (!isValidCloseCode(code)) return void this.fail(CloseCode.PROTOCOL_ERROR, `Invalid close code ${code}`);
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) return void this.fail(CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in close reason');
    this.stop();
    this.sink.onCloseFrame(code, reason.toString());
  }

  private fail(code: number, message: string): false {
    this.stop();
    this.sink.onProtocolError(code, message);
    return false;
  }
}

/** Header length from the second byte: 2 + extended length + 4 (mask; clients always mask). */
function frameHeaderLength(b1: number): number {
  const len = b1 & 0x7f;
  return (len === 126 ? 4 : len === 127 ? 10 : 2) + ((b1 & 0x80) !== 0 ? 4 : 0);
}
