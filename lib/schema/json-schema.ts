// The JSON Schema view of any schema, for the OpenAPI document and the response serializer: a JSON Schema
// (TypeBox included) as written, without TypeBox's symbol keys; a Standard Schema through its Standard JSON
// Schema converter (zod 4, valibot wrapped in @valibot/to-json-schema's toStandardJsonSchema, arktype);
// undefined when a Standard Schema has none.
import { isStandardSchema } from './standard-schema';
import type { Schema } from './infer';

/** Which side of a transforming schema: what a client sends (input) or what the server sends (output). */
export type SchemaSide = 'input' | 'output';

export function jsonSchemaOf(schema: Schema, side: SchemaSide): Record<string, unknown> | undefined {
  if (isStandardSchema(schema)) {
    const converter = schema['~standard'].jsonSchema;
    if (converter === undefined || typeof converter[side] !== 'function') return undefined;
    try {
      return withoutDialect(converter[side]({ target: 'draft-2020-12' }));
    } catch {
      // A schema the converter cannot express (a custom refinement, a transform): described as any value.
      return undefined;
    }
  }
  return withoutDialect(plain(schema) as Record<string, unknown>);
}

/** JSON data only: symbol keys and functions dropped (TypeBox's Kind marker). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== 'function' && v !== undefined) out[key] = plain(v);
  }
  return out;
}

/** The OpenAPI document declares the dialect once; a `$schema` per schema is noise there. */
function withoutDialect(schema: Record<string, unknown>): Record<string, unknown> {
  if (!('$schema' in schema)) return schema;
  const rest = { ...schema };
  delete rest.$schema;
  return rest;
}
