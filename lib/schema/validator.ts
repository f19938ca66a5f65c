// A schema compiled into a validator once, at registration: ajv code for a JSON Schema (TypeBox included),
// the schema's own `validate` for a Standard Schema (zod, valibot, arktype). Nothing is compiled per request.
// A validator returns the value to use (coerced, defaults applied, transformed) or the issues, in one shape
// for every kind (issues.ts); a Standard Schema may answer with a promise.
import { isStandardSchema } from './standard-schema';
import type { Schema } from './infer';
import type { JsonSchemaCompiler } from './ajv';
import { fromAjvErrors, fromStandardIssues, type SchemaPart, type Validation } from './issues';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import { isThenable } from '../base/hook-runner';

export type Validator = (value: unknown) => Validation | Promise<Validation>;

/** Parts whose values arrive as strings, so a JSON Schema coerces them ('42' → 42). */
const STRING_PARTS: ReadonlySet<SchemaPart> = new Set(['params', 'query', 'headers']);

/** Throws a KrozenTypeError naming `where` unless `schema` is a Standard Schema or a JSON Schema object. */
export function assertSchema(schema: unknown, where: string): asserts schema is Schema {
  if (isStandardSchema(schema)) return;
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema))
    throw new KrozenTypeError(
      ErrorCode.INVALID_SCHEMA,
      `${where} must be a Standard Schema (zod, valibot, arktype…) or a JSON Schema object`,
    );
}

export function compileValidator(
  schema: Schema,
  part: SchemaPart,
  compiler: JsonSchemaCompiler,
  where: string,
): Validator {
  assertSchema(schema, where);
  if (isStandardSchema(schema)) {
    const validate = schema['~standard'].validate;
    return (value) => {
      const result = validate(value);
      if (isThenable(result)) return result.then((r) => standardResult(part, r));
      return standardResult(part, result);
    };
  }
  const validate = compiler.compile(schema, STRING_PARTS.has(part), where);
  return (value) => {
    if (validate(value)) return { value };
    return { issues: fromAjvErrors(part, validate.errors ?? []) };
  };
}

function standardResult(
  part: SchemaPart,
  result: {
    readonly value?: unknown;
    readonly issues?: ReadonlyArray<{ message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> }>;
  },
): Validation {
  if (result.issues !== undefined) return { issues: fromStandardIssues(part, result.issues) };
  return { value: result.value };
}
