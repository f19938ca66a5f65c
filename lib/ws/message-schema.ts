// An app.ws() endpoint's `schema.message`: every message is validated before the endpoint's message()
// runs, which then sees `ctx.data` as the schema let it through (typed from the schema). A message that
// fails — invalid JSON, a binary frame, or a value the schema refuses — closes the connection with 1008
// (policy violation), or, with `invalidMessage: 'reply'`, gets a JSON text reply
// `{"error":"Validation failed","issues":[…]}` and is dropped (the connection stays open).
import type { JsonSchemaCompiler } from '../schema/ajv';
import type { Schema } from '../schema/infer';
import type { ValidationIssue, Validation } from '../schema/issues';
import { compileValidator, type Validator } from '../schema/validator';
import { isThenable } from '../base/hook-runner';
import { CloseCode } from './close-codes';
import type { WsMessageContext } from './context';

/** What an endpoint's `schema` may declare. */
export interface WsSchema {
  message?: Schema;
}

/** What happens to a message its schema refuses. */
export type InvalidMessagePolicy = 'close' | 'reply';

// Compiled when app.ws() registers the endpoint (a bad schema fails there), read when the server resolves it.
const validators = new WeakMap<object, Validator>();

export function compileMessageSchema(
  behaviour: object,
  schema: WsSchema,
  compiler: JsonSchemaCompiler,
  where: string,
): void {
  if (schema.message !== undefined)
    validators.set(behaviour, compileValidator(schema.message, 'message', compiler, `${where} schema.message`));
}

type MessageHandler = (ctx: WsMessageContext) => void | Promise<void>;

/** `handler` behind the endpoint's message validator (as it is when there is none). */
export function validatingMessages(
  behaviour: object,
  policy: InvalidMessagePolicy,
  handler: MessageHandler,
): MessageHandler {
  const validate = validators.get(behaviour);
  if (validate === undefined) return handler;
  return (ctx) => {
    const input = messageInput(ctx);
    if (typeof input === 'string') return refuse(ctx, policy, [{ in: 'message', path: '', message: input }]);
    const result = validate(input.value);
    if (isThenable(result)) return result.then((r) => settle(ctx, policy, handler, r));
    return settle(ctx, policy, handler, result);
  };
}

/** The message's JSON value, or why there is none. */
function messageInput(ctx: WsMessageContext): { value: unknown } | string {
  if (ctx.binary) return 'Expected a JSON text message, got a binary one';
  const value = ctx.data;
  if (ctx.invalidJson) return 'Invalid JSON';
  return { value };
}

function settle(
  ctx: WsMessageContext,
  policy: InvalidMessagePolicy,
  handler: MessageHandler,
  result: Validation,
): void | Promise<void> {
  if (result.issues !== undefined) return refuse(ctx, policy, result.issues);
  ctx.data = result.value;
  return handler(ctx);
}

function refuse(ctx: WsMessageContext, policy: InvalidMessagePolicy, issues: ValidationIssue[]): void {
  const ws = ctx.ws;
  // A depth or prototype-key refusal already closes the connection (context.ts): nothing more to say.
  if (ws.readyState !== 1) return;
  if (policy === 'reply') ws.send(JSON.stringify({ error: 'Validation failed', issues }));
  else ws.close(CloseCode.POLICY_VIOLATION, 'Invalid message');
}
