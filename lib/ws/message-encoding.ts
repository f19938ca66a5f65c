// A value as a WebSocket frame: the value → payload rule (lib/backend/message-payload.ts), framed.
import { binaryBytes, textWithHeadroom } from '../backend/message-payload';
import { Opcode } from './frame';
import { frameCopy, frameInHeadroom } from './sender';

export { binaryBytes, textWithHeadroom };

/** The whole frame for `value`, in one Buffer (publish writes the same Buffer to every subscriber). */
export function frameValue(value: unknown, bigInt: boolean): Buffer {
  const bytes = binaryBytes(value);
  if (bytes !== null) return frameCopy(Opcode.BINARY, bytes);
  return frameInHeadroom(textWithHeadroom(value, bigInt), Opcode.TEXT);
}
