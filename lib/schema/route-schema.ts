// A route's `schema` (params, query, headers, body, response by status) compiled once when the route is
// registered: validators for the request parts, and the response statuses' schemas kept for the serializer.
import type { Schema } from './infer';
import type { JsonSchemaCompiler } from './ajv';
import type { SchemaPart } from './issues';
import { assertSchema, compileValidator, type Validator } from './validator';
import { jsonSchemaOf } from './json-schema';
import { compileSerializer, type Serializer } from './serializer';
import { ErrorCode, KrozenTypeError } from '../base/errors';

/** What a route's `schema` may declare; every part is optional. */
export interface RouteSchema {
  params?: Schema;
  query?: Schema;
  /** Header names in lower case (Node gives them so). */
  headers?: Schema;
  body?: Schema;
  /** Status ('200', 201, '2XX', 'default') → the schema of that answer's body. */
  response?: { readonly [status: string | number]: Schema };
}

/** The request parts a route validates, in the order they are checked and reported. */
export const REQUEST_PARTS = ['params', 'query', 'headers', 'body'] as const satisfies readonly SchemaPart[];
export type RequestPart = (typeof REQUEST_PARTS)[number];

export interface CompiledRouteSchema {
  /** [part, validator] for each part with a schema. */
  readonly validators: ReadonlyArray<readonly [RequestPart, Validator]>;
  /**
   * The serializer for an answer with `status`, compiled from its response schema's JSON Schema; undefined
   * when there is none (no schema for that status, or a Standard Schema without a JSON Schema): JSON.stringify.
   */
  serializerFor(status: number, bigint: boolean): Serializer | undefined;
}

const KEYS = new Set(['params', 'query', 'headers', 'body', 'response']);
const STATUS_KEY = /^(?:[1-5]\d\d|[1-5]XX|default)$/i;

/** Checks and compiles a route's schema; throws a KrozenTypeError naming the route and the part. */
export function compileRouteSchema(
  schema: RouteSchema,
  compiler: JsonSchemaCompiler,
  where: string,
): CompiledRouteSchema {
  if (schema === null || typeof schema !== 'object')
    throw new KrozenTypeError(ErrorCode.INVALID_SCHEMA, `${where}: schema must be an object`);
  for (const key of Object.keys(schema)) {
    if (!KEYS.has(key))
      throw new KrozenTypeError(
        ErrorCode.INVALID_SCHEMA,
        `${where}: unknown schema part "${key}" (expected params, query, headers, body, response)`,
      );
  }
  const validators: Array<readonly [RequestPart, Validator]> = [];
  for (const part of REQUEST_PARTS) {
    const s = schema[part];
    if (s !== undefined) validators.push([part, compileValidator(s, part, compiler, `${where} schema.${part}`)]);
  }
  if (schema.response !== undefined) {
    if (schema.response === null || typeof schema.response !== 'object')
      throw new KrozenTypeError(ErrorCode.INVALID_SCHEMA, `${where}: schema.response must map statuses to schemas`);
    for (const [status, s] of Object.entries(schema.response)) {
      if (!STATUS_KEY.test(status))
        throw new KrozenTypeError(
          ErrorCode.INVALID_SCHEMA,
          `${where}: schema.response key "${status}" is not a status (200, '2XX', 'default')`,
        );
      assertSchema(s, `${where} schema.response[${status}]`);
    }
  }
  return { validators, serializerFor: serializers(schema.response, where) };
}

/** Serializers by status, compiled at registration (a bad $ref fails there) and kept per BigInt mode. */
function serializers(response: RouteSchema['response'], where: string): CompiledRouteSchema['serializerFor'] {
  if (response === undefined) return () => undefined;
  const json = new Map<string, Record<string, unknown>>();
  for (const [status, s] of Object.entries(response)) {
    const j = jsonSchemaOf(s, 'output');
    if (j !== undefined) json.set(status, j);
  }
  if (json.size === 0) return () => undefined;
  const compiled = [new Map<string, Serializer>(), new Map<string, Serializer>()];
  const compile = (key: string, bigint: boolean): Serializer => {
    const cache = compiled[bigint ? 1 : 0];
    let serializer = cache.get(key);
    if (serializer === undefined) {
      try {
        serializer = compileSerializer(json.get(key) as object, { bigint });
      } catch (err) {
        throw new KrozenTypeError(
          ErrorCode.INVALID_SCHEMA,
          `${where} schema.response[${key}]: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      cache.set(key, serializer);
    }
    return serializer;
  };
  for (const key of json.keys()) compile(key, false);
  // Per answer, the status's serializer is one array read: resolving it (String(status), a fresh string to
  // hash, and up to four Map lookups) happens once per status code and BigInt mode. null: no schema for it.
  const statuses = (): Array<Serializer | null | undefined> =>
    new Array<Serializer | null | undefined>(1000).fill(undefined);
  const byStatus = [statuses(), statuses()];
  return (status, bigint) => {
    const memo = byStatus[bigint ? 1 : 0];
    let serializer = memo[status];
    if (serializer === undefined) {
      const key = responseKeyFor(json, status);
      serializer = key === undefined ? null : compile(key, bigint);
      if (Number.isInteger(status) && status >= 0 && status < 1000) memo[status] = serializer;
    }
    return serializer === null ? undefined : serializer;
  };
}

/** The key of the response schema for `status`: the exact code, else its class ('2XX'), else 'default'. */
function responseKeyFor(keys: ReadonlyMap<string, unknown>, status: number): string | undefined {
  const exact = String(status);
  if (keys.has(exact)) return exact;
  const cls = `${Math.floor(status / 100)}XX`;
  if (keys.has(cls)) return cls;
  if (keys.has(cls.toLowerCase())) return cls.toLowerCase();
  return keys.has('default') ? 'default' : undefined;
}
