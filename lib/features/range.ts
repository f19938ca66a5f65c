// Byte ranges (RFC 9110 section 14): `Range: bytes=…` → one satisfiable range → 206 with Content-Range;
// none satisfiable → 416. Several ranges: the whole file with 200 (section 14.2 lets a server ignore
// Range; a multipart/byteranges answer costs more than it saves, and browsers and video players ask for
// one range). A syntax the server does not understand is ignored likewise.

export interface ByteRange {
  /** First byte (inclusive). */
  start: number;
  /** Last byte (inclusive). */
  end: number;
}

/** `ByteRange` to send, `'unsatisfiable'` (416), or undefined: ignore the header, send everything. */
export type RangeDecision = ByteRange | 'unsatisfiable' | undefined;

const DIGITS = /^\d+$/;

/** Decides what a `Range` header asks of a representation of `size` bytes. */
export function parseRange(header: string, size: number): RangeDecision {
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined;
  const specs = header.slice(eq + 1).split(',');
  let chosen: ByteRange | undefined;
  let satisfiable = 0;
  for (const raw of specs) {
    const spec = raw.trim();
    if (spec === '') continue; // RFC 9110's list syntax allows empty elements
    const dash = spec.indexOf('-');
    if (dash === -1) return undefined;
    const first = spec.slice(0, dash).trim();
    const last = spec.slice(dash + 1).trim();
    let range: ByteRange | undefined;
    if (first === '') {
      // suffix: the last N bytes
      if (!DIGITS.test(last)) return undefined;
      const n = Number(last);
      if (n > 0 && size > 0) range = { start: Math.max(0, size - n), end: size - 1 };
    } else {
      if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return undefined;
      const start = Number(first);
      const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
      if (last !== '' && Number(last) < start) return undefined; // invalid: the whole header is ignored
      if (start < size) range = { start, end };
    }
    if (range !== undefined) {
      satisfiable++;
      chosen = range;
    }
  }
  if (satisfiable === 0) return specs.some((s) => s.trim() !== '') ? 'unsatisfiable' : undefined;
  return satisfiable === 1 ? chosen : undefined;
}

/**
 * `If-Range` (RFC 9110 13.1.5): the range applies only while the validator still matches: an entity tag
 * by strong comparison (a weak tag never matches), or a date equal to Last-Modified.
 */
export function ifRangeMatches(header: string, etag: string, lastModified: string): boolean {
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return !etag.startsWith('W/') && value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Date.parse(lastModified);
}
