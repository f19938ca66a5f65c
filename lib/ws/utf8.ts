// Streaming UTF-8 validation for text messages that arrive in pieces (fragments, or one frame over
// several TCP reads): each piece is checked as soon as it is unmasked, so an invalid prefix fails fast.
// The bulk of every piece goes through buffer.isUtf8 (simdutf); only a sequence cut at a piece
// boundary is carried (at most 3 bytes) and checked byte by byte.
import { isUtf8 } from 'node:buffer';

/** Total length of the sequence a lead byte starts; 0 for bytes that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead < 0xc2) return 0; // continuation bytes, and C0/C1 (always overlong)
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  if (lead < 0xf5) return 4;
  return 0; // F5..FF: beyond U+10FFFF
}

/** Whether `second` may follow `lead` (RFC 3629 table: no overlongs, no surrogates, <= U+10FFFF). */
function secondByteValid(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0 && second <= 0xbf;
  if (lead === 0xed) return second >= 0x80 && second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90 && second <= 0xbf;
  if (lead === 0xf4) return second >= 0x80 && second <= 0x8f;
  return (second & 0xc0) === 0x80;
}

export class Utf8Stream {
  private readonly carry = new Uint8Array(4);
  private carryLength = 0;
  private carryNeed = 0;

  reset(): void {
    this.carryLength = 0;
    this.carryNeed = 0;
  }

  /** Validates buf[start, end) as the continuation of what was pushed before. False: invalid. */
  push(buf: Uint8Array, start: number, end: number): boolean {
    let s = start;
    if (this.carryLength > 0) {
      while (this.carryLength < this.carryNeed && s < end) {
        const b = buf[s];
        if (this.carryLength === 1 ? !secondByteValid(this.carry[0], b) : (b & 0xc0) !== 0x80) return false;
        this.carry[this.carryLength++] = b;
        s++;
      }
      if (this.carryLength < this.carryNeed) return true;
      this.carryLength = 0;
    }
    if (s >= end) return true;
    // A sequence cut by the end of this piece: find its lead byte among the last 3 bytes.
    let cut = end;
    for (let i = end - 1; i >= s && i >= end - 3; i--) {
      const b = buf[i];
      if ((b & 0xc0) === 0x80) continue;
      const need = sequenceLength(b);
      if (need === 0) return false;
      if (i + need > end) cut = i;
      break;
    }
    if (cut > s && !isUtf8(buf.subarray(s, cut))) return false;
    if (cut < end) {
      const lead = buf[cut];
      this.carryNeed = sequenceLength(lead);
      this.carry[0] = lead;
      this.carryLength = 1;
      for (let i = cut + 1; i < end; i++) {
        const b = buf[i];
        if (this.carryLength === 1 ? !secondByteValid(lead, b) : (b & 0xc0) !== 0x80) return false;
        this.carry[this.carryLength++] = b;
      }
    }
    return true;
  }

  /** True when everything pushed ends on a character boundary. */
  end(): boolean {
    return this.carryLength === 0;
  }
}

/** Below this many bytes a text payload is unmasked by unmaskAscii (one JS pass, no isUtf8 call). */
export const SMALL_TEXT = 128;

/**
 * Unmasks buf[start, end) in place (buf[start] at mask phase 0) and reports whether every byte is ASCII,
 * which makes it valid UTF-8 without a further check. For short payloads: one loop instead of an unmask
 * call plus a UTF-8 validation call.
 */
export function unmaskAscii(buf: Uint8Array, maskKey: Uint8Array, start: number, end: number): boolean {
  const m0 = maskKey[0];
  const m1 = maskKey[1];
  const m2 = maskKey[2];
  const m3 = maskKey[3];
  let seen = 0;
  let i = start;
  for (const rounds = end - ((end - start) & 3); i < rounds; i += 4) {
    const a = buf[i] ^ m0;
    const b = buf[i + 1] ^ m1;
    const c = buf[i + 2] ^ m2;
    const d = buf[i + 3] ^ m3;
    buf[i] = a;
    buf[i + 1] = b;
    buf[i + 2] = c;
    buf[i + 3] = d;
    seen |= a | b | c | d;
  }
  if (i < end) seen |= buf[i] ^= m0;
  if (++i < end) seen |= buf[i] ^= m1;
  if (++i < end) seen |= buf[i] ^= m2;
  return seen < 0x80;
}
