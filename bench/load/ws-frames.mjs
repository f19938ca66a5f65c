// Minimal client-side WebSocket framing for the load generator: the handshake request, masked frames
// built once and re-sent, and an incremental reader of the server's (unmasked) frames.
import { randomBytes } from 'node:crypto';

export const OP_TEXT = 1;
export const OP_BINARY = 2;
export const OP_CLOSE = 8;
export const OP_PING = 9;
export const OP_PONG = 10;

/** The upgrade request; `protocol` (e.g. 'krozen.v1') is offered in Sec-WebSocket-Protocol when given. */
export function handshakeRequest(port, path, protocol) {
  const key = randomBytes(16).toString('base64');
  const offer = protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '';
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${offer}\r\n`,
    'latin1',
  );
}

/** One complete client frame (FIN set, masked with `maskKey`): header and masked payload in one Buffer. */
export function maskedFrame(opcode, payload, maskKey) {
  const len = payload.length;
  const extra = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const frame = Buffer.allocUnsafe(2 + extra + 4 + len);
  frame[0] = 0x80 | opcode;
  if (extra === 0) frame[1] = 0x80 | len;
  else if (extra === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    frame.writeUInt32BE(len >>> 0, 6);
  }
  const at = 2 + extra;
  maskKey.copy(frame, at);
  for (let i = 0; i < len; i++) frame[at + 4 + i] = payload[i] ^ maskKey[i & 3];
  return frame;
}

/** `count` copies of `frame` back to back, so that k frames go out as one write of the first k. */
export function repeated(frame, count) {
  const out = Buffer.allocUnsafe(frame.length * count);
  for (let i = 0; i < count; i++) frame.copy(out, i * frame.length);
  return out;
}

/**
 * Incremental reader of server frames. `onMessage(opcode, length, payloadHead)` fires once per complete
 * message; payloadHead is the first `headBytes` payload bytes (a view valid only during the call) when asked for.
 * Payload bytes are skipped, not copied; only a header split across reads is buffered.
 */
export class FrameReader {
  constructor(onMessage, headBytes = 0) {
    this.onMessage = onMessage;
    this.headBytes = headBytes;
    this.pending = null;
    this.remaining = 0;
    this.opcode = 0;
    this.fin = false;
    this.length = 0;
    this.head = null;
  }

  push(chunk) {
    if (this.pending !== null) {
      chunk = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    const end = chunk.length;
    let off = 0;
    while (off < end) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, end - off);
        off += take;
        this.remaining -= take;
        if (this.remaining === 0) this.frameDone();
        continue;
      }
      if (end - off < 2) {
        this.pending = Buffer.from(chunk.subarray(off));
        return;
      }
      const b0 = chunk[off];
      const b1 = chunk[off + 1];
      let len = b1 & 0x7f;
      const header = 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
      if (end - off < header) {
        this.pending = Buffer.from(chunk.subarray(off));
        return;
      }
      if (len === 126) len = chunk.readUInt16BE(off + 2);
      else if (len === 127) len = chunk.readUInt32BE(off + 2) * 2 ** 32 + chunk.readUInt32BE(off + 6);
      const opcode = b0 & 0x0f;
      const want = Math.min(this.headBytes, len);
      if (want > 0 && end - off < header + want) {
        this.pending = Buffer.from(chunk.subarray(off));
        return;
      }
      if (opcode !== 0) {
        this.opcode = opcode;
        this.length = 0;
      }
      this.head = want > 0 ? chunk.subarray(off + header, off + header + want) : null;
      this.fin = (b0 & 0x80) !== 0;
      this.length += len;
      off += header;
      this.remaining = len;
      if (len === 0) this.frameDone();
    }
  }

  frameDone() {
    if (this.fin) this.onMessage(this.opcode, this.length, this.head);
    this.head = null;
  }
}
