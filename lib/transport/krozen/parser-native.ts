// The request-head parser with its scan in the addon (native/http_head_kernels.cc): one Node-API call finds
// every delimiter and checks every byte class (SIMD), writing offsets into a reused Uint32Array; JS then
// cuts the strings and applies the same framing rules as parser.ts (head-rules.ts). Same RequestHead,
// same HeadError for every input (test/transport/krozen-parser.test.ts compares them).
//
// Which parser runs (KROZEN_HTTP_PARSER, the head size under 'auto') is decided in head-parse.ts.
import { native } from '../../backend/load';
import {
  BAD_HEADER,
  BAD_HEADER_NAME,
  BAD_HEADER_VALUE,
  BAD_METHOD,
  BAD_REQUEST_LINE,
  BAD_TARGET,
  BAD_VERSION,
  FieldSet,
  HeadError,
  OBS_FOLD,
  TOO_MANY_HEADERS,
  URI_TOO_LONG,
  VERSION_NOT_SUPPORTED,
  finishHead,
  hasTab,
  resolveTarget,
  type ParserLimits,
  type RequestHead,
} from './head-rules';
import { latin1, parseHead } from './parser';

/** The addon's HTTP head entry points (native/http_head.cc). */
export interface HttpHeadNative {
  /** Scans buf[start, end) into out; the field count or a negative code (http_head_kernels.h). */
  scanHead(
    buf: Uint8Array,
    start: number,
    end: number,
    out: Uint32Array,
    maxUrlLength: number,
    maxHeaderCount: number,
  ): number;
  /**
   * scanHead and buf[start, end) as latin1 text in one call: the text, with the field count (or a field-line
   * code, as int32) in out[0] and scanHead's offsets from out[1]; or a request-line / range code (no text).
   */
  scanHeadText(
    buf: Uint8Array,
    start: number,
    end: number,
    out: Uint32Array,
    maxUrlLength: number,
    maxHeaderCount: number,
  ): string | number;
  /** The scan kernel in use: 'avx2' | 'sse2' | 'neon' | 'scalar'. */
  httpHeadKernel(): string;
  /** The kernels this CPU can run, best first. */
  httpHeadKernels(): string[];
  /** Forces a kernel (tests and benchmarks only; process-wide); returns its name. */
  _setHttpHeadKernel(name: string): string;
}

export const httpHeadNative: HttpHeadNative | null =
  native !== null && typeof native.scanHeadText === 'function' ? (native as unknown as HttpHeadNative) : null;

// The scan's codes (native/http_head_kernels.h: HttpHeadError), by -code. Request-line codes 1..6;
// field-line codes 10..14 come after the request-target is judged, as in parser.ts.
const SCAN_ERRORS: (HeadError | undefined)[] = [];
SCAN_ERRORS[1] = BAD_REQUEST_LINE;
SCAN_ERRORS[2] = BAD_METHOD;
SCAN_ERRORS[3] = URI_TOO_LONG;
SCAN_ERRORS[4] = BAD_TARGET;
SCAN_ERRORS[5] = BAD_VERSION;
SCAN_ERRORS[6] = VERSION_NOT_SUPPORTED;
SCAN_ERRORS[10] = BAD_HEADER;
SCAN_ERRORS[11] = OBS_FOLD;
SCAN_ERRORS[12] = BAD_HEADER_NAME;
SCAN_ERRORS[13] = TOO_MANY_HEADERS;
SCAN_ERRORS[14] = BAD_HEADER_VALUE;

// The scan's result (scanHeadText), sp1, sp2, line end, minor, then name start, name end, value start, value
// end per field.
const LINE_SLOTS = 5;
let offsets = new Uint32Array(LINE_SLOTS + 4 * 100);

/** The head in buf[start, end) (request line to the last field line's CRLF), scanned by the addon. */
export function parseHeadNative(
  buf: Buffer,
  start: number,
  end: number,
  limits: ParserLimits,
): RequestHead | HeadError {
  if (httpHeadNative === null) throw new Error('parseHeadNative: the addon is not loaded');
  // A field line is at least 4 bytes ("a:" CRLF): no head holds more fields than that, whatever the limit
  // says, so `out` stays as small as the head allows (maxHeaderSize bounds it) and the 431 check still
  // fires exactly past maxHeaderCount.
  const maxFields = Math.min(limits.maxHeaderCount, ((end - start) >>> 2) + 1);
  const slots = LINE_SLOTS + 4 * maxFields;
  if (offsets.length < slots) offsets = new Uint32Array(slots);
  const out = offsets;
  // One string for the head, made in the scan's call; every part is a slice of it (a V8 substring, no call
  // out of JS per part).
  const s = httpHeadNative.scanHeadText(buf, start, end, out, limits.maxUrlLength, maxFields);
  if (typeof s === 'number') return scanError(s);
  const count = out[0] | 0;
  const method = s.slice(0, out[1] - start);
  const target = s.slice(out[1] + 1 - start, out[2] - start);
  const url = resolveTarget(method, target);
  if (typeof url !== 'string') return url;
  if (count < 0) return scanError(count);
  const fields = new FieldSet();
  for (let f = 0, k = LINE_SLOTS; f < count; f++, k += 4) {
    const valueEnd = out[k + 3] - start;
    // The line ends 2 bytes (CRLF) before the next line starts; the last one 2 bytes before `end`.
    const lineEnd = (f + 1 < count ? out[k + 4] : end) - 2 - start;
    fields.add(
      s.slice(out[k] - start, out[k + 1] - start),
      s.slice(out[k + 2] - start, valueEnd),
      valueEnd !== lineEnd && hasTab(s, valueEnd, lineEnd),
    );
  }
  return finishHead(method, target, url, out[4], fields);
}

function scanError(code: number): HeadError {
  const error = SCAN_ERRORS[-code];
  // -20 (out too small) and -21 (range) are this file's bugs, never the client's.
  if (error === undefined) throw new RangeError(`scanHead returned ${code}`);
  return error;
}

/** The JS parser on the same arguments. */
export function parseHeadJs(buf: Buffer, start: number, end: number, limits: ParserLimits): RequestHead | HeadError {
  return parseHead(latin1(buf, start, end), limits);
}
