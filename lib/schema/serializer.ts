// A response serializer compiled from a JSON Schema (plain JSON Schema or a TypeBox Type.* value): the
// JavaScript is generated once (new Function) and writes the JSON text of a value projected on the schema.
//
// The projection: an object schema keeps its declared `properties`, in the schema's order (undefined,
// functions and symbols left out, as JSON.stringify does); the value's other own enumerable keys follow,
// in the object's order, only under `additionalProperties: true` or a schema (written under that schema).
// Arrays write `items` (and `prefixItems`) per element. A value with a toJSON function (a Date) is
// replaced by value.toJSON(key) first. Numbers that are NaN or ±Infinity are written as null. `type` as a
// string or an array, `nullable: true`, `enum`, `const`, local `$ref`s (recursion included), `anyOf` /
// `oneOf` (the first branch whose type takes the value) and `allOf` of object schemas are understood.
//
// The generic path — JSON.stringify of the subtree, BigInt-aware under `bigint` — writes a node with no
// type (`{}`, `true`), a type the compiler does not write (TypeBox 'Date', 'Uint8Array'...), anyOf branches
// that cannot be told apart by a cheap check (two object or two array branches), and every value that does
// not conform to its node (a string where a number is declared, null where null is not allowed, an array
// where an object is): such a value is written in full, never projected, so the output is always valid JSON.
//
// A declared property is read as value[name] (a getter on a class prototype is written), except a name
// Object.prototype has (`constructor`, `__proto__`, `toString`...), which is written only if it is the
// value's own. Nesting through recursive $refs deeper than 1,000 calls throws a RangeError.
import { ErrorCode, KrozenTypeError } from '../base/errors';
import { Codegen } from './serializer-codegen';
import { genericWriter, needsEscape, notSerializable, tooDeep } from './serializer-runtime';
import { checkSchema } from './serializer-schema';

export interface SerializerOptions {
  /** settings.jsonBigInt: a BigInt is written as its exact digits; otherwise it throws TypeError like JSON.stringify. */
  bigint: boolean;
}

/** Writes the JSON text of a value projected on its schema. Throws TypeError for a top-level undefined. */
export type Serializer = (value: unknown) => string;

/**
 * Compiles a serializer for `schema`. Throws a KrozenTypeError (code KROZEN_ERR_INVALID_SCHEMA) for a schema
 * that is not an object, a subschema of the wrong kind, or a $ref that does not resolve in the schema.
 */
export function compileSerializer(schema: object, options: SerializerOptions = { bigint: false }): Serializer {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new KrozenTypeError(
      ErrorCode.INVALID_SCHEMA,
      'compileSerializer(schema): schema must be a JSON Schema object',
    );
  }
  const codegen = new Codegen(checkSchema(schema, '#'), options.bigint === true);
  const source = codegen.program();
  const make = new Function('G', 'needsEscape', 'S', 'tooDeep', 'notSerializable', source) as (
    ...args: unknown[]
  ) => Serializer;
  return make(genericWriter(options.bigint === true), needsEscape, codegen.sets, tooDeep, notSerializable);
}

/** The generated source of a serializer (for tests and debugging). */
export function serializerSource(schema: object, options: SerializerOptions = { bigint: false }): string {
  return new Codegen(checkSchema(schema, '#'), options.bigint === true).program();
}
