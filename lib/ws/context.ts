// The objects ws:connect, ws:message and ws:disconnect hooks receive.
import type { WebSocket } from './connection';

export interface WsConnectContext {
  ws: WebSocket;
}

export interface WsDisconnectContext {
  ws: WebSocket;
  /** The peer's close code, 1005 for a close frame without one, 1006 when the TCP connection just ended. */
  code: number;
  reason: string;
}

const UNPARSED: unique symbol = Symbol('unparsed');

/**
 * ws:message. Hooks run in order until one sets `stop`; a `reply` is sent even when `stop` is set.
 * Without a reply and without stop: text → {"echo": data} (or {"error":"invalid json"}), binary → the bytes.
 * `raw` and `data` are computed on first access, so an exact-echo hook never parses JSON.
 */
export class WsMessageContext {
  /** string → text frame, Buffer/Uint8Array → binary frame, anything else → JSON text; null/undefined: none. */
  reply: unknown = undefined;
  stop = false;
  private rawText: string | undefined = undefined;
  private parsed: unknown = UNPARSED;
  /** JSON.parse failed on this text message. */
  invalidJson = false;

  constructor(
    readonly ws: WebSocket,
    /** A binary message (raw is a Buffer); false for text (raw is a string). */
    readonly binary: boolean,
    /** The message bytes (unmasked, valid UTF-8 for text). Views a socket chunk: copy it to keep it. */
    readonly payload: Buffer,
  ) {}

  /** The message: a string for text, a Buffer for binary. */
  get raw(): string | Buffer {
    if (this.binary) return this.payload;
    if (this.rawText === undefined) this.rawText = this.payload.toString();
    return this.rawText;
  }

  /** The text as it was decoded, if a hook or the default reply asked for it. */
  get decodedText(): string | undefined {
    return this.rawText;
  }

  /** Parsed JSON of a text message; undefined for invalid JSON and for binary messages. Assignable. */
  get data(): unknown {
    if (this.parsed === UNPARSED) {
      this.parsed = undefined;
      if (!this.binary) {
        try {
          this.parsed = JSON.parse(this.raw as string);
        } catch {
          this.invalidJson = true;
        }
      }
    }
    return this.parsed;
  }

  set data(value: unknown) {
    this.parsed = value;
  }
}

export function isStopped(ctx: WsMessageContext): boolean {
  return ctx.stop === true;
}
