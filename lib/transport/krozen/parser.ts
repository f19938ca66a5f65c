// The request-head parser: RFC 9112 §2–§7 framing rules, applied to one complete head (request line +
// header lines, each ending in CRLF). It decides framing only — body length, keep-alive, upgrade,
// 100-continue — never meaning. Stricter than llhttp where the RFC allows a choice: bare LF and
// whitespace around tokens are errors, a repeated Content-Length is an error even with equal values,
// transfer codings other than `chunked` are 501. The framing rules are in head-rules.ts, shared with the
// addon's scan (parser-native.ts). See test/transport/krozen-parser.test.ts.
import {
  BAD_HEADER,
  BAD_HEADER_NAME,
  BAD_HEADER_VALUE,
  BAD_LENGTH,
  BAD_METHOD,
  BAD_REQUEST_LINE,
  BAD_TARGET,
  BAD_VERSION,
  FieldSet,
  HeadError,
  KNOWN_METHODS,
  OBS_FOLD,
  TOO_MANY_HEADERS,
  UNKNOWN_METHOD,
  URI_TOO_LONG,
  VERSION_NOT_SUPPORTED,
  finishHead,
  hasTab,
  resolveTarget,
  type ParserLimits,
  type RequestHead,
} from './head-rules';

export { HeadError, parseLength, type ParserLimits, type RequestHead } from './head-rules';
import { FIELD_VALUE as FIELD_VALUE_TABLE, TOKEN as TOKEN_TABLE, isToken } from '../../base/http-grammar';

// request-target bytes: visible ASCII only (RFC 3986 characters and the ones browsers leave unescaped).
const TARGET = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1;

// The grammar's tables (lib/base/http-grammar.ts), held in module consts: compiled to CommonJS, an imported
// binding is read as `module.X` at every use, a property load inside the byte loops below (a 7-field 372 B
// head parsed in 2.8 µs with such loads, 1.2 µs without).
const TOKEN = TOKEN_TABLE;
const FIELD_VALUE = FIELD_VALUE_TABLE;
export { TOKEN, FIELD_VALUE, isToken };

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

/** buf[start, end) as latin1 text (Buffer's own method, without toString's argument checks). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as Latin1Buffer).latin1Slice(start, end);
}

/**
 * Parses the head in `s` (latin1 text of the bytes, from the request line to the CRLF that ends the last
 * field line, the blank line excluded). Returns the head or the error to answer with.
 */
export function parseHead(s: string, limits: ParserLimits): RequestHead | HeadError {
  // One pass per line: each character is looked at once, to classify it and to find the delimiters (no
  // indexOf per delimiter: a call each). The errors and their order are the indexOf formulation's: the
  // first CRLF ends the line; no space in it is a bad request line, a space first a bad method, …
  // Request line (RFC 9112 §3): method SP request-target SP HTTP-version CRLF, single spaces.
  const lineEnd = s.indexOf('\r\n');
  if (lineEnd === -1) return BAD_REQUEST_LINE;
  let i = 0;
  let tokenOk = true;
  for (; i < lineEnd; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) break;
    if (TOKEN[c] !== 1) tokenOk = false;
  }
  const sp1 = i;
  if (sp1 === lineEnd) return BAD_REQUEST_LINE;
  if (sp1 === 0) return BAD_METHOD;
  if (!tokenOk) return BAD_METHOD;
  let targetOk = true;
  for (i = sp1 + 1; i < lineEnd; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20) break;
    if (TARGET[c] !== 1) targetOk = false;
  }
  const sp2 = i;
  if (sp2 === lineEnd) return BAD_REQUEST_LINE;
  if (sp2 - sp1 - 1 > limits.maxUrlLength) return URI_TOO_LONG;
  if (sp2 === sp1 + 1 || !targetOk) return BAD_TARGET;
  let minor: number;
  if (lineEnd - sp2 - 1 !== 8 || !isHttp1(s, sp2 + 1)) {
    return isVersionShape(s, sp2 + 1, lineEnd) ? VERSION_NOT_SUPPORTED : BAD_VERSION;
  }
  const m = s.charCodeAt(lineEnd - 1);
  if (m === 0x31) minor = 1;
  else if (m === 0x30) minor = 0;
  else return isVersionShape(s, sp2 + 1, lineEnd) ? VERSION_NOT_SUPPORTED : BAD_VERSION;

  const method = s.slice(0, sp1);
  const target = s.slice(sp1 + 1, sp2);
  const url = resolveTarget(method, target);
  if (typeof url !== 'string') return url;

  // Field lines (§5): field-name ":" OWS field-value OWS CRLF; no whitespace before the colon, no obs-fold.
  const fields = new FieldSet();
  let count = 0;
  let pos = lineEnd + 2;
  const total = s.length;
  while (pos < total) {
    // The name, up to the colon; a CRLF first (or no CRLF at all) is a line without one.
    let nameOk = true;
    let colon = -1;
    for (i = pos; i < total; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x3a) {
        colon = i;
        break;
      }
      if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a) break;
      if (TOKEN[c] !== 1) nameOk = false;
    }
    if (colon === -1) return i === total || !isOws(s.charCodeAt(pos)) ? BAD_HEADER : OBS_FOLD;
    // The value, up to the CRLF; a CR or LF alone is a bad value byte.
    let valueOk = true;
    for (i = colon + 1; i < total; i++) {
      const c = s.charCodeAt(i);
      if (FIELD_VALUE[c] !== 1) {
        if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a) break;
        valueOk = false;
      }
    }
    if (i === total) return BAD_HEADER;
    const eol = i;
    if (isOws(s.charCodeAt(pos))) return OBS_FOLD;
    if (colon === pos || !nameOk) return BAD_HEADER_NAME;
    if (++count > limits.maxHeaderCount) return TOO_MANY_HEADERS;
    if (!valueOk) return BAD_HEADER_VALUE;
    let vs = colon + 1;
    let ve = eol;
    while (vs < ve && isOws(s.charCodeAt(vs))) vs++;
    while (ve > vs && isOws(s.charCodeAt(ve - 1))) ve--;
    fields.add(s.slice(pos, colon), s.slice(vs, ve), ve !== eol && hasTab(s, ve, eol));
    pos = eol + 2;
  }
  return finishHead(method, target, url, minor, fields);
}

/** s[from, from + 7) is `HTTP/1.`. */
function isHttp1(s: string, from: number): boolean {
  return (
    s.charCodeAt(from) === 0x48 &&
    s.charCodeAt(from + 1) === 0x54 &&
    s.charCodeAt(from + 2) === 0x54 &&
    s.charCodeAt(from + 3) === 0x50 &&
    s.charCodeAt(from + 4) === 0x2f &&
    s.charCodeAt(from + 5) === 0x31 &&
    s.charCodeAt(from + 6) === 0x2e
  );
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
export function checkHeadPrefix(buf: Buffer, start: number, end: number, fieldsFrom = -1): HeadError | null {
  // Resuming: buf[start, fieldsFrom) is whole lines that passed this check before (a slow head is checked
  // once in all, not once per read).
  if (fieldsFrom > start) return checkFieldLines(buf, fieldsFrom, end, null);
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
  return checkFieldLines(buf, i, end, verdict);
}

/** The field lines of a partial head from buf[i] (a line start) to `end`; `verdict` when nothing is wrong. */
function checkFieldLines(buf: Buffer, i: number, end: number, verdict: HeadError | null): HeadError | null {
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
