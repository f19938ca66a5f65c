// Chunk extensions on the node:http transport. llhttp bounds them per chunk (16 KiB), not per body: 1-byte
// chunks that each carry a kilobyte of extensions are read without end (a gigabyte crossed the wire before a
// 413). The krozen transport's decoder counts them (krozen/chunked.ts: past 16 KiB they may not outweigh the
// data); node:http shows only what its socket read, so the same rule is checked from outside: the wire bytes
// of a chunked body may not outweigh its data plus the framing of its pieces, with room for the extensions
// the rule allows and for one socket read (bytesRead counts the whole read that is being parsed).
import type { Socket } from 'node:net';

/** The extensions krozen's rule allows beyond the data, and one socket read of another request's bytes. */
const SLACK = 16 * 1024 + 64 * 1024;
/** Framing per chunk at most: 13 hex digits, CRLF, CRLF (and a little more). */
const FRAMING_PER_PIECE = 20;

export class ChunkBudget {
  private data = 0;
  private pieces = 0;
  private readonly start: number;

  constructor(private readonly socket: Socket) {
    this.start = socket.bytesRead;
  }

  /** Counts a piece of body data; false once the body's wire bytes outweigh what the rule allows. */
  take(length: number): boolean {
    this.data += length;
    this.pieces++;
    return this.socket.bytesRead - this.start <= 2 * this.data + FRAMING_PER_PIECE * this.pieces + SLACK;
  }
}
