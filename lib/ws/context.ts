// The objects the ws:* hooks (and an app.ws() behaviour's functions) receive.
import type { WebSocket } from './websocket';
import { Length } from './frame';
import { CloseCode } from './close-codes';
import { JsonDepthError, JsonProtoError, parseJson, type JsonSettings } from '../backend/json-codec';

const DEFAULT_JSON: JsonSettings = { jsonMaxDepth: 128, jsonBigInt: false, jsonProto: 'error' };

/** The upgrade request, as upgrade() and ws:upgrade hooks see it (before any byte of the answer). */
export interface WsUpgradeRequest<Params = Readonly<Record<string, string>>> {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly url: string;
  /** The decoded pathname. */
  readonly path: string;
  /** Route parameters of the endpoint's path (`/chat/:room` → `{ room }`). */
  readonly params: Params;
  readonly query: Readonly<Record<string, string>>;
  /** Header names in lower case, cookies included (`headers.cookie`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The TCP peer (behind a proxy, the proxy: see `ip`). */
  readonly remoteAddress: string | undefined;
  /** The client's address: remoteAddress, or what proxies trusted by settings.trustProxy say. */
  readonly ip: string | undefined;
  /** The trusted proxy chain, client first (empty when no proxy is trusted). */
  readonly ips: readonly string[];
  /** The Host header, or a trusted proxy's X-Forwarded-Host / Forwarded host=. */
  readonly host: string | undefined;
  /**
   * True when the client's connection is TLS (https/wss): settings.tls, or a trusted proxy's
   * X-Forwarded-Proto / Forwarded proto= (`protocol` below is the subprotocol).
   */
  readonly secure: boolean;
  /** The request id when settings.requestId is on (also ws.id and the 101's header), else undefined. */
  readonly id: string | undefined;
  /** The subprotocols the client offered, in its order. */
  readonly protocols: readonly string[];
  /** The subprotocol the server picked ('' for none). */
  readonly protocol: string;
  /** The Cookie header as name → value (parsed on first read). */
  readonly cookies: Readonly<Record<string, string>>;
  /** Cookies signed with one of settings.cookieSecret whose signature checks, without the signature. */
  readonly signedCookies: Readonly<Record<string, string>>;
  /** What middleware and `request` hooks stashed on this request (`req.extra.user`). */
  readonly extra: Record<string, unknown>;
}

/** ws:upgrade: throw an HttpError to refuse (its status, a JSON body, no 101); set `data` to attach it to ws.data. */
export interface WsUpgradeContext {
  readonly req: WsUpgradeRequest;
  data: Record<string, unknown> | undefined;
}

export interface WsConnectContext<W extends WebSocket<unknown, unknown> = WebSocket> {
  ws: W;
}

export interface WsDisconnectContext<W extends WebSocket<unknown, unknown> = WebSocket> {
  ws: W;
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
export class WsMessageContext<Message = unknown, W extends WebSocket<unknown, unknown> = WebSocket> {
  /** string → text frame, Buffer/Uint8Array → binary frame, anything else → JSON text; null/undefined: none. */
  reply: unknown = undefined;
  stop = false;
  private rawText: string | undefined = undefined;
  private parsed: unknown = UNPARSED;
  /** JSON.parse failed on this text message. */
  invalidJson = false;
  /**
   * @internal The message bytes. While `inReadBuffer`, they lie in the shared read buffer (direct-read.ts)
   * and are valid only until the read is handled; release() then keeps them. Null: re-encode rawText.
   */
  bytes: Buffer | null;
  /** @internal */
  inReadBuffer: boolean;
  /** @internal The bytes before `bytes` are free (room for a reply's frame header). */
  headroom: boolean;

  /** @internal Made by the connection for each message. */
  constructor(
    readonly ws: W,
    /** A binary message (raw is a Buffer); false for text (raw is a string). */
    readonly binary: boolean,
    payload: Buffer,
    inReadBuffer = false,
    headroom = false,
    /** settings.jsonMaxDepth / jsonBigInt / jsonProto for `data`. */
    private readonly json: JsonSettings = DEFAULT_JSON,
  ) {
    this.bytes = payload;
    this.inReadBuffer = inReadBuffer;
    this.headroom = headroom;
  }

  /** The message bytes (unmasked, valid UTF-8 for text). Safe to keep (never rewritten by later reads). */
  get payload(): Buffer {
    let bytes = this.bytes;
    if (bytes === null) {
      // Released after its text was decoded: the same bytes again (valid UTF-8 round-trips exactly).
      bytes = this.bytes = Buffer.from(this.rawText as string);
      this.headroom = false;
    } else if (this.inReadBuffer) {
      // Hook code may keep it: a copy that the next read does not overwrite.
      bytes = this.bytes = copyWithHeadroom(bytes);
      this.inReadBuffer = false;
      this.headroom = true;
    }
    return bytes;
  }

  /** The message: a string for text, a Buffer for binary. */
  get raw(): string | Buffer {
    if (this.binary) return this.payload;
    if (this.rawText === undefined) this.rawText = (this.bytes as Buffer).toString();
    return this.rawText;
  }

  /** @internal The read is over: keep the message without the shared read buffer (decoded text or a copy). */
  release(): void {
    if (!this.inReadBuffer) return;
    this.inReadBuffer = false;
    if (this.rawText !== undefined) {
      this.bytes = null;
    } else {
      this.bytes = copyWithHeadroom(this.bytes as Buffer);
      this.headroom = true;
    }
  }

  /** The text as it was decoded, if a hook or the default reply asked for it. */
  get decodedText(): string | undefined {
    return this.rawText;
  }

  /** Parsed JSON of a text message; undefined for invalid JSON and for binary messages. Assignable. */
  get data(): Message {
    if (this.parsed === UNPARSED) {
      this.parsed = undefined;
      if (!this.binary) {
        try {
          this.parsed = parseJson(this.raw as string, this.json);
        } catch (err) {
          this.invalidJson = true;
          // Too deep, or a forbidden key (jsonProto 'error'): refused before any hook sees it; the
          // connection closes with 1008 and the reason.
          if (err instanceof JsonDepthError || err instanceof JsonProtoError)
            this.ws.close(CloseCode.POLICY_VIOLATION, err.message);
        }
      }
    }
    return this.parsed as Message;
  }

  set data(value: Message) {
    this.parsed = value;
  }
}

function copyWithHeadroom(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(Length.HEADROOM + bytes.length).subarray(Length.HEADROOM);
  copy.set(bytes);
  return copy;
}

/** @internal */
export function isStopped(ctx: WsMessageContext): boolean {
  return ctx.stop === true;
}
