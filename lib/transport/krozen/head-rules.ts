// The framing rules of a request head (RFC 9112 §3.2, §6, §9; RFC 9110 §10.1.1): what the request-target's
// form means, Host, Content-Length vs Transfer-Encoding, keep-alive, upgrade and Expect. Both parsers call
// these once their scan has found the fields: parser.ts (the scan in JS) and parser-native.ts (the scan in
// the addon), so the two cannot disagree on a rule. Where the RFC reads looser than llhttp and a looser
// reading could frame a request differently from node:http behind the same proxy (a tab or an empty list
// element after `chunked`, a scheme with digits or "+-."), llhttp's refusal is kept.
import { METHODS, type IncomingHttpHeaders } from 'node:http';
import { asksForWebSocket } from '../upgrade-rule';
import { HeaderMap } from '../header-map';

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

export const BAD_REQUEST_LINE = new HeadError(400, 'Bad Request: malformed request line');
export const BAD_METHOD = new HeadError(400, 'Bad Request: malformed method');
export const BAD_TARGET = new HeadError(400, 'Bad Request: malformed request-target');
export const BAD_VERSION = new HeadError(400, 'Bad Request: malformed HTTP version');
export const BAD_HEADER = new HeadError(400, 'Bad Request: malformed header field');
export const BAD_HEADER_NAME = new HeadError(400, 'Bad Request: malformed header field name');
export const BAD_HEADER_VALUE = new HeadError(400, 'Bad Request: invalid character in header field value');
export const OBS_FOLD = new HeadError(400, 'Bad Request: obsolete line folding');
export const BAD_LENGTH = new HeadError(400, 'Bad Request: invalid Content-Length');
export const REPEATED_LENGTH = new HeadError(400, 'Bad Request: repeated Content-Length');
export const LENGTH_AND_CHUNKED = new HeadError(400, 'Bad Request: both Content-Length and Transfer-Encoding');
export const CHUNKED_NOT_LAST = new HeadError(400, 'Bad Request: chunked is not the final transfer coding');
export const BAD_CODING_LIST = new HeadError(400, 'Bad Request: malformed Transfer-Encoding');
export const UPGRADE_WITH_BODY = new HeadError(400, 'Bad Request: a WebSocket handshake with a body');
export const UNKNOWN_CODING = new HeadError(501, 'Not Implemented: transfer coding');
export const UNKNOWN_METHOD = new HeadError(501, 'Not Implemented: method');
export const NO_HOST = new HeadError(400, 'Bad Request: missing Host');
export const REPEATED_HOST = new HeadError(400, 'Bad Request: repeated Host');
export const CONNECT_REFUSED = new HeadError(400, 'Bad Request: CONNECT is not supported');
export const ASTERISK_NOT_OPTIONS = new HeadError(400, 'Bad Request: * is for OPTIONS only');
export const TOO_MANY_HEADERS = new HeadError(431, 'Request Header Fields Too Large');
export const URI_TOO_LONG = new HeadError(414, 'URI Too Long');
export const VERSION_NOT_SUPPORTED = new HeadError(505, 'HTTP Version Not Supported');
export const EXPECTATION_FAILED = new HeadError(417, 'Expectation Failed');

// Fields node:http keeps once (the first wins); set-cookie becomes an array, cookie joins with '; ',
// the rest join with ', ' — the same header object on both transports.
const FIRST_WINS = new Set([
  'content-type',
  'user-agent',
  'referer',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

// Header names arrive in a handful of spellings: lower-case each spelling once.
const lowerNames = new Map<string, string>();
const LOWER_NAMES_MAX = 512;

function lowerName(name: string): string {
  // The most common spellings by comparison: the result is a constant (internalized) string, so neither a
  // Map lookup nor the header object's store has to hash the freshly sliced name.
  switch (name) {
    case 'Host':
    case 'host':
      return 'host';
    case 'Content-Length':
    case 'content-length':
      return 'content-length';
    case 'Content-Type':
    case 'content-type':
      return 'content-type';
    case 'Connection':
    case 'connection':
      return 'connection';
    case 'User-Agent':
    case 'user-agent':
      return 'user-agent';
    case 'Accept':
    case 'accept':
      return 'accept';
    case 'Accept-Encoding':
    case 'accept-encoding':
      return 'accept-encoding';
    case 'Accept-Language':
    case 'accept-language':
      return 'accept-language';
    case 'Cookie':
    case 'cookie':
      return 'cookie';
    case 'Authorization':
    case 'authorization':
      return 'authorization';
    // A WebSocket upgrade's (RFC 6455 §4.1), as browsers and `ws` spell them.
    case 'Upgrade':
    case 'upgrade':
      return 'upgrade';
    case 'Origin':
    case 'origin':
      return 'origin';
    case 'Sec-WebSocket-Key':
    case 'sec-websocket-key':
      return 'sec-websocket-key';
    case 'Sec-WebSocket-Version':
    case 'sec-websocket-version':
      return 'sec-websocket-version';
    case 'Sec-WebSocket-Extensions':
    case 'sec-websocket-extensions':
      return 'sec-websocket-extensions';
    case 'Sec-WebSocket-Protocol':
    case 'sec-websocket-protocol':
      return 'sec-websocket-protocol';
    default:
      break;
  }
  const known = lowerNames.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  if (lowerNames.size < LOWER_NAMES_MAX) lowerNames.set(name, lower);
  return lower;
}

// The methods node:http (llhttp) knows; any other token is answered 501 (RFC 9110 §9.1).
const KNOWN_METHODS = new Set(METHODS);
export { KNOWN_METHODS }; // by name: an `export const` is read as `exports.X` at every use

/**
 * `method` as a constant string when it is one of the common ones, else null. Comparisons, not a Set lookup
 * (which hashes the freshly sliced string first: 1.3% of a GET's user CPU); and the pipeline uses the
 * method as a key (hook names, the router's Map), where a constant's hash is computed once.
 */
function commonMethod(method: string): string | null {
  switch (method) {
    case 'GET':
      return 'GET';
    case 'POST':
      return 'POST';
    case 'PUT':
      return 'PUT';
    case 'DELETE':
      return 'DELETE';
    case 'PATCH':
      return 'PATCH';
    case 'HEAD':
      return 'HEAD';
    case 'OPTIONS':
      return 'OPTIONS';
    default:
      return null;
  }
}

export function isKnownMethod(method: string): boolean {
  return commonMethod(method) !== null || KNOWN_METHODS.has(method);
}

/**
 * The origin-form the pipeline sees for `target` (§3.2): itself when it starts with '/', '*' for OPTIONS,
 * the path and query of an absolute-form; or the error. A method node:http does not know is a 501 here:
 * the request line is well-formed, and this comes before any field line is judged.
 */
export function resolveTarget(method: string, target: string): string | HeadError {
  if (!isKnownMethod(method)) return UNKNOWN_METHOD;
  if (target.charCodeAt(0) === 0x2f /* / */) return method === 'CONNECT' ? CONNECT_REFUSED : target;
  if (method === 'CONNECT') return CONNECT_REFUSED;
  if (target === '*') return method === 'OPTIONS' ? target : ASTERISK_NOT_OPTIONS;
  // absolute-form (§3.2.2): the authority replaces Host (finishHead); the pipeline sees the origin-form.
  const scheme = target.indexOf('://');
  if (scheme <= 0 || !isScheme(target, scheme)) return BAD_TARGET;
  const authorityEnd = endOfAuthority(target, scheme + 3);
  const authority = target.slice(scheme + 3, authorityEnd);
  if (authority.length === 0 || authority.indexOf('@') !== -1) return BAD_TARGET;
  const rest = target.slice(authorityEnd);
  return rest.length === 0 ? '/' : rest.charCodeAt(0) === 0x3f ? `/${rest}` : rest;
}

function endOfAuthority(target: string, from: number): number {
  const pathStart = target.indexOf('/', from);
  const queryStart = target.indexOf('?', from);
  return pathStart === -1
    ? queryStart === -1
      ? target.length
      : queryStart
    : queryStart === -1
      ? pathStart
      : Math.min(pathStart, queryStart);
}

/** The field lines of one head, as node:http's header object, and the counts the framing rules need. */
export class FieldSet {
  readonly headers: IncomingHttpHeaders = new HeaderMap();
  hostCount = 0;
  lengthCount = 0;
  /** A Transfer-Encoding field ended in a list separator or in whitespace with a tab (see add). */
  badCodingList = false;

  /**
   * Adds one field line: `rawName` as sent, `value` with OWS trimmed; `tabAfter`: a tab was among the
   * trimmed trailing whitespace. A Transfer-Encoding field whose value ends in "," (an empty list element,
   * `chunked,` or `chunked, `) or in whitespace holding a tab (`chunked\t`) is refused as llhttp refuses it:
   * RFC 9110 lets a recipient ignore the empty element and the OWS, but a proxy in front that reads the
   * same bytes as "not chunked" would frame the body differently (request smuggling).
   */
  add(rawName: string, value: string, tabAfter: boolean): void {
    const name = lowerName(rawName);
    if (name === 'host') this.hostCount++;
    else if (name === 'content-length') this.lengthCount++;
    else if (name === 'transfer-encoding' && (tabAfter || value.charCodeAt(value.length - 1) === 0x2c))
      this.badCodingList = true;
    addField(this.headers, name, value);
  }
}

/** s[from, to) (a field's trailing whitespace) holds a tab. */
export function hasTab(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 0x09) return true;
  return false;
}

/**
 * The framing the fields imply (§3.2 Host, §6 body length, §9.3 keep-alive, upgrade, Expect), given the
 * request line's parts: `target` as sent and `url` from resolveTarget.
 */
export function finishHead(
  method: string,
  target: string,
  url: string,
  minor: number,
  fields: FieldSet,
): RequestHead | HeadError {
  const headers = fields.headers;
  // §3.2: an HTTP/1.1 request carries exactly one Host, absolute-form or not (whose authority then wins).
  if (fields.hostCount > 1) return REPEATED_HOST;
  if (fields.hostCount === 0 && minor === 1) return NO_HOST;
  if (url !== target) {
    const scheme = target.indexOf('://') + 3;
    headers.host = target.slice(scheme, endOfAuthority(target, scheme));
  }

  // Message body length (§6.3).
  let bodyLength = 0;
  const te = headers['transfer-encoding'];
  const cl = headers['content-length'];
  if (te !== undefined) {
    if (cl !== undefined) return LENGTH_AND_CHUNKED;
    if (fields.badCodingList) return BAD_CODING_LIST;
    const coding = finalCoding(te);
    if (coding !== null) return coding;
    bodyLength = -1;
  } else if (cl !== undefined) {
    if (fields.lengthCount > 1) return REPEATED_LENGTH;
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
  // A WebSocket handshake (RFC 6455 §4.1: a GET) has no body: llhttp hands the body's bytes to the
  // WebSocket layer as frames; refused here instead (the connection hands off only a head without a body).
  // Other upgrades with a body are served as the plain request they also are (../upgrade-rule.ts).
  if (upgrade && bodyLength !== 0 && asksForWebSocket(headers)) return UPGRADE_WITH_BODY;
  // §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing: answer this one, then close.
  if (minor === 0 && te !== undefined) keepAlive = false;

  let expectContinue = false;
  const expect = headers.expect;
  if (expect !== undefined) {
    if (expect.toLowerCase() !== '100-continue') return EXPECTATION_FAILED;
    expectContinue = minor === 1;
  }
  return {
    method: commonMethod(method) ?? method,
    url,
    minor,
    headers,
    bodyLength,
    keepAlive,
    upgrade,
    expectContinue,
  };
}

/**
 * Letters only, as llhttp's URL parser: RFC 3986 also allows digits, "+", "-" and "." after the first, but
 * the scheme's authority replaces Host here, and accepting what node:http refuses is how two parsers on one
 * path come to disagree about a request.
 */
function isScheme(url: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = url.charCodeAt(i) | 0x20;
    if (c < 0x61 || c > 0x7a) return false;
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
  else if (!FIRST_WINS.has(name) && name !== 'host' && name !== 'content-length')
    headers[name] = `${prev as string}, ${value}`;
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
