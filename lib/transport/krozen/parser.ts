// The request-head parser: RFC 9112 §2–§7 framing rules, applied to one complete head (request line +
// header lines, each ending in CRLF). It decides framing only — body length, keep-alive, upgrade,
// 100-continue — never meaning. Stricter than llhttp where the RFC allows a choice: bare LF and
// whitespace around tokens are errors, a repeated Content-Length is an error even with equal values,
// transfer codings other than `chunked` are 501. See test/transport/krozen-parser.test.ts.
import { METHODS, type IncomingHttpHeaders } from 'node:http';

/** Why a head was refused: the status and the JSON error text; the connection closes after it. */
export class HeadError {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

export interface ParserLimits {
  /** Longest request-target, bytes (414 beyond). */
  maxUrlLength: number;
  /** Most header fields (431 beyond). */
  maxHeaderCount: number;
}

/** A parsed head and the framing it implies. */
export interface RequestHead {
  method: string;
  /** origin-form target (absolute-form is reduced to its path and query; `*` stays `*`). */
  url: string;
  /** 0 or 1 (HTTP/1.0 or HTTP/1.1). */
  minor: number;
  headers: IncomingHttpHeaders;
  /** Body bytes declared by Content-Length; 0 when there is none; -1 when the body is chunked. */
  bodyLength: number;
  /** The connection may carry another request after this one's response. */
  keepAlive: boolean;
  /** Connection: upgrade with an Upgrade field: the socket goes to the upgrade handler. */
  upgrade: boolean;
  /** Expect: 100-continue on HTTP/1.1. */
  expectContinue: boolean;
}

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
export const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1;

// request-target bytes: visible ASCII only (RFC 3986 characters and the ones browsers leave unescaped).
const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;

// field-value bytes (RFC 9110 §5.5): VCHAR, SP, HTAB, obs-text. CTLs (NUL, lone CR/LF…) and DEL are refused.
export const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) FIELD_VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VALUE[c] = 1;

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

/** buf[start, end) as latin1 text (Buffer's own method, without toString's argument checks). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as Latin1Buffer).latin1Slice(start, end);
}

export function isToken(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

const BAD_REQUEST_LINE = new HeadError(400, 'Bad Request: malformed request line');
const BAD_METHOD = new HeadError(400, 'Bad Request: malformed method');
const BAD_TARGET = new HeadError(400, 'Bad Request: malformed request-target');
const BAD_VERSION = new HeadError(400, 'Bad Request: malformed HTTP version');
const BAD_HEADER = new HeadError(400, 'Bad Request: malformed header field');
const BAD_HEADER_NAME = new HeadError(400, 'Bad Request: malformed header field name');
const BAD_HEADER_VALUE = new HeadError(400, 'Bad Request: invalid character in header field value');
const OBS_FOLD = new HeadError(400, 'Bad Request: obsolete line folding');
const BAD_LENGTH = new HeadError(400, 'Bad Request: invalid Content-Length');
const REPEATED_LENGTH = new HeadError(400, 'Bad Request: repeated Content-Length');
const LENGTH_AND_CHUNKED = new HeadError(400, 'Bad Request: both Content-Length and Transfer-Encoding');
const CHUNKED_NOT_LAST = new HeadError(400, 'Bad Request: chunked is not the final transfer coding');
const UNKNOWN_CODING = new HeadError(501, 'Not Implemented: transfer coding');
const UNKNOWN_METHOD = new HeadError(501, 'Not Implemented: method');
const NO_HOST = new HeadError(400, 'Bad Request: missing Host');
const REPEATED_HOST = new HeadError(400, 'Bad Request: repeated Host');
const CONNECT_REFUSED = new HeadError(400, 'Bad Request: CONNECT is not supported');
const ASTERISK_NOT_OPTIONS = new HeadError(400, 'Bad Request: * is for OPTIONS only');
const TOO_MANY_HEADERS = new HeadError(431, 'Request Header Fields Too Large');
const URI_TOO_LONG = new HeadError(414, 'URI Too Long');
const VERSION_NOT_SUPPORTED = new HeadError(505, 'HTTP Version Not Supported');
const EXPECTATION_FAILED = new HeadError(417, 'Expectation Failed');

// Fields node:http keeps once (the first wins); set-cookie becomes an array, cookie joins with '; ',
// the rest join with ', ' — the same header object on both transports.
const FIRST_WINS = new Set([
  'content-type', 'user-agent', 'referer', 'authorization', 'proxy-authorization', 'if-modified-since',
  'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server',
  'age', 'expires',
]);

// Header names arrive in a handful of spellings: lower-case each spelling once.
const lowerNames = new Map<string, string>();
const LOWER_NAMES_MAX = 512;

function lowerName(name: string): string {
  const known = lowerNames.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  if (lowerNames.size < LOWER_NAMES_MAX) lowerNames.set(name, lower);
  return lower;
}

const COMMON_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
// The methods node:http (llhttp) knows; any other token is answered 501 (RFC 9110 §9.1).
const KNOWN_METHODS = new Set(METHODS);

/**
 * Parses the head in `s` (latin1 text of the bytes, from the request line to the CRLF that ends the last
 * field line, the blank line excluded). Returns the head or the error to answer with.
 */
export function parseHead(s: string, limits: ParserLimits): RequestHead | HeadError {
  // Request line (RFC 9112 §3): method SP request-target SP HTTP-version CRLF, single spaces.
  const lineEnd = s.indexOf('\r\n');
  if (lineEnd === -1) return BAD_REQUEST_LINE;
  const sp1 = s.indexOf(' ');
  if (sp1 <= 0 || sp1 > lineEnd) return sp1 === 0 ? BAD_METHOD : BAD_REQUEST_LINE;
  const method = s.slice(0, sp1);
  const known = COMMON_METHODS.has(method) || KNOWN_METHODS.has(method);
  if (!known && !isToken(s, 0, sp1)) return BAD_METHOD;
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp2 === -1 || sp2 > lineEnd) return BAD_REQUEST_LINE;
  if (sp2 - sp1 - 1 > limits.maxUrlLength) return URI_TOO_LONG;
  if (sp2 === sp1 + 1) return BAD_TARGET;
  for (let i = sp1 + 1; i < sp2; i++) if (TARGET[s.charCodeAt(i)] !== 1) return BAD_TARGET;
  let minor: number;
  if (lineEnd - sp2 - 1 !== 8 || !s.startsWith('HTTP/1.', sp2 + 1)) {
    return isVersionShape(s, sp2 + 1, lineEnd) ? VERSION_NOT_SUPPORTED : BAD_VERSION;
  }
  const m = s.charCodeAt(lineEnd - 1);
  if (m === 0x31) minor = 1;
  else if (m === 0x30) minor = 0;
  else return isVersionShape(s, sp2 + 1, lineEnd) ? VERSION_NOT_SUPPORTED : BAD_VERSION;

  // A well-formed request line with a method node:http does not know (an ill-formed one was a 400 above).
  if (!known) return UNKNOWN_METHOD;
  let url = s.slice(sp1 + 1, sp2);
  let absoluteHost: string | undefined;
  const first = url.charCodeAt(0);
  if (first !== 0x2f /* / */) {
    if (method === 'CONNECT') return CONNECT_REFUSED;
    if (url === '*') {
      if (method !== 'OPTIONS') return ASTERISK_NOT_OPTIONS;
    } else {
      // absolute-form (§3.2.2): the authority replaces Host; the pipeline sees the origin-form.
      const scheme = url.indexOf('://');
      if (scheme <= 0 || !isScheme(url, scheme)) return BAD_TARGET;
      const pathStart = url.indexOf('/', scheme + 3);
      const queryStart = url.indexOf('?', scheme + 3);
      const authorityEnd = pathStart === -1 ? (queryStart === -1 ? url.length : queryStart)
        : queryStart === -1 ? pathStart : Math.min(pathStart, queryStart);
      absoluteHost = url.slice(scheme + 3, authorityEnd);
      if (absoluteHost.length === 0 || absoluteHost.indexOf('@') !== -1) return BAD_TARGET;
      const rest = url.slice(authorityEnd);
      url = rest.length === 0 ? '/' : rest.charCodeAt(0) === 0x3f ? `/${rest}` : rest;
    }
  } else if (method === 'CONNECT') {
    return CONNECT_REFUSED;
  }

  // Field lines (§5): field-name ":" OWS field-value OWS CRLF; no whitespace before the colon, no obs-fold.
  const headers: IncomingHttpHeaders = {};
  let count = 0;
  let hostCount = 0;
  let lengthCount = 0;
  let pos = lineEnd + 2;
  const total = s.length;
  while (pos < total) {
    const eol = s.indexOf('\r\n', pos);
    if (eol === -1) return BAD_HEADER;
    const c0 = s.charCodeAt(pos);
    if (c0 === 0x20 || c0 === 0x09) return OBS_FOLD;
    const colon = s.indexOf(':', pos);
    if (colon === -1 || colon > eol) return BAD_HEADER;
    if (!isToken(s, pos, colon)) return BAD_HEADER_NAME;
    if (++count > limits.maxHeaderCount) return TOO_MANY_HEADERS;
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && isOws(s.charCodeAt(vs))) vs++;
    while (ve > vs && isOws(s.charCodeAt(ve - 1))) ve--;
    for (let i = vs; i < ve; i++) if (FIELD_VALUE[s.charCodeAt(i)] !== 1) return BAD_HEADER_VALUE;
    const name = lowerName(s.slice(pos, colon));
    const value = s.slice(vs, ve);
    pos = eol + 2;
    if (name === 'host') hostCount++;
    else if (name === 'content-length') lengthCount++;
    addField(headers, name, value);
  }

  // §3.2: an HTTP/1.1 request carries exactly one Host, absolute-form or not (whose authority then wins).
  if (hostCount > 1) return REPEATED_HOST;
  if (hostCount === 0 && minor === 1) return NO_HOST;
  if (absoluteHost !== undefined) headers.host = absoluteHost;

  // Message body length (§6.3).
  let bodyLength = 0;
  const te = headers['transfer-encoding'];
  const cl = headers['content-length'];
  if (te !== undefined) {
    if (cl !== undefined) return LENGTH_AND_CHUNKED;
    const coding = finalCoding(te);
    if (coding !== null) return coding;
    bodyLength = -1;
  } else if (cl !== undefined) {
    if (lengthCount > 1) return REPEATED_LENGTH;
    bodyLength = parseLength(cl);
    if (bodyLength < 0) return BAD_LENGTH;
  }

  const connection = headers.connection;
  let keepAlive = minor === 1;
  let upgrade = false;
  if (connection !== undefined) {
    const lower = connection.length === 5 || connection.length === 10 ? connection.toLowerCase() : connection;
    if (lower === 'close') keepAlive = false;
    else if (lower === 'keep-alive') keepAlive = true;
    else {
      const options = connectionOptions(connection);
      if (options.close) keepAlive = false;
      else if (options.keepAlive) keepAlive = true;
      upgrade = options.upgrade && headers.upgrade !== undefined;
    }
  }
  // §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing: answer this one, then close.
  if (minor === 0 && te !== undefined) keepAlive = false;

  let expectContinue = false;
  const expect = headers.expect;
  if (expect !== undefined) {
    if (expect.toLowerCase() !== '100-continue') return EXPECTATION_FAILED;
    expectContinue = minor === 1;
  }
  return { method, url, minor, headers, bodyLength, keepAlive, upgrade, expectContinue };
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isVersionShape(s: string, from: number, to: number): boolean {
  if (to - from !== 8 || !s.startsWith('HTTP/', from)) return false;
  const a = s.charCodeAt(from + 5);
  const b = s.charCodeAt(from + 7);
  return a >= 0x30 && a <= 0x39 && s.charCodeAt(from + 6) === 0x2e && b >= 0x30 && b <= 0x39;
}

function isScheme(url: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = url.charCodeAt(i) | 0x20;
    if (!((c >= 0x61 && c <= 0x7a) || (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)))) return false;
  }
  return true;
}

function addField(headers: IncomingHttpHeaders, name: string, value: string): void {
  const prev = headers[name];
  if (prev === undefined) {
    if (name === 'set-cookie') headers[name] = [value];
    else headers[name] = value;
    return;
  }
  if (name === 'set-cookie') (prev as string[]).push(value);
  else if (name === 'cookie') headers[name] = `${prev as string}; ${value}`;
  else if (!FIRST_WINS.has(name) && name !== 'host' && name !== 'content-length') headers[name] = `${prev as string}, ${value}`;
}

/** 1*DIGIT, at most 15 digits (below 2^53); -1 when it is not. */
export function parseLength(value: string): number {
  const n = value.length;
  if (n === 0 || n > 15) return -1;
  let result = 0;
  for (let i = 0; i < n; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    result = result * 10 + d;
  }
  return result;
}

/** null when `chunked` is the final (and only) coding; else the error (§6.1, RFC 9110 §10.1.4). */
function finalCoding(te: string): HeadError | null {
  if (te.length === 7 && te.toLowerCase() === 'chunked') return null;
  const codings = te.split(',');
  let last = '';
  let chunkedSeen = false;
  let other = false;
  for (let i = 0; i < codings.length; i++) {
    const coding = codings[i].trim().toLowerCase();
    if (coding.length === 0) continue;
    if (coding === 'chunked') {
      if (chunkedSeen) return CHUNKED_NOT_LAST;
      chunkedSeen = true;
    } else {
      other = true;
    }
    last = coding;
  }
  if (last !== 'chunked') return CHUNKED_NOT_LAST;
  return other ? UNKNOWN_CODING : null;
}

interface ConnectionOptions {
  close: boolean;
  keepAlive: boolean;
  upgrade: boolean;
}

function connectionOptions(value: string): ConnectionOptions {
  const out = { close: false, keepAlive: false, upgrade: false };
  for (const part of value.split(',')) {
    const option = part.trim().toLowerCase();
    if (option === 'close') out.close = true;
    else if (option === 'keep-alive') out.keepAlive = true;
    else if (option === 'upgrade') out.upgrade = true;
  }
  return out;
}

function isMethodPrefix(prefix: string): boolean {
  for (const m of KNOWN_METHODS) if (m.startsWith(prefix)) return true;
  return false;
}

const VERSION_TEMPLATE = 'HTTP/d.d\r\n';

/**
 * Checks a head that has not ended yet (buf[start, end), no blank line in it) as far as it goes, so a
 * request that is already wrong is refused now, not after a timeout (llhttp refuses as bytes arrive too).
 * null: nothing wrong so far.
 */
export function checkHeadPrefix(buf: Buffer, start: number, end: number): HeadError | null {
  if (end - start === 1 && buf[start] === 0x0d) return null; // perhaps an empty line before the request
  let i = start;
  while (i < end && buf[i] !== 0x20) {
    if (TOKEN[buf[i]] !== 1) return BAD_METHOD;
    i++;
  }
  const method = latin1(buf, start, i);
  if (i === start && i < end) return BAD_METHOD;
  // Not the start of any method node:http knows: garbage, a 400. A complete unknown token is judged with
  // its whole line (501 when the line is well-formed).
  if (i === end) return isMethodPrefix(method) ? null : BAD_METHOD;
  // An unknown method is refused (501) unless the rest of what came is ill-formed (400), as a whole head is.
  const verdict = KNOWN_METHODS.has(method) ? null : UNKNOWN_METHOD;
  i++;
  const target = i;
  while (i < end && buf[i] !== 0x20) {
    // CR here would be an HTTP/0.9 request line (no version): not supported.
    if (TARGET[buf[i]] !== 1) return buf[i] === 0x0d ? BAD_REQUEST_LINE : BAD_TARGET;
    i++;
  }
  if (i === target && i < end) return BAD_TARGET;
  if (i === end) return verdict;
  i++;
  for (let k = 0; k < VERSION_TEMPLATE.length && i < end; k++, i++) {
    const want = VERSION_TEMPLATE.charCodeAt(k);
    const c = buf[i];
    if (want === 0x64 /* d */ ? c < 0x30 || c > 0x39 : c !== want) return BAD_VERSION;
  }
  // Field lines so far.
  let lineStart = true;
  let inValue = false;
  let nameStart = i;
  let isLength = false;
  while (i < end) {
    const c = buf[i];
    if (c === 0x0d) {
      if (i + 1 < end && buf[i + 1] !== 0x0a) return BAD_HEADER;
      if (!lineStart && !inValue) return BAD_HEADER; // a name without its colon
      i += 2;
      lineStart = true;
      inValue = false;
      continue;
    }
    if (lineStart) {
      if (c === 0x20 || c === 0x09) return OBS_FOLD;
      if (c === 0x3a) return BAD_HEADER_NAME;
      lineStart = false;
      nameStart = i;
    }
    if (inValue) {
      if (FIELD_VALUE[c] !== 1) return BAD_HEADER_VALUE;
      // Content-Length is digits (and OWS): wrong as soon as anything else comes.
      if (isLength && !isOws(c) && (c < 0x30 || c > 0x39)) return BAD_LENGTH;
    } else if (c === 0x3a) {
      inValue = true;
      isLength = i - nameStart === 14 && latin1(buf, nameStart, i).toLowerCase() === 'content-length';
    } else if (TOKEN[c] !== 1) {
      return BAD_HEADER_NAME;
    }
    i++;
  }
  return verdict;
}
