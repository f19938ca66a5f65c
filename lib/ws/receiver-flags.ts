// The flags of a WebSocket frame receiver (receiver.ts): one bit each in one field instead of nine fields, which
// an idle connection would carry for its whole life (64 B each). Receiver extends this class; the accessors are
// inlined where they are used. Each spells out its bit test: routed through shared has()/put() helpers they cost
// ~200 instructions more per 64 B message (`node bench/callgrind.mjs --cases ws-echo`, 11,214 against 11,041).
const FIN_BIT = 1;
const COMPRESSED_FRAME_BIT = 2;
const HEADER_IN_CHUNK_BIT = 4;
const PAYLOAD_HEADROOM_BIT = 8;
const PAYLOAD_TRANSIENT_BIT = 16;
const PAYLOAD_ASCII_BIT = 32;
const PAYLOAD_PLACED_BIT = 64;
const PLACED_HEADROOM_BIT = 128;
const MESSAGE_COMPRESSED_BIT = 256;

export abstract class ReceiverFlags {
  private bits = 0;

  /** The current frame has FIN. */
  protected get fin(): boolean {
    return (this.bits & FIN_BIT) !== 0;
  }
  protected set fin(on: boolean) {
    this.bits = on ? this.bits | FIN_BIT : this.bits & ~FIN_BIT;
  }

  /** The current frame has RSV1 (compressed). */
  protected get compressedFrame(): boolean {
    return (this.bits & COMPRESSED_FRAME_BIT) !== 0;
  }
  protected set compressedFrame(on: boolean) {
    this.bits = on ? this.bits | COMPRESSED_FRAME_BIT : this.bits & ~COMPRESSED_FRAME_BIT;
  }

  /** The frame's header lies just before its payload in the same chunk (a copy-free echo can reuse it). */
  protected get headerInChunk(): boolean {
    return (this.bits & HEADER_IN_CHUNK_BIT) !== 0;
  }
  protected set headerInChunk(on: boolean) {
    this.bits = on ? this.bits | HEADER_IN_CHUNK_BIT : this.bits & ~HEADER_IN_CHUNK_BIT;
  }

  /** The payload handed to frameComplete() has free bytes in front (see ReceiverSink.onMessage). */
  protected get payloadHeadroom(): boolean {
    return (this.bits & PAYLOAD_HEADROOM_BIT) !== 0;
  }
  protected set payloadHeadroom(on: boolean) {
    this.bits = on ? this.bits | PAYLOAD_HEADROOM_BIT : this.bits & ~PAYLOAD_HEADROOM_BIT;
  }

  /** The payload handed to frameComplete() views a reused chunk. */
  protected get payloadTransient(): boolean {
    return (this.bits & PAYLOAD_TRANSIENT_BIT) !== 0;
  }
  protected set payloadTransient(on: boolean) {
    this.bits = on ? this.bits | PAYLOAD_TRANSIENT_BIT : this.bits & ~PAYLOAD_TRANSIENT_BIT;
  }

  /** The payload handed to frameComplete() is known to be ASCII (so valid UTF-8). */
  protected get payloadAscii(): boolean {
    return (this.bits & PAYLOAD_ASCII_BIT) !== 0;
  }
  protected set payloadAscii(on: boolean) {
    this.bits = on ? this.bits | PAYLOAD_ASCII_BIT : this.bits & ~PAYLOAD_ASCII_BIT;
  }

  /** payloadBuf came from sink.placePayload (its header, if headerInChunk, is just before it). */
  protected get payloadPlaced(): boolean {
    return (this.bits & PAYLOAD_PLACED_BIT) !== 0;
  }
  protected set payloadPlaced(on: boolean) {
    this.bits = on ? this.bits | PAYLOAD_PLACED_BIT : this.bits & ~PAYLOAD_PLACED_BIT;
  }

  /** The placed payload has free bytes in front. */
  protected get placedHeadroom(): boolean {
    return (this.bits & PLACED_HEADROOM_BIT) !== 0;
  }
  protected set placedHeadroom(on: boolean) {
    this.bits = on ? this.bits | PLACED_HEADROOM_BIT : this.bits & ~PLACED_HEADROOM_BIT;
  }

  /** The current (fragmented) message is compressed. */
  protected get messageCompressed(): boolean {
    return (this.bits & MESSAGE_COMPRESSED_BIT) !== 0;
  }
  protected set messageCompressed(on: boolean) {
    this.bits = on ? this.bits | MESSAGE_COMPRESSED_BIT : this.bits & ~MESSAGE_COMPRESSED_BIT;
  }
}
