// Response compression: a ResponseSink that wraps the transport's and compresses on the way out, so no
// transport needs to know. The coding comes from Accept-Encoding (`negotiator`), preferring br, then zstd
// (where this Node line has zlib.zstdCompress), then gzip; only for compressible types (`compressible`,
// minus octet-stream and event streams), bodies of at least settings.compressionThreshold bytes, and
// statuses that carry a whole body (not 204/206/304). Bodies up to SYNC_LIMIT are compressed in one call;
// bigger ones and streams go through a zlib stream (chunked, no Content-Length). The answer then varies
// on Accept-Encoding (Vary), and a strong ETag becomes weak (the bytes differ from the file's).
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import Negotiator from 'negotiator';
import compressible from 'compressible';
import type { OutgoingHeaders, ResponseSink } from '../transport/types';
import type { HeaderValue } from './types';

export type Coding = 'br' | 'zstd' | 'gzip';

type ZlibWithZstd = typeof zlib & {
  zstdCompressSync?: (buf: Buffer) => Buffer;
  createZstdCompress?: () => import('node:stream').Transform;
};
const z = zlib as ZlibWithZstd;

/** zstd exists in node:zlib from Node 22.15 / 23.8. */
export const ZSTD_SUPPORTED = typeof z.zstdCompressSync === 'function' && typeof z.createZstdCompress === 'function';

const CODINGS: Coding[] = ZSTD_SUPPORTED ? ['br', 'zstd', 'gzip'] : ['br', 'gzip'];
const AVAILABLE = [...CODINGS, 'identity'];

// Brotli's default quality (11) is for build steps, far too slow per request. Quality 4 on a 21 kB JSON
// (test/http/compress.test.ts's): 800 B in ~0.5 ms, against gzip -6's 2,055 B in ~0.1 ms (shared machine,
// best of 5 x 100; the snippet is in the issue-13 report).
const BROTLI = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

/** Bodies up to this size are compressed synchronously in one call (cheaper than a stream's round trips). */
export const SYNC_LIMIT = 64 * 1024;

/** The coding to use for this Accept-Encoding, or undefined (identity). */
export function negotiateCoding(acceptEncoding: string | undefined): Coding | undefined {
  if (acceptEncoding === undefined || acceptEncoding === '') return undefined;
  const chosen = negotiatorFor(acceptEncoding).encoding(AVAILABLE, { preferred: AVAILABLE });
  return chosen === 'identity' || chosen === undefined ? undefined : (chosen as Coding);
}

/** The codings among `available` that Accept-Encoding allows, the client's preference first. */
export function acceptedCodings(acceptEncoding: string, available: string[]): string[] {
  return negotiatorFor(acceptEncoding)
    .encodings(available, { preferred: available })
    .filter((c) => c !== 'identity');
}

/** negotiator 1.x takes the server's preference order for ties (its @types still describe 0.6). */
interface EncodingNegotiator {
  encoding(available: string[], options: { preferred: string[] }): string | undefined;
  encodings(available: string[], options: { preferred: string[] }): string[];
}

function negotiatorFor(acceptEncoding: string): EncodingNegotiator {
  return new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }) as unknown as EncodingNegotiator;
}

/** True for content types worth compressing. */
export function isCompressible(contentType: HeaderValue | undefined): boolean {
  if (typeof contentType !== 'string') return false;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type === 'application/octet-stream' || type === 'text/event-stream') return false;
  return compressible(type) === true;
}

function compressSync(coding: Coding, bytes: Buffer): Buffer {
  if (coding === 'br') return zlib.brotliCompressSync(bytes, BROTLI);
  if (coding === 'gzip') return zlib.gzipSync(bytes);
  return (z.zstdCompressSync as (b: Buffer) => Buffer)(bytes);
}

function compressStream(coding: Coding): import('node:stream').Transform {
  if (coding === 'br') return zlib.createBrotliCompress(BROTLI);
  if (coding === 'gzip') return zlib.createGzip();
  return (z.createZstdCompress as () => import('node:stream').Transform)();
}

/** Adds `field` to the Vary header unless it is there already. */
export function addVary(headers: OutgoingHeaders, field: string): void {
  const current = headers.vary;
  if (current === undefined || current === '') {
    headers.vary = field;
    return;
  }
  const text = Array.isArray(current) ? current.join(', ') : String(current);
  if (
    !text
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes(field.toLowerCase()) &&
    text !== '*'
  )
    headers.vary = `${text}, ${field}`;
}

export interface CompressionPolicy {
  /** Smallest body compressed, bytes. */
  threshold: number;
}

/** Compresses what qualifies, then hands the response to `inner`. */
export class CompressingSink implements ResponseSink {
  constructor(
    private readonly inner: ResponseSink,
    private readonly acceptEncoding: string | undefined,
    private readonly policy: CompressionPolicy,
  ) {}

  get headersSent(): boolean {
    return this.inner.headersSent;
  }

  destroy(): void {
    this.inner.destroy();
  }

  /** The coding for this response, after adding Vary when the answer depends on Accept-Encoding. */
  private codingFor(status: number, headers: OutgoingHeaders, size: number | undefined): Coding | undefined {
    if (status < 200 || status === 204 || status === 206 || status === 304) return undefined;
    if (headers['content-encoding'] !== undefined || !isCompressible(headers['content-type'])) return undefined;
    if (size !== undefined && size < this.policy.threshold) return undefined;
    addVary(headers, 'Accept-Encoding');
    return negotiateCoding(this.acceptEncoding);
  }

  end(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null): void {
    if (body === null) {
      this.inner.end(status, headers, body);
      return;
    }
    const bytes =
      typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const coding = this.codingFor(status, headers, bytes.length);
    if (coding === undefined) {
      this.inner.end(status, headers, body);
      return;
    }
    encoded(headers, coding);
    if (bytes.length > SYNC_LIMIT) {
      delete headers['content-length'];
      const source = compressStream(coding);
      this.inner.stream(status, headers, source);
      source.end(bytes);
      return;
    }
    const out = compressSync(coding, bytes);
    headers['content-length'] = out.length;
    this.inner.end(status, headers, out);
  }

  /**
   * A HEAD's answer: the headers GET would get from end() (`body`: its bytes) or stream() (`body` null),
   * coding, Vary and length included, then no body. A body small enough to be compressed in one call is
   * compressed for its length; a bigger one would be streamed, so no length is announced.
   */
  head(status: number, headers: OutgoingHeaders, body: string | Uint8Array | null): void {
    if (body === null) {
      const length = headers['content-length'];
      const coding = this.codingFor(status, headers, length === undefined ? undefined : Number(length));
      if (coding !== undefined) {
        encoded(headers, coding);
        delete headers['content-length'];
      }
      this.inner.end(status, headers, null);
      return;
    }
    const bytes =
      typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const coding = this.codingFor(status, headers, bytes.length);
    if (coding !== undefined) {
      encoded(headers, coding);
      if (bytes.length > SYNC_LIMIT) delete headers['content-length'];
      else headers['content-length'] = compressSync(coding, bytes).length;
    }
    this.inner.end(status, headers, null);
  }

  stream(status: number, headers: OutgoingHeaders, body: Readable): void {
    const length = headers['content-length'];
    const coding = this.codingFor(status, headers, length === undefined ? undefined : Number(length));
    if (coding === undefined) {
      this.inner.stream(status, headers, body);
      return;
    }
    encoded(headers, coding);
    delete headers['content-length'];
    const compressor = compressStream(coding);
    body.on('error', (err) => compressor.destroy(err));
    compressor.on('close', () => {
      if (!body.readableEnded) body.destroy();
    });
    this.inner.stream(status, headers, body.pipe(compressor));
  }
}

function encoded(headers: OutgoingHeaders, coding: Coding): void {
  headers['content-encoding'] = coding;
  const etag = headers.etag;
  if (typeof etag === 'string' && !etag.startsWith('W/')) headers.etag = `W/${etag}`;
  delete headers['accept-ranges']; // ranges of the compressed bytes are not offered
}
