// RFC 6455 §7.4 status codes: the ones krozen sends, and which codes are legal on the wire.
import { isUtf8 } from 'node:buffer';
import { Length } from './frame';
import { ErrorCode, KrozenRangeError, KrozenTypeError } from '../base/errors';

export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Reserved: "no status code was present". Never sent; reported when a close frame has no payload. */
  NO_STATUS: 1005,
  /** Reserved: "closed without a close frame". Never sent; reported on an abrupt disconnect. */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
} as const;

/**
 * Whether `code` may appear in a close frame: 1000-1003 and 1007-1014 (IANA registered, not reserved),
 * 3000-4999 (libraries and applications). 1004-1006 and 1015 are reserved; everything else is invalid.
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** ws.close(code, reason) arguments: a code a server may send and a reason that fits (else it throws). */
export function assertCloseArgs(code: number, reason: string): void {
  if (!Number.isInteger(code) || !isValidCloseCode(code))
    throw new KrozenRangeError(ErrorCode.INVALID_ARGUMENT, `Invalid close code: ${code}`);
  if (typeof reason !== 'string')
    throw new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, 'Close reason must be a string');
  if (Buffer.byteLength(reason) > Length.MAX_CLOSE_REASON) {
    throw new KrozenRangeError(
      ErrorCode.INVALID_ARGUMENT,
      `Close reason must be at most ${Length.MAX_CLOSE_REASON} bytes`,
    );
  }
}

/**
 * Every way the server ends a connection, with its close code and reason: the one place a reason is
 * written. `Failures.X` is `[code, reason]`; some callers add a detail (`Reserved opcode 3`).
 */
export const Failures = {
  // RFC 6455 §5.2, §5.5: framing violations
  RSV23_SET: [CloseCode.PROTOCOL_ERROR, 'RSV2 and RSV3 must be clear'],
  UNMASKED: [CloseCode.PROTOCOL_ERROR, 'Client frames must be masked'],
  RESERVED_OPCODE: [CloseCode.PROTOCOL_ERROR, 'Reserved opcode'],
  FRAGMENTED_CONTROL: [CloseCode.PROTOCOL_ERROR, 'Control frames must not be fragmented'],
  LONG_CONTROL: [CloseCode.PROTOCOL_ERROR, `Control frame payload over ${Length.MAX_CONTROL_PAYLOAD} bytes`],
  RSV1_CONTROL: [CloseCode.PROTOCOL_ERROR, 'RSV1 must be clear on control frames'],
  ORPHAN_CONTINUATION: [CloseCode.PROTOCOL_ERROR, 'Continuation frame without a message to continue'],
  RSV1_CONTINUATION: [CloseCode.PROTOCOL_ERROR, 'RSV1 must be clear on continuation frames'],
  NESTED_MESSAGE: [CloseCode.PROTOCOL_ERROR, 'New data frame inside a fragmented message'],
  RSV1_UNNEGOTIATED: [CloseCode.PROTOCOL_ERROR, 'RSV1 set without a negotiated extension'],
  SHORT_CLOSE: [CloseCode.PROTOCOL_ERROR, 'Close frame with a 1-byte payload'],
  BAD_CLOSE_CODE: [CloseCode.PROTOCOL_ERROR, 'Invalid close code'],
  // §8.1 and permessage-deflate (RFC 7692): bad payloads
  BAD_UTF8: [CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in text message'],
  BAD_UTF8_REASON: [CloseCode.INVALID_PAYLOAD, 'Invalid UTF-8 in close reason'],
  BAD_DEFLATE: [CloseCode.INVALID_PAYLOAD, 'Invalid compressed data'],
  // limits
  TOO_MANY_FRAGMENTS: [CloseCode.POLICY_VIOLATION, 'Too many fragments'],
  BACKPRESSURE: [CloseCode.POLICY_VIOLATION, 'Backpressure limit'],
  MESSAGE_RATE: [CloseCode.POLICY_VIOLATION, 'Message rate limit'],
  TOO_BIG: [CloseCode.MESSAGE_TOO_BIG, 'Message too big'],
  LENGTH_OVER_2_53: [CloseCode.MESSAGE_TOO_BIG, 'Frame length too large'],
  // the server's side
  HOOK_FAILED: [CloseCode.INTERNAL_ERROR, 'Internal error'],
  DEFLATE_FAILED: [CloseCode.INTERNAL_ERROR, 'Compression failed'],
  IDLE: [CloseCode.GOING_AWAY, 'Idle timeout'],
  SHUTDOWN: [CloseCode.GOING_AWAY, 'Server shutting down'],
} as const satisfies Record<string, readonly [number, string]>;

export type Failure = (typeof Failures)[keyof typeof Failures];

/** A received close frame's payload (RFC 6455 §5.5.1): its code and reason (1005 when empty), or its failure. */
export function readClosePayload(
  payload: Buffer,
): { code: number; reason: string } | { failure: Failure; detail?: number } {
  if (payload.length === 0) return { code: CloseCode.NO_STATUS, reason: '' };
  if (payload.length < Length.CLOSE_CODE) return { failure: Failures.SHORT_CLOSE };
  const code = payload.readUInt16BE(0);
  if (!isValidCloseCode(code)) return { failure: Failures.BAD_CLOSE_CODE, detail: code };
  const reason = payload.subarray(Length.CLOSE_CODE);
  if (!isUtf8(reason)) return { failure: Failures.BAD_UTF8_REASON };
  return { code, reason: reason.toString() };
}
