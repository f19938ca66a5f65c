// Types from schemas, so a handler's req.params/query/headers/body and its return value are checked by tsc:
// - a Standard Schema gives its declared output (input for what a client sends is not needed here);
// - a TypeBox schema carries its type in the phantom `static` member;
// - a plain JSON Schema written `as const` (or inline, where the route's `const` type parameter keeps the
//   literal) is read by FromJsonSchema below: the common keywords, no index signature unless
//   additionalProperties says so, so a misspelt property is a compile error.
import type { StandardSchemaV1 } from './standard-schema';

/** A JSON Schema object (draft 2020-12 / OpenAPI 3.1), including TypeBox's Type.* results. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** What a route or endpoint accepts as a schema. */
export type Schema = StandardSchemaV1 | JsonSchema;

/** The value a schema lets through (after a Standard Schema's transforms). */
export type Infer<S> =
  S extends StandardSchemaV1<unknown, infer Output>
    ? Output
    : S extends { readonly static: infer T }
      ? T
      : S extends JsonSchema
        ? FromJsonSchema<S>
        : unknown;

type Simplify<T> = { [K in keyof T]: T[K] };

type Primitive<T> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : never;

/** A JSON Schema literal's type (the keywords people write for request and response bodies). */
export type FromJsonSchema<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly anyOf: readonly unknown[] }
      ? Nullable<S, FromEach<S['anyOf']>>
      : S extends { readonly oneOf: readonly unknown[] }
        ? Nullable<S, FromEach<S['oneOf']>>
        : S extends { readonly type: infer T }
          ? Nullable<S, T extends readonly (infer U)[] ? ByType<S, U> : ByType<S, T>>
          : S extends { readonly properties: object }
            ? Nullable<S, ObjectOf<S>>
            : unknown;

type FromEach<L> = L extends readonly [infer Head, ...infer Tail]
  ? FromJsonSchema<Head> | FromEach<Tail>
  : L extends readonly (infer E)[]
    ? FromJsonSchema<E>
    : never;

/** OpenAPI 3.0's `nullable: true`. */
type Nullable<S, T> = S extends { readonly nullable: true } ? T | null : T;

type ByType<S, T> = T extends 'object' ? ObjectOf<S> : T extends 'array' ? ArrayOf<S> : Primitive<T>;

type ArrayOf<S> = S extends { readonly items: infer I } ? FromJsonSchema<I>[] : unknown[];

type RequiredKeys<S> = S extends { readonly required: readonly (infer R)[] } ? R : never;

type ObjectOf<S> = S extends { readonly properties: infer P }
  ? Simplify<
      { -readonly [K in keyof P as K extends RequiredKeys<S> ? K : never]: FromJsonSchema<P[K]> } & {
        -readonly [K in keyof P as K extends RequiredKeys<S> ? never : K]?: FromJsonSchema<P[K]>;
      } & Additional<S>
    >
  : S extends { readonly additionalProperties: infer A }
    ? A extends false
      ? Record<string, never>
      : A extends true
        ? Record<string, unknown>
        : Record<string, FromJsonSchema<A>>
    : Record<string, unknown>;

type Additional<S> = S extends { readonly additionalProperties: infer A }
  ? A extends false
    ? unknown
    : A extends true
      ? { [key: string]: unknown }
      : { [key: string]: FromJsonSchema<A> }
  : unknown;
