// krozen.v1 messages (docs/realtime-protocol.md): the shape check of what a client sends, and the `m` frame
// built once per publish by byte concatenation around the payload's JSON, so no subscriber re-serialises it.
import { headerLength, Opcode } from '../ws/frame';
import { writeHeader } from '../ws/sender';

export const SUBPROTOCOL = 'krozen.v1';

/** A client message that passed the shape check. */
export type ClientMessage =
  | { type: 'sub'; ref: number; topic: string; after: unknown }
  | { type: 'unsub'; ref: number; topic: string }
  | { type: 'pub'; ref: number; topic: string; data: unknown }
  | { type: 'req'; ref: number; event: string; data: unknown }
  | { type: 'evt'; event: string; data: unknown }
  | { type: 'ok'; ref: number; result: unknown }
  | { type: 'err'; ref: number; code: string; message: string }
  | { type: 'ping' };

const isRef = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
/** `pub` with ref 0 wants no answer. */
const isPubRef = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStr = (v: unknown): v is string => typeof v === 'string';

/** The message, or a string: the 1008 close reason naming the fault. */
export function readMessage(m: unknown): ClientMessage | string {
  if (!Array.isArray(m) || m.length === 0) return 'krozen.v1: a message is a JSON array';
  const t = m[0];
  const n = m.length;
  switch (t) {
    case 'sub':
      if ((n === 3 || n === 4) && isRef(m[1]) && isStr(m[2]))
        return { type: 'sub', ref: m[1], topic: m[2], after: n === 4 ? m[3] : null };
      break;
    case 'unsub':
      if (n === 3 && isRef(m[1]) && isStr(m[2])) return { type: 'unsub', ref: m[1], topic: m[2] };
      break;
    case 'pub':
      if (n === 4 && isPubRef(m[1]) && isStr(m[2])) return { type: 'pub', ref: m[1], topic: m[2], data: m[3] };
      break;
    case 'req':
      if (n === 4 && isRef(m[1]) && isStr(m[2])) return { type: 'req', ref: m[1], event: m[2], data: m[3] };
      break;
    case 'evt':
      if (n === 3 && isStr(m[1])) return { type: 'evt', event: m[1], data: m[2] };
      break;
    case 'ok':
      if (n === 3 && isRef(m[1])) return { type: 'ok', ref: m[1], result: m[2] };
      break;
    case 'err':
      if ((n === 4 || n === 5) && isRef(m[1]) && isStr(m[2]) && isStr(m[3]))
        return { type: 'err', ref: m[1], code: m[2], message: m[3] };
      break;
    case 'ping':
      if (n === 1) return { type: 'ping' };
      break;
    default:
      return typeof t === 'string' && t.length <= 32
        ? `krozen.v1: unknown message type ${JSON.stringify(t)}`
        : 'krozen.v1: unknown message type';
  }
  return `krozen.v1: malformed ${t} message`;
}

/**
 * The text frame of ["m", topic, data, id?] where `json` is data's JSON bytes: one Buffer, written as is to
 * every subscriber.
 */
export function messageFrame(topic: string, json: Buffer, id: string | undefined): Buffer {
  const head = `["m",${JSON.stringify(topic)},`;
  // Ids are "<digits>-<digits>": ASCII, no escaping.
  const tail = id === undefined ? ']' : `,"${id}"]`;
  const headBytes = Buffer.byteLength(head);
  const length = headBytes + json.length + tail.length;
  const h = headerLength(length);
  const frame = Buffer.allocUnsafe(h + length);
  writeHeader(frame, 0, Opcode.TEXT, length);
  frame.write(head, h);
  json.copy(frame, h + headBytes);
  frame.write(tail, h + headBytes + json.length, 'latin1');
  return frame;
}
