// The chunked transfer coding (RFC 9112 §7.1), decoded as bytes arrive in any split:
//   chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF;  last-chunk = 1*"0" [ chunk-ext ] CRLF
//   then trailer field lines and a final CRLF.
// Sizes are hex digits only (no sign, no spaces, at most 13 digits: below 2^53); a chunk-size line with its
// extensions is bounded, and so are the extensions of the whole body: past FREE_EXTENSIONS bytes they may
// not outweigh the chunk data (1-byte chunks carrying long extensions are refused with 413 after a few
// kilobytes, not read for a gigabyte; the reader's limit charges tiny chunks themselves, ../../http/body.ts);
// trailer lines are checked like header lines, bounded in count and bytes, then dropped (nothing in krozen
// reads trailers); Content-Length or Transfer-Encoding among them is refused (400), as llhttp refuses it.
import { FIELD_VALUE, TOKEN, isToken, latin1 } from './parser';
import { HeadError } from './head-rules';

const SIZE = 0;
const EXT = 1;
const SIZE_LF = 2;
const DATA = 3;
const DATA_CR = 4;
const DATA_LF = 5;
const TRAILER = 6;
const TRAILER_LF = 7;
const DONE = 8;

// Where in a chunk extension (EXT state) the decoder is.
const EXT_NAME_START = 0;
const EXT_NAME = 1;
const EXT_VALUE_START = 2;
const EXT_TOKEN = 3;
const EXT_QUOTED = 4;
const EXT_QUOTED_PAIR = 5;
const EXT_AFTER_QUOTE = 6;

/** Longest chunk-size line (digits + extensions), bytes. */
export const MAX_CHUNK_LINE = 1024;
const MAX_SIZE_DIGITS = 13;
/**
 * Extension bytes a body may carry beyond its data bytes. node:http bounds extensions to 16 KiB per chunk
 * (node_http_parser.cc, 413) and not per body; this bounds the body. Legitimate extensions are a few bytes
 * per chunk of kilobytes (AWS SigV4's ~85-byte signature per 64 KiB chunk is the heaviest in use).
 */
const FREE_EXTENSIONS = 16 * 1024;

const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

const BAD_SIZE = new HeadError(400, 'Bad Request: invalid chunk size');
const SIZE_OVERFLOW = new HeadError(400, 'Bad Request: chunk size too large');
const EXT_TOO_LONG = new HeadError(400, 'Bad Request: chunk extensions too long');
const BAD_EXT = new HeadError(400, 'Bad Request: invalid chunk extension');
const BAD_CHUNK_END = new HeadError(400, 'Bad Request: chunk data not followed by CRLF');
const BAD_TRAILER = new HeadError(400, 'Bad Request: malformed trailer field');
const FRAMING_TRAILER = new HeadError(400, 'Bad Request: framing field in the trailer section');
const TRAILER_TOO_LARGE = new HeadError(431, 'Request Header Fields Too Large: trailer section');
const EXTENSIONS_TOO_LARGE = new HeadError(413, 'Payload Too Large: chunk extensions outweigh the data');

export interface ChunkLimits {
  maxHeaderSize: number;
  maxHeaderCount: number;
}

export class ChunkedDecoder {
  private state = SIZE;
  private ext = EXT_NAME_START;
  private size = 0;
  private digits = 0;
  private lineBytes = 0;
  private trailerLine = '';
  private trailerBytes = 0;
  private trailerCount = 0;
  /** Chunk data bytes and chunk extension bytes so far. */
  private dataBytes = 0;
  private extBytes = 0;
  /** Set when decode() returned -1. */
  error: HeadError | null = null;

  constructor(private readonly limits: ChunkLimits) {}

  get done(): boolean {
    return this.state === DONE;
  }

  /**
   * Decodes buf[start, end): chunk data goes to `onData` as subarrays of `buf`. Returns the index just past
   * what was consumed (`end`, or earlier once the message is complete), or -1 on a framing error.
   */
  decode(buf: Buffer, start: number, end: number, onData: (chunk: Buffer) => void): number {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case SIZE: {
          const c = buf[i];
          const d = HEX[c];
          if (d >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return this.fail(SIZE_OVERFLOW);
            this.size = this.size * 16 + d;
            i++;
          } else if (this.digits === 0) {
            return this.fail(BAD_SIZE);
          } else if (c === 0x3b /* ; */) {
            this.state = EXT;
            this.ext = EXT_NAME_START;
            this.lineBytes = this.digits + 1;
            i++;
          } else if (c === 0x0d) {
            this.state = SIZE_LF;
            i++;
          } else {
            return this.fail(BAD_SIZE);
          }
          break;
        }
        case EXT: {
          const c = buf[i];
          if (++this.lineBytes > MAX_CHUNK_LINE) return this.fail(EXT_TOO_LONG);
          if (++this.extBytes > FREE_EXTENSIONS + this.dataBytes) return this.fail(EXTENSIONS_TOO_LARGE);
          if (!this.extByte(c)) return this.fail(BAD_EXT);
          i++;
          break;
        }
        case SIZE_LF:
          if (buf[i] !== 0x0a) return this.fail(BAD_SIZE);
          i++;
          this.state = this.size === 0 ? TRAILER : DATA;
          break;
        case DATA: {
          const take = Math.min(this.size, end - i);
          onData(buf.subarray(i, i + take));
          this.dataBytes += take;
          this.size -= take;
          i += take;
          if (this.size === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (buf[i] !== 0x0d) return this.fail(BAD_CHUNK_END);
          this.state = DATA_LF;
          i++;
          break;
        case DATA_LF:
          if (buf[i] !== 0x0a) return this.fail(BAD_CHUNK_END);
          this.state = SIZE;
          this.digits = 0;
          i++;
          break;
        case TRAILER: {
          // Collect one field line (latin1) up to its CR; an empty line ends the message.
          let j = i;
          while (j < end && buf[j] !== 0x0d) j++;
          this.trailerBytes += j - i;
          if (this.trailerBytes > this.limits.maxHeaderSize) return this.fail(TRAILER_TOO_LARGE);
          if (j > i) this.trailerLine += latin1(buf, i, j);
          i = j;
          if (j < end) {
            this.state = TRAILER_LF;
            i++;
          }
          break;
        }
        case TRAILER_LF: {
          if (buf[i] !== 0x0a) return this.fail(BAD_TRAILER);
          i++;
          const line = this.trailerLine;
          if (line.length === 0) {
            this.state = DONE;
            return i;
          }
          if (!isFieldLine(line)) return this.fail(BAD_TRAILER);
          if (isFramingField(line)) return this.fail(FRAMING_TRAILER);
          if (++this.trailerCount > this.limits.maxHeaderCount) return this.fail(TRAILER_TOO_LARGE);
          this.trailerLine = '';
          this.state = TRAILER;
          break;
        }
        default:
          return i;
      }
    }
    return i;
  }

  /**
   * One byte of `*( ";" ext-name [ "=" ( token / quoted-string ) ] )` after the first ";" (no whitespace,
   * as llhttp); CR ends the line. False on a byte the grammar does not allow here.
   */
  private extByte(c: number): boolean {
    switch (this.ext) {
      case EXT_NAME_START:
      case EXT_NAME:
        if (TOKEN[c] === 1) {
          this.ext = EXT_NAME;
          return true;
        }
        if (this.ext === EXT_NAME_START) return false;
        return this.extEnd(c);
      case EXT_VALUE_START:
        if (c === 0x22) {
          this.ext = EXT_QUOTED;
          return true;
        }
        if (TOKEN[c] !== 1) return false;
        this.ext = EXT_TOKEN;
        return true;
      case EXT_TOKEN:
        if (TOKEN[c] === 1) return true;
        return this.extEnd(c);
      case EXT_QUOTED:
        if (c === 0x22) this.ext = EXT_AFTER_QUOTE;
        else if (c === 0x5c) this.ext = EXT_QUOTED_PAIR;
        else if (FIELD_VALUE[c] !== 1) return false;
        return true;
      case EXT_QUOTED_PAIR:
        this.ext = EXT_QUOTED;
        return FIELD_VALUE[c] === 1;
      default: // EXT_AFTER_QUOTE
        return this.extEnd(c);
    }
  }

  /** After a name or value: "=" (after a name), ";" (the next extension) or CR (end of line). */
  private extEnd(c: number): boolean {
    if (c === 0x3d && this.ext === EXT_NAME) {
      this.ext = EXT_VALUE_START;
      return true;
    }
    if (c === 0x3b) {
      this.ext = EXT_NAME_START;
      return true;
    }
    if (c === 0x0d) {
      this.state = SIZE_LF;
      return true;
    }
    return false;
  }

  private fail(err: HeadError): number {
    this.error = err;
    return -1;
  }
}

/**
 * Content-Length or Transfer-Encoding as a trailer. RFC 9110 §6.5 has a recipient drop it (this decoder
 * drops every trailer), but llhttp refuses the message: a proxy that merged it into the head would frame
 * what follows differently, so krozen refuses it too rather than answer and read on. Other framing-looking
 * trailers (Connection: close, which llhttp obeys after the answer) are dropped: they cannot change where
 * this message ends, and a client that sends another request on the connection is served.
 */
function isFramingField(line: string): boolean {
  const colon = line.indexOf(':');
  if (colon !== 14 && colon !== 17) return false;
  const name = line.slice(0, colon).toLowerCase();
  return name === 'content-length' || name === 'transfer-encoding';
}

function isFieldLine(line: string): boolean {
  const colon = line.indexOf(':');
  if (colon <= 0 || !isToken(line, 0, colon)) return false;
  for (let i = colon + 1; i < line.length; i++) if (FIELD_VALUE[line.charCodeAt(i)] !== 1) return false;
  return true;
}
