// permessage-deflate (RFC 7692): negotiation in the handshake, then one raw deflate/inflate stream pair
// per connection (created on first use). zlib work runs on the thread pool: a Limiter caps how many
// operations are in flight across all connections, and inflate stops at the max payload (a zip bomb
// costs at most maxPayload bytes).
import * as zlib from 'node:zlib';
import type { PerMessageDeflateOptions } from '../settings/index';

/** What both sides agreed on. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

export const DEFAULT_THRESHOLD = 1024;
export const DEFAULT_CONCURRENCY = 10;
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

interface Offer {
  [name: string]: string | true;
}

/** Splits a Sec-WebSocket-Extensions header into offers: [name, params][] (quoted values unquoted). */
export function parseExtensions(header: string): Array<[string, Offer]> | null {
  const out: Array<[string, Offer]> = [];
  for (const item of header.split(',')) {
    const parts = item.split(';');
    const name = parts[0].trim().toLowerCase();
    if (name === '') continue;
    const params: Offer = Object.create(null);
    for (let i = 1; i < parts.length; i++) {
      const part = parts[i].trim();
      if (part === '') continue;
      const eq = part.indexOf('=');
      const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
      let value: string | true = eq === -1 ? true : part.slice(eq + 1).trim();
      if (typeof value === 'string' && value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
        value = value.slice(1, -1);
      if (key in params) return null; // a duplicate parameter invalidates the header
      params[key] = value;
    }
    out.push([name, params]);
  }
  return out;
}

function windowBits(value: string | true, allowBare: boolean): number | null {
  if (value === true) return allowBare ? 15 : null;
  if (!/^\d{1,2}$/.test(value)) return null;
  const bits = Number(value);
  return bits >= 8 && bits <= 15 ? bits : null;
}

/**
 * Picks the first acceptable permessage-deflate offer. Returns the agreed parameters and the response
 * header value, or null (no extension: the connection runs uncompressed).
 */
export function negotiateDeflate(
  header: string | undefined,
  options: PerMessageDeflateOptions,
): { params: DeflateParams; response: string } | null {
  if (header === undefined) return null;
  const offers = parseExtensions(header);
  if (offers === null) return null;
  for (const [name, offer] of offers) {
    if (name !== 'permessage-deflate') continue;
    const agreed = acceptOffer(offer, options);
    if (agreed !== null) return agreed;
  }
  return null;
}

function acceptOffer(
  offer: Offer,
  options: PerMessageDeflateOptions,
): { params: DeflateParams; response: string } | null {
  const params: DeflateParams = {
    serverNoContextTakeover: options.serverNoContextTakeover === true,
    clientNoContextTakeover: options.clientNoContextTakeover === true,
    serverMaxWindowBits: options.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: 15,
  };
  let serverBitsAsked = false;
  let clientBitsOffered = false;
  for (const key of Object.keys(offer)) {
    const value = offer[key];
    switch (key) {
      case 'server_no_context_takeover':
        if (value !== true) return null;
        params.serverNoContextTakeover = true;
        break;
      case 'client_no_context_takeover':
        if (value !== true) return null;
        // The client offers to reset its context; accepted unless configured otherwise.
        if (options.clientNoContextTakeover !== false) params.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        const bits = windowBits(value, false);
        if (bits === null) return null;
        params.serverMaxWindowBits = Math.min(bits, params.serverMaxWindowBits);
        serverBitsAsked = true;
        break;
      }
      case 'client_max_window_bits': {
        const bits = windowBits(value, true);
        if (bits === null) return null;
        clientBitsOffered = true;
        params.clientMaxWindowBits = Math.min(bits, options.clientMaxWindowBits ?? 15);
        break;
      }
      default:
        return null; // unknown parameter: decline this offer
    }
  }
  // zlib's raw deflate cannot use an 8-bit window (it silently uses 9), so an offer demanding 8 is declined.
  if (params.serverMaxWindowBits < 9) return null;
  let response = 'permessage-deflate';
  if (params.serverNoContextTakeover) response += '; server_no_context_takeover';
  if (params.clientNoContextTakeover) response += '; client_no_context_takeover';
  if (serverBitsAsked || options.serverMaxWindowBits !== undefined)
    response += `; server_max_window_bits=${params.serverMaxWindowBits}`;
  // client_max_window_bits may only be answered when offered; the inflater uses a 15-bit window either
  // way, so a smaller value is only asked for when configured.
  if (clientBitsOffered && options.clientMaxWindowBits !== undefined) {
    response += `; client_max_window_bits=${params.clientMaxWindowBits}`;
  }
  return { params, response };
}

/** Runs at most `limit` jobs at once; the rest wait in order. */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  run(job: (done: () => void) => void): void {
    if (this.running < this.limit) {
      this.running++;
      job(this.done);
    } else {
      this.waiting.push(() => job(this.done));
    }
  }

  private readonly done = (): void => {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.running--;
  };
}

export class MessageTooBigError extends Error {
  constructor() {
    super('Message too big after inflate');
    this.name = 'MessageTooBigError';
  }
}

type Callback = (err: Error | null, result?: Buffer) => void;

/** One connection's compressor and decompressor. Calls are serialized by the connection. */
export class PerMessageDeflate {
  private deflater: zlib.DeflateRaw | null = null;
  private inflater: zlib.InflateRaw | null = null;
  // Output collected per direction: a compression and a decompression of one connection may overlap.
  private deflateChunks: Buffer[] = [];
  private deflateTotal = 0;
  private chunks: Buffer[] = [];
  private total = 0;
  private inflateLimit = 0;
  private inflateCallback: Callback | null = null;
  private deflateCallback: Callback | null = null;
  private closed = false;

  constructor(
    readonly params: DeflateParams,
    private readonly limiter: Limiter,
    /** Messages smaller than this are sent uncompressed. */
    readonly threshold: number,
  ) {}

  compress(data: Buffer, callback: Callback): void {
    this.limiter.run((done) => {
      if (this.closed) {
        done();
        return callback(new Error('Connection closed'));
      }
      if (this.deflater === null) {
        this.deflater = zlib.createDeflateRaw({ windowBits: this.params.serverMaxWindowBits });
        this.deflater.on('data', (chunk: Buffer) => {
          this.deflateChunks.push(chunk);
          this.deflateTotal += chunk.length;
        });
        // A zlib stream's 'error' with no listener would end the process; the flush below never calls back.
        this.deflater.on('error', (err: Error) => {
          const cb = this.deflateCallback;
          this.deflateCallback = null;
          this.closed = true;
          if (cb !== null) cb(err);
        });
      }
      const deflater = this.deflater;
      this.deflateCallback = (err, out) => {
        done();
        callback(err, out);
      };
      deflater.write(data);
      deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        if (this.deflateCallback === null) return; // failed
        this.deflateCallback = null;
        if (this.closed) {
          done();
          return callback(new Error('Connection closed'));
        }
        let out = Buffer.concat(this.deflateChunks, this.deflateTotal);
        this.deflateChunks = [];
        this.deflateTotal = 0;
        // A sync flush ends with 00 00 ff ff, which the receiver appends itself (RFC 7692 §7.2.1).
        if (out.length >= 4 && out.subarray(out.length - 4).equals(TRAILER)) out = out.subarray(0, out.length - 4);
        if (this.params.serverNoContextTakeover) deflater.reset();
        done();
        callback(null, out);
      });
    });
  }

  /** Inflates a message; fails with MessageTooBigError once the output passes `maxPayload`. */
  decompress(data: Buffer, maxPayload: number, callback: Callback): void {
    this.limiter.run((done) => {
      if (this.closed) {
        done();
        return callback(new Error('Connection closed'));
      }
      if (this.inflater === null) {
        this.inflater = zlib.createInflateRaw({ windowBits: 15 });
        this.inflater.on('data', this.onInflateData);
        this.inflater.on('error', this.onInflateError);
      }
      this.inflateLimit = maxPayload;
      this.total = 0;
      this.chunks = [];
      this.inflateCallback = (err, result) => {
        done();
        callback(err, result);
      };
      const inflater = this.inflater;
      inflater.write(data);
      inflater.write(TRAILER);
      inflater.flush(() => {
        const cb = this.inflateCallback;
        if (cb === null) return; // already failed
        this.inflateCallback = null;
        const out = Buffer.concat(this.chunks, this.total);
        this.chunks = [];
        this.total = 0;
        if (this.params.clientNoContextTakeover) inflater.reset();
        cb(null, out);
      });
    });
  }

  private readonly onInflateData = (chunk: Buffer): void => {
    if (this.inflateCallback === null) return;
    this.total += chunk.length;
    if (this.total > this.inflateLimit) {
      const cb = this.inflateCallback;
      this.inflateCallback = null;
      this.chunks = [];
      this.total = 0;
      this.destroyInflater();
      cb(new MessageTooBigError());
      return;
    }
    this.chunks.push(chunk);
  };

  private readonly onInflateError = (err: Error): void => {
    const cb = this.inflateCallback;
    this.inflateCallback = null;
    this.chunks = [];
    this.total = 0;
    this.destroyInflater();
    if (cb !== null) cb(err);
  };

  private destroyInflater(): void {
    const inflater = this.inflater;
    this.inflater = null;
    if (inflater !== null) {
      inflater.removeAllListeners('data');
      inflater.on('error', () => {});
      inflater.destroy();
    }
  }

  close(): void {
    this.closed = true;
    this.destroyInflater();
    if (this.deflater !== null) {
      this.deflater.on('error', () => {});
      this.deflater.destroy();
      this.deflater = null;
    }
  }
}
