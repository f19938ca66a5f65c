// Request bodies: read with a size limit (413 without reading the rest into memory), then parsed by
// content type: application/json (and +json) → JSON or 400; no type → JSON, else string; text/* → string;
// anything else → Buffer.
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error';

/** True when the request announces a body (a non-zero Content-Length or any Transfer-Encoding). */
export function hasBody(raw: IncomingMessage): boolean {
  const headers = raw.headers;
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const CLOSE = { connection: 'close' };

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `Payload Too Large (limit ${limit} bytes)`, CLOSE);
}

/**
 * Reads the whole body into one Buffer, at most `limit` bytes. Over the limit (by Content-Length at once,
 * else while counting) it rejects with a 413 and stops collecting; the rest is discarded by node:http while
 * the answer goes out with Connection: close.
 */
export function readBody(raw: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise<Buffer>((resolve, reject) => new BodyCollector(raw, limit, resolve, reject).start());
}

class BodyCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly raw: IncomingMessage,
    private readonly limit: number,
    private readonly resolve: (body: Buffer) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  start(): void {
    this.raw.on('data', this.onData);
    this.raw.on('end', this.onEnd);
    this.raw.on('error', this.onError);
    this.raw.on('aborted', this.onAborted);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.finish();
      this.chunks.length = 0;
      this.reject(tooLarge(this.limit));
      return;
    }
    this.chunks.push(chunk);
  };

  private readonly onEnd = (): void => {
    this.finish();
    const chunks = this.chunks;
    this.resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size));
  };

  private readonly onError = (err: Error): void => {
    this.finish();
    this.reject(new HttpError(400, `Bad request body: ${err.message}`, CLOSE));
  };

  private readonly onAborted = (): void => {
    this.finish();
    this.reject(new HttpError(400, 'Request aborted', CLOSE));
  };

  private finish(): void {
    this.raw.off('data', this.onData);
    this.raw.off('end', this.onEnd);
    this.raw.off('error', this.onError);
    this.raw.off('aborted', this.onAborted);
  }
}

/** Turns the body bytes into what handlers see as req.body. */
export function parseBody(bytes: Buffer, contentType: string | undefined): unknown {
  if (bytes.length === 0) return undefined;
  if (contentType === undefined || contentType === '') {
    const text = bytes.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  const type = mediaType(contentType);
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new HttpError(400, 'Invalid JSON');
    }
  }
  if (type.startsWith('text/')) return bytes.toString('utf8');
  return bytes;
}

/** `Application/JSON; charset=utf-8` → `application/json`. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}
