import type { RealtimeErrorCode } from '../lib/realtime/api-types';

/** A failed request, publish or subscription; `code` is from docs/realtime-protocol.md's table. */
export class RealtimeError extends Error {
  readonly code: RealtimeErrorCode;
  constructor(code: RealtimeErrorCode, message: string) {
    super(message);
    this.name = 'RealtimeError';
    this.code = code;
  }
}

const CODES: readonly string[] = [
  'bad_request',
  'forbidden',
  'not_found',
  'invalid',
  'timeout',
  'limit',
  'internal',
  'closed',
];

/** A code from the wire; an unknown one (a newer server) reads as `internal` rather than lying in the type. */
export function toCode(code: unknown): RealtimeErrorCode {
  return typeof code === 'string' && CODES.includes(code) ? (code as RealtimeErrorCode) : 'internal';
}
