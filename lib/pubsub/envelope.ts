// The 16-byte header in front of a payload on Redis: who published it and its number per topic, so a
// process skips its own messages (it delivered them locally already) and counts the ones it missed.
//   0: format version (1)   1: flags (bit 0: binary, bit 1: a plain string's text, not JSON)   2..9: origin id   10..15: sequence (uint48 BE)
// A message on a recovery topic (appended to its Redis Stream by a script, history-redis.ts) is version 2:
// the same 16 bytes, then the stream id's length (1 byte) and the id (ASCII), then the payload. Every process,
// the publisher included, delivers version 2 messages from Redis, so all see one order (the stream's).
import { randomBytes } from 'node:crypto';

export const ENVELOPE_BYTES = 16;
const VERSION = 1;
export const VERSION_WITH_ID = 2;
const BINARY = 1;
const STRING = 2;
/** A sender forgets its per-topic numbers past this many topics (receivers take a smaller number as a restart). */
const MAX_SENDER_TOPICS = 10_000;

export interface Opened {
  binary: boolean;
  /** Text of a published string (krozen.v1 subscribers get it as a JSON string). */
  str: boolean;
  /** The origin's 8 bytes as a latin1 string (a cheap Map key). */
  origin: string;
  sequence: number;
  payload: Buffer;
  /** The stream id (version 2: a recovery topic's message). */
  id?: string;
}

/** One process's side: its origin id and the next number per topic. */
export class EnvelopeWriter {
  readonly origin = randomBytes(8);
  readonly originKey = this.origin.toString('latin1');
  private readonly sequences = new Map<string, number>();

  /** Writes the header into buf[0..16) (the payload's headroom); version 2 when the script adds an id. */
  seal(topic: string, binary: boolean, buf: Buffer, str = false, version = VERSION): void {
    if (this.sequences.size >= MAX_SENDER_TOPICS && !this.sequences.has(topic)) this.sequences.clear();
    const sequence = (this.sequences.get(topic) ?? 0) + 1;
    this.sequences.set(topic, sequence);
    buf[0] = version;
    buf[1] = (binary ? BINARY : 0) | (str ? STRING : 0);
    this.origin.copy(buf, 2);
    buf.writeUIntBE(sequence, 10, 6);
  }
}

/** The header and payload of a message from Redis, or null when it is not one of ours. */
export function openEnvelope(message: Buffer): Opened | null {
  if (message.length < ENVELOPE_BYTES) return null;
  if (message[0] === VERSION_WITH_ID) {
    const end = ENVELOPE_BYTES + 1 + message[ENVELOPE_BYTES];
    if (message.length < end) return null;
    return {
      binary: (message[1] & BINARY) !== 0,
      str: (message[1] & STRING) !== 0,
      origin: message.toString('latin1', 2, 10),
      sequence: message.readUIntBE(10, 6),
      id: message.toString('latin1', ENVELOPE_BYTES + 1, end),
      payload: message.subarray(end),
    };
  }
  if (message[0] !== VERSION) return null;
  return {
    binary: (message[1] & BINARY) !== 0,
    str: (message[1] & STRING) !== 0,
    origin: message.toString('latin1', 2, 10),
    sequence: message.readUIntBE(10, 6),
    payload: message.subarray(ENVELOPE_BYTES),
  };
}

/** Per topic, the last number seen from each origin: a jump forward is that many messages missed. */
export class GapCounter {
  private readonly last = new Map<string, Map<string, number>>();

  /** Returns how many messages from this origin on this topic were skipped before this one. */
  see(topic: string, origin: string, sequence: number): number {
    let origins = this.last.get(topic);
    if (origins === undefined) {
      origins = new Map();
      this.last.set(topic, origins);
    }
    const previous = origins.get(origin);
    origins.set(origin, sequence);
    // First message from this origin, or its numbers restarted: nothing to compare with.
    if (previous === undefined || sequence <= previous) return 0;
    return sequence - previous - 1;
  }

  /** The topic's channel was left: messages published meanwhile were not for us. */
  forget(topic: string): void {
    this.last.delete(topic);
  }
}
