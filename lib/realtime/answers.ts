// How a failure becomes an `err` answer, and how a schema check runs: shared by requests, events and `pub`.
import { HttpError } from '../http/http-error';
import { ErrorCode } from '../base/errors';
import { isThenable } from '../base/hook-runner';
import type { Validator } from '../schema/validator';
import type { RealtimeErrorCode } from './api-types';
import { RealtimeError } from './realtime-error';

/** An HttpError's status as a protocol code (a handler may throw the HttpErrors it throws in routes). */
function codeOfStatus(status: number): RealtimeErrorCode {
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 422) return 'invalid';
  if (status === 413 || status === 429) return 'limit';
  return 'bad_request';
}

/**
 * ["err", ref, code, message(, issues)]. A RealtimeError says its code; an HttpError under 500 its status
 * and message; anything else is `internal` with a generic message (the error itself goes to the log:
 * `unexpected` is true), so no stack or internal detail reaches the client.
 */
export function errAnswer(ref: number, err: unknown): { answer: unknown[]; unexpected: boolean } {
  if (err instanceof RealtimeError) {
    const answer: unknown[] = ['err', ref, err.code, err.message];
    if (err.issues !== undefined) answer.push(err.issues);
    return { answer, unexpected: false };
  }
  if (err instanceof HttpError && err.status < 500)
    return { answer: ['err', ref, codeOfStatus(err.status), err.message], unexpected: false };
  if ((err as { code?: unknown } | null)?.code === ErrorCode.PAYLOAD_TOO_LARGE)
    return { answer: ['err', ref, 'limit', (err as Error).message], unexpected: false };
  return { answer: ['err', ref, 'internal', 'internal error'], unexpected: true };
}

/** `data` checked by `validator` (none: as is); a refusal throws RealtimeError 'invalid' with the issues. */
export function validated(validator: Validator | undefined, data: unknown): unknown {
  if (validator === undefined) return data;
  const result = validator(data);
  if (isThenable(result)) return result.then(checked);
  return checked(result);
}

function checked(result: Awaited<ReturnType<Validator>>): unknown {
  if (result.issues !== undefined) throw new RealtimeError('invalid', 'Validation failed', result.issues);
  return result.value;
}
