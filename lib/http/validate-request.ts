// The schema step of the pipeline, just before the route's handler (after `request` hooks, body reading,
// middleware and `http:<method>` hooks, so an auth check there still answers 401 before a 400): each part the
// route has a schema for (params, query, headers, body, in that order) is validated, and the handler sees
// what the schemas let through (coerced, defaults applied, transformed). Every failing part is reported in
// one 400 (ValidationError). Synchronous unless a Standard Schema answers with a promise.
import type { Exchange } from './exchange';
import type { KrozenRequest } from './request';
import type { Query } from './query';
import { ValidationError } from './http-error';
import type { RequestPart, CompiledRouteSchema } from '../schema/route-schema';
import type { Validation, ValidationIssue } from '../schema/issues';
import { isThenable } from '../base/hook-runner';

type Next = (ex: Exchange) => void;
type Failed = (ex: Exchange, err: unknown) => void;

export function validateRequest(ex: Exchange, schema: CompiledRouteSchema, next: Next, failed: Failed): void {
  const validators = schema.validators;
  let results: Array<Validation | Promise<Validation>> | undefined;
  let pending = false;
  for (let i = 0; i < validators.length; i++) {
    const [part, validate] = validators[i];
    let result: Validation | Promise<Validation>;
    try {
      result = validate(input(ex.req, part));
    } catch (err) {
      failed(ex, err);
      return;
    }
    (results ??= []).push(result);
    if (isThenable(result)) pending = true;
  }
  if (results === undefined) {
    next(ex);
    return;
  }
  if (!pending) {
    settle(ex, schema, results as Validation[], next, failed);
    return;
  }
  Promise.all(results).then(
    (done) => settle(ex, schema, done, next, failed),
    (err) => failed(ex, err),
  );
}

function settle(ex: Exchange, schema: CompiledRouteSchema, results: Validation[], next: Next, failed: Failed): void {
  let issues: ValidationIssue[] | undefined;
  for (const result of results) if (result.issues !== undefined) (issues ??= []).push(...result.issues);
  if (issues !== undefined) {
    failed(ex, new ValidationError(issues));
    return;
  }
  for (let i = 0; i < results.length; i++) apply(ex.req, schema.validators[i][0], results[i].value);
  next(ex);
}

/** What a part's schema checks. Copies where validation may coerce in place what is shared or Node's own. */
function input(req: KrozenRequest, part: RequestPart): unknown {
  switch (part) {
    case 'params':
      return { ...req.params };
    case 'query':
      return req.query;
    case 'headers':
      return { ...req.headers };
    case 'body':
      return req.body;
  }
}

function apply(req: KrozenRequest, part: RequestPart, value: unknown): void {
  switch (part) {
    case 'params':
      req.params = value as Record<string, string>;
      break;
    case 'query':
      req.query = value as Query;
      break;
    case 'headers':
      // A schema that strips unknown keys (zod's default) must not take the other headers away.
      req.headers = { ...req.headers, ...(value as object) };
      break;
    case 'body':
      req.body = value;
      break;
  }
}
