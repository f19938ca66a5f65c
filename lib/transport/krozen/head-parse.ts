// Finding and parsing a request head in a connection's input: the one entry (HeadReader.read) that takes the
// bytes, finds the blank line that ends the head, refuses a partial head early when it is already wrong, and
// parses a whole one with the JS scan (parser.ts) or the addon's (parser-native.ts). Every JS-or-native choice
// for a head is made here: the search for the blank line (a JS loop for a short input, Buffer.indexOf for a
// long one) and the parser (KROZEN_HTTP_PARSER=js|native|auto, read once at load; 'auto' by head size).
import { checkHeadPrefix } from './parser';
import { HeadError, type ParserLimits, type RequestHead } from './head-rules';
import { httpHeadNative, parseHeadJs, parseHeadNative } from './parser-native';

export type HttpParserName = 'js' | 'native' | 'auto';

// Below this many bytes (request line to the last field's CRLF) the JS scan runs: the Node-API call costs
// ~80 ns, as much as the JS scan of the shortest heads. Since the head's text is made in the scan's own call
// (one call, not two), the native parser is ahead from the smallest head measured: `node bench/http-parser.mjs
// --crossover` (Node 20, AVX2, shared 2-core machine, 2026-12-07): wrk's GET at 44 B js 256 ns / native 243;
// 64 B 426 / 392; 96 B 482 / 391; 128 B 552 / 403; 256 B 811 / 397 (before: 44 B 303 / 354, 128 B 541 / 422).
export const NATIVE_MIN_HEAD = 40;

function parseHeadAuto(buf: Buffer, start: number, end: number, limits: ParserLimits): RequestHead | HeadError {
  return end - start < NATIVE_MIN_HEAD
    ? parseHeadJs(buf, start, end, limits)
    : parseHeadNative(buf, start, end, limits);
}

function choose(): HttpParserName {
  if (httpHeadNative === null) return 'js';
  const wanted = process.env.KROZEN_HTTP_PARSER;
  return wanted === 'js' || wanted === 'native' ? wanted : 'auto';
}

/** The parser the transport uses: KROZEN_HTTP_PARSER when set (the native ones only with the addon). */
export const httpParser: HttpParserName = choose();

const PARSERS = { js: parseHeadJs, native: parseHeadNative, auto: parseHeadAuto };

/** Parses the head in buf[start, end) (request line to the last field line's CRLF) with the parser in use. */
export const parseRequestHead: (
  buf: Buffer,
  start: number,
  end: number,
  limits: ParserLimits,
) => RequestHead | HeadError = PARSERS[httpParser];

const CRLF_CRLF = Buffer.from('\r\n\r\n');
/** Up to this many bytes the end of a head is looked for in JS (no call into C++, no view of the buffer). */
const HEAD_SCAN_JS_MAX = 256;

/** Where the blank line that ends a head starts in buf[start, end) (at its CR), or -1. */
function headEnd(buf: Buffer, start: number, end: number): number {
  if (end - start > HEAD_SCAN_JS_MAX) {
    const at = buf.subarray(start, end).indexOf(CRLF_CRLF);
    return at === -1 ? -1 : start + at;
  }
  // i: where the blank line's LF would be. A byte that is neither CR nor LF cannot be in CR LF CR LF, so the
  // next candidate is 4 past it; a CR can be its first or third byte (1 past); a LF that does not end it can
  // be its second byte (2 past). Header text is mostly neither: about one byte in four is read.
  let i = start + 3;
  while (i < end) {
    const c = buf[i];
    if (c === 0x0a) {
      if (buf[i - 1] === 0x0d && buf[i - 2] === 0x0a && buf[i - 3] === 0x0d) return i - 3;
      i += 2;
    } else i += c === 0x0d ? 1 : 4;
  }
  return -1;
}

/** Just past the last LF in buf[from, end), or `from` when there is none. */
function lineEnds(buf: Buffer, from: number, end: number): number {
  for (let i = end - 1; i >= from; i--) if (buf[i] === 0x0a) return i + 1;
  return from;
}

export interface HeadLimits extends ParserLimits {
  /** Largest request head (request line + fields), bytes: 431 beyond. */
  maxHeaderSize: number;
}

export const TOO_LARGE = new HeadError(431, 'Request Header Fields Too Large');

/**
 * One connection's reading of request heads. A head that arrives over many reads is searched and checked
 * once in all, not once per read (a 16 KB head at a byte per millisecond cost quadratic CPU before): what
 * was searched and checked of the partial head is kept here between reads.
 */
export class HeadReader {
  /** Where the head read last starts in the input (past any empty lines before it). */
  start = 0;
  /** Just past the blank line that ends the head read last; -1 while the head is partial (or absent). */
  next = -1;
  /** Bytes of the partial head (from its start) already searched for its end. */
  private scanned = 0;
  /** Offset from the partial head's start where its unchecked field lines begin. */
  private checkedTo = 0;

  /**
   * Reads the head at buf[pos, end). Sets `start` (`end` when there are only empty lines) and `next`, and
   * returns the parsed head, the error to refuse it with (a partial head already wrong or too large, too),
   * or null: more bytes are needed.
   */
  read(buf: Buffer, pos: number, end: number, limits: HeadLimits): RequestHead | HeadError | null {
    let start = pos;
    // RFC 9112 §2.2: empty lines before a request line are ignored.
    while (start + 1 < end && buf[start] === 0x0d && buf[start + 1] === 0x0a) start += 2;
    this.start = start;
    this.next = -1;
    // What was kept of a partial head is counted from `pos` (the input may move to a new buffer between reads).
    if (start !== pos) {
      this.scanned = 0;
      this.checkedTo = 0;
    }
    if (start >= end) return null;
    // What earlier reads searched holds no blank line (one may straddle their end: back up 3 bytes).
    const blank = headEnd(buf, this.scanned > 3 ? start + this.scanned - 3 : start, end);
    if (blank === -1) {
      this.scanned = end - start;
      if (end - start > limits.maxHeaderSize) return TOO_LARGE;
      const checked = this.checkedTo;
      const wrong = checkHeadPrefix(buf, start, end, checked === 0 ? -1 : start + checked);
      if (wrong !== null) return wrong;
      this.checkedTo = lineEnds(buf, start + checked, end) - start;
      return null;
    }
    this.scanned = 0;
    this.checkedTo = 0;
    this.next = blank + 4;
    if (blank + 4 - start > limits.maxHeaderSize) return TOO_LARGE;
    return parseRequestHead(buf, start, blank + 2, limits);
  }
}
