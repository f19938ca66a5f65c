// What goes back after a message's handlers ran: `ctx.reply` if set (even with `stop`), else pykrozen's
// default reply on the endpoints that have one — text → {"echo": data} or {"error": "invalid json"},
// binary → the same bytes. An echo of the received bytes is sent as they are, without re-encoding.
import type { WsMessageContext } from './context';
import type { Outbox } from './outbox';
import { headerLength, Opcode } from './frame';
import { frameCopy, writeHeader } from './sender';

/** Sends the reply for `ctx` (throws what encoding a bad reply throws). */
export function sendReply(ctx: WsMessageContext, outbox: Outbox, defaultReply: boolean): void {
  const reply = ctx.reply;
  if (reply !== undefined && reply !== null) {
    // The exact echo (reply = ctx.raw): send the received bytes, no re-encoding.
    if ((reply === ctx.bytes && reply !== null) || (typeof reply === 'string' && reply === ctx.decodedText)) {
      sendEcho(ctx.binary ? Opcode.BINARY : Opcode.TEXT, ctx, outbox);
    } else {
      outbox.sendValue(reply);
    }
  } else if (defaultReply && !ctx.stop) {
    if (ctx.binary) {
      sendEcho(Opcode.BINARY, ctx, outbox);
    } else {
      const data = ctx.data;
      outbox.sendValue(ctx.invalidJson && data === undefined ? { error: 'invalid json' } : { echo: data });
    }
  }
}

/** Sends the message's own bytes back: the frame header goes in front of them when there is room. */
function sendEcho(opcode: number, ctx: WsMessageContext, outbox: Outbox): void {
  let payload = ctx.bytes;
  if (payload === null || ctx.inReadBuffer) {
    // Released text, or bytes the next read overwrites: copied into a frame of their own, or (to be
    // compressed later) kept by the payload getter.
    const bytes = payload === null ? ctx.payload : payload;
    if (!outbox.compresses(bytes.length)) {
      outbox.sendFrame(frameCopy(opcode, bytes));
      return;
    }
    payload = ctx.payload;
  }
  const length = payload.length;
  const h = headerLength(length);
  if (!ctx.headroom || payload.byteOffset < h || outbox.compresses(length)) {
    outbox.sendBytes(opcode, payload);
    return;
  }
  // Header and payload in one Buffer without a copy: the received frame's header room is reused.
  const frame = Buffer.from(payload.buffer, payload.byteOffset - h, h + length);
  writeHeader(frame, 0, opcode, length);
  ctx.headroom = false; // used
  outbox.sendFrame(frame);
}
