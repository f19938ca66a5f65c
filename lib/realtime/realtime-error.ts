// The error of a krozen.v1 request that failed: its `code` is one of the protocol's (docs/realtime-protocol.md).
// Thrown by a request handler, it becomes the `err` answer with that code and message.
import type { RealtimeErrorCode } from './api-types';
import type { ValidationIssue } from '../schema/issues';

export class RealtimeError extends Error {
  constructor(
    readonly code: RealtimeErrorCode,
    message: string,
    /** With code 'invalid': what the schema refused. */
    readonly issues?: ValidationIssue[],
  ) {
    super(message);
    this.name = 'RealtimeError';
  }
}
