// Response heads: the status line and header lines as one latin1 string, written once per response.
// Status lines are precomputed, the Date line is cached for the current second, and the framing lines the
// transport adds (connection, transfer-encoding) are constants. Header names and values are checked as
// node:http checks them (a bad one throws before anything is written, so the pipeline can still send a 500).
import { STATUS_CODES } from 'node:http';
import type { OutgoingHeaders } from '../types';
import { FIELD_VALUE, isToken } from './parser';
import { parseLength } from './head-rules';

const statusLines: string[] = [];
for (const code of Object.keys(STATUS_CODES)) {
  statusLines[Number(code)] = `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\n`;
}

function statusLine(status: number): string {
  const line = statusLines[status];
  if (line !== undefined) return line;
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new RangeError(`Invalid status code: ${String(status)}`);
  }
  return `HTTP/1.1 ${status} Unknown\r\n`;
}

let dateLine = '';
let dateTimer: NodeJS.Timeout | undefined;

function clearDate(): void {
  dateLine = '';
  dateTimer = undefined;
}

/** `date: <IMF-fixdate>\r\n`, computed at most once per second. */
export function currentDateLine(): string {
  if (dateLine === '') {
    const now = Date.now();
    dateLine = `date: ${new Date(now).toUTCString()}\r\n`;
    dateTimer = setTimeout(clearDate, 1000 - (now % 1000));
    dateTimer.unref();
  }
  return dateLine;
}

// Per framing (the few constant lines the transport ends a head with), for the current second: the end of a
// head — Date line, framing lines, blank line — as one flat string, so a response adds one string to its
// header lines instead of three; and whole common heads (HeadInfo.commonLength), [type][length], so the
// commonest response's head needs no concatenation at all.
interface FramingHeads {
  framing: string;
  tail: string;
  heads: Array<Array<string | undefined>>;
}
let cacheDate = '';
const framings: FramingHeads[] = [];
/** Framings cached at most (the transport has three). */
const FRAMINGS_MAX = 8;
/** Whole heads cached per second at most (a response of every length 0…4095 would otherwise cache them all). */
const COMMON_HEADS_MAX = 256;
let commonCount = 0;

/** This second's cache for `framing`, or null when too many framings are cached. */
function framingHeads(framing: string): FramingHeads | null {
  const date = currentDateLine();
  if (date !== cacheDate) {
    cacheDate = date;
    framings.length = 0;
    commonCount = 0;
  }
  for (let i = 0; i < framings.length; i++) if (framings[i].framing === framing) return framings[i];
  if (framings.length === FRAMINGS_MAX) return null;
  const entry: FramingHeads = { framing, tail: flat(`${date}${framing}\r\n`), heads: COMMON_TYPES.map(() => []) };
  framings.push(entry);
  return entry;
}

/** `date: …\r\n` + `framing` + `\r\n`, cached for the current second (`framing`: one of a few constants). */
export function headTail(framing: string): string {
  const entry = framingHeads(framing);
  return entry === null ? `${currentDateLine()}${framing}\r\n` : entry.tail;
}

/** The whole head for a common response (serializeHead said which) with `framing`: one flat string. */
export function commonHead(info: HeadInfo, framing: string): string {
  const entry = framingHeads(framing);
  if (entry === null) return `${info.text}${currentDateLine()}${framing}\r\n`;
  const heads = entry.heads[info.commonType];
  let head = heads[info.commonLength];
  if (head !== undefined) return head;
  head = flat(info.text + entry.tail);
  if (commonCount < COMMON_HEADS_MAX) {
    commonCount++;
    heads[info.commonLength] = head;
  }
  return head;
}

/** `s` as one sequential string (a concatenation is a tree of pieces until something flattens it). */
function flat(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

export const KEEP_ALIVE_LINE = 'connection: keep-alive\r\n';

/** The framing lines of a kept-alive response to HTTP/1.0 and 1.1 (see ExchangeHost.keepAliveLines). */
export function keepAliveLines(keepAliveTimeoutMs: number): [string, string] {
  const hint = keepAliveTimeoutMs > 0 ? `keep-alive: timeout=${Math.floor(keepAliveTimeoutMs / 1000)}\r\n` : '';
  return [KEEP_ALIVE_LINE + hint, hint];
}
export const CLOSE_LINE = 'connection: close\r\n';
export const CHUNKED_LINE = 'transfer-encoding: chunked\r\n';

// `content-length: N\r\n` for the small lengths most responses have, made once (a number-to-string and a
// concatenation per response otherwise: 1.3% of a GET's user CPU).
const LENGTH_LINES_MAX = 4096;
const lengthLines: Array<string | undefined> = new Array<string | undefined>(LENGTH_LINES_MAX).fill(undefined);

function contentLengthLine(length: number): string {
  if (length >= LENGTH_LINES_MAX || !Number.isInteger(length)) return `content-length: ${length}\r\n`;
  let line = lengthLines[length];
  if (line === undefined) line = lengthLines[length] = `content-length: ${length}\r\n`;
  return line;
}

/** How the head was framed: what the writer must do with the body and the connection. */
export interface HeadInfo {
  text: string;
  /** Some header value holds a byte above 0x7f: the head must be written as latin1, apart from a UTF-8 body. */
  latin1: boolean;
  /** The response itself asked to close the connection (a `connection: close` header). */
  close: boolean;
  /** A content-length was given. */
  hasLength: boolean;
  /**
   * The head is the commonest one — `200`, then `content-length: N`, then `content-type` with one of
   * COMMON_TYPES and nothing else — and this is N (commonType says which type); else -1. Such heads are
   * cached whole and flat (commonHead), so `text` need not be written out.
   */
  commonLength: number;
  commonType: number;
}

const scratch: HeadInfo = { text: '', latin1: false, close: false, hasLength: false, commonLength: -1, commonType: -1 };

/** The content types krozen itself sets (constants: compared by pointer before any Set lookup). */
const COMMON_TYPES = ['application/json', 'text/plain; charset=utf-8', 'text/html; charset=utf-8'] as const;

function commonTypeIndex(v: string): number {
  return v === COMMON_TYPES[0] ? 0 : v === COMMON_TYPES[1] ? 1 : v === COMMON_TYPES[2] ? 2 : -1;
}

/**
 * Serializes the status line and `headers` into `scratch` (returned, reused by the next call); the caller
 * appends the Date line, its framing lines and the blank line. Throws on an invalid status, name or value.
 */
export function serializeHead(status: number, headers: OutgoingHeaders): HeadInfo {
  let text = statusLine(status);
  let latin1 = false;
  let close = false;
  let hasLength = false;
  // The common shape, field by field: 0 nothing yet, 1 content-length, 2 then a common content-type; -1 not it.
  let shape = status === 200 ? 0 : -1;
  let commonLength = -1;
  let commonType = -1;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (name === 'content-length') {
      const length = typeof value === 'number' ? value : parseLength(String(value));
      if (!(length >= 0)) throw new TypeError(`Invalid content-length: ${JSON.stringify(value)}`);
      // RFC 9110 §8.6: never on 1xx and 204.
      if (status === 204 || status < 200) continue;
      hasLength = true;
      text += contentLengthLine(length);
      if (shape === 0 && Number.isInteger(length) && length < LENGTH_LINES_MAX) {
        shape = 1;
        commonLength = length;
      } else {
        shape = -1;
      }
      continue;
    }
    if (
      shape === 1 &&
      name === 'content-type' &&
      typeof value === 'string' &&
      (commonType = commonTypeIndex(value)) !== -1
    ) {
      shape = 2;
      text += `content-type: ${value}\r\n`;
      continue;
    }
    shape = -1;
    if (name !== 'content-type' && !checkedNames.has(name)) checkName(name);
    if (name === 'connection' || name === 'transfer-encoding' || name === 'date') {
      // The transport owns framing; `connection: close` from the pipeline is honoured.
      if (name === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(String(value))) close = true;
      continue;
    }
    if (typeof value === 'object') {
      for (let i = 0; i < value.length; i++) {
        const v = String(value[i]);
        if (checkValue(name, v)) latin1 = true;
        text += `${name}: ${v}\r\n`;
      }
    } else {
      const v = typeof value === 'string' ? value : String(value);
      if (commonTypeIndex(v) === -1 && !checkedValues.has(v) && checkValue(name, v)) latin1 = true;
      text += `${name}: ${v}\r\n`;
    }
  }
  const out = scratch;
  out.text = text;
  out.latin1 = latin1;
  out.close = close;
  out.hasLength = hasLength;
  const common = shape === 2;
  out.commonLength = common ? commonLength : -1;
  out.commonType = common ? commonType : -1;
  return out;
}

// Names and short ASCII values seen valid before (content-type: application/json…) skip the byte check.
const checkedNames = new Set<string>();
const checkedValues = new Set<string>();
const CHECKED_MAX = 256;
const CHECKED_VALUE_MAX_LENGTH = 64;

function checkName(name: string): void {
  if (!isToken(name, 0, name.length)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
  if (checkedNames.size < CHECKED_MAX) checkedNames.add(name);
}

/** Throws on a CTL (header injection); returns true when the value holds a byte above 0x7f. */
function checkValue(name: string, value: string): boolean {
  let high = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] !== 1) throw new TypeError(`Invalid character in header content ["${name}"]`);
    if (c > 0x7f) high = true;
  }
  if (!high && value.length <= CHECKED_VALUE_MAX_LENGTH && checkedValues.size < CHECKED_MAX) checkedValues.add(value);
  return high;
}
