// RFC 6455 §7.4 status codes: the ones krozen sends, and which codes are legal on the wire.

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
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** A close reason is at most 123 bytes: the control frame limit (125) minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;
