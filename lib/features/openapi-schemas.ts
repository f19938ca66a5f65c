// A route's `schema` in OpenAPI terms: query and header parameters, the request body, response contents and
// the schemas of path parameters, from the JSON Schema view of each part (lib/schema/json-schema.ts).
//
// Choices:
// - Schemas are inline, except when a JSON Schema refers into itself (`$ref: '#'`, `#/$defs/Name`, zod's
//   recursive and `.meta({ id })` schemas): inside the document such a pointer would mean the document's root,
//   so its `$defs` (and `definitions`) move to components.schemas, the root goes there too, and the pointers
//   are rewritten to `#/components/schemas/...`. A component with the same name and content is shared.
// - A Standard Schema without a JSON Schema converter is `{}` (any value); query and header parameters are
//   then unknown and left out.
// - Header parameters named content-type, accept or authorization are left out (OpenAPI ignores them there).
// - Any request schema means a 400 with the validation error shape: `ValidationError` in components.
import { jsonSchemaOf, type SchemaSide } from '../schema/json-schema';
import type { RouteSchema } from '../schema/route-schema';
import type { Schema } from '../schema/infer';

export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface MediaContent {
  'application/json': { schema: JsonSchema };
}

/** What one route's schema adds to its operation. */
export interface OperationSchemas {
  /** The route's own path parameter name → its schema. */
  path: Map<string, JsonSchema>;
  /** Query, then header parameters. */
  parameters: Parameter[];
  body?: JsonSchema;
  /** Status key as OpenAPI spells it ('201', '4XX', 'default') → the answer's body schema. */
  responses: Map<string, JsonSchema>;
  /** True when the route validates something of the request, so it may answer 400. */
  validates: boolean;
}

const FORBIDDEN_HEADERS = new Set(['content-type', 'accept', 'authorization']);
const DEF_KEYS = ['$defs', 'definitions'];
/** Keywords whose values are data, not schemas: a `$ref` key in there is left alone. */
const DATA_KEYS = new Set(['const', 'default', 'enum', 'examples', 'example']);
/** Keywords whose values map names to schemas. */
const NAME_MAPS = new Set(['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']);

/** The components.schemas section being filled while the document is built. */
export class SchemaComponents {
  readonly schemas: Record<string, JsonSchema> = {};

  /** The validation failure body (lib/schema/issues.ts) as a reference to a shared component. */
  validationError(): JsonSchema {
    const shape: JsonSchema = {
      type: 'object',
      properties: {
        error: { type: 'string' },
        issues: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              in: { type: 'string', enum: ['params', 'query', 'headers', 'body'] },
              path: { type: 'string', description: 'JSON Pointer into that part of the request' },
              message: { type: 'string' },
            },
            required: ['in', 'path', 'message'],
          },
        },
      },
      required: ['error', 'issues'],
    };
    return { $ref: `#/components/schemas/${this.add('ValidationError', shape)}` };
  }

  /**
   * A JSON Schema as it may sit inside the document: `root` with its pointers rewritten (its properties may be
   * taken apart), `use` what to place where the schema goes (`root` itself, or a `$ref` to it).
   */
  embed(json: JsonSchema, hint: string): { root: JsonSchema; use: JsonSchema } {
    if (!hasLocalRef(json)) return { root: json, use: json };
    const root: JsonSchema = { ...json };
    const renames = new Map<string, string>();
    const defs: Array<[string, JsonSchema]> = [];
    for (const defKey of DEF_KEYS) {
      const group = root[defKey];
      delete root[defKey];
      if (group === null || typeof group !== 'object') continue;
      for (const [name, def] of Object.entries(group as Record<string, JsonSchema>)) {
        defs.push([`#/${defKey}/${escapePointer(name)}`, def]);
      }
    }
    // Names first (a def may point at another one), then the rewritten contents. A def pointing nowhere is
    // stored at once, shared with an equal one of the same name (zod's `.meta({ id })` used by several routes).
    const rootName = this.reserve(hint);
    const pending: Array<[string, JsonSchema]> = [];
    for (const [pointer, def] of defs) {
      const base = unescapePointer(pointer.slice(pointer.lastIndexOf('/') + 1));
      if (hasLocalRef(def)) {
        renames.set(pointer, this.reserve(base));
        pending.push([pointer, def]);
      } else renames.set(pointer, this.add(base, def));
    }
    const rewrite = (ref: string): string => {
      if (ref === '#') return `#/components/schemas/${rootName}`;
      for (const [pointer, name] of renames) {
        if (ref === pointer || ref.startsWith(pointer + '/'))
          return `#/components/schemas/${name}${ref.slice(pointer.length)}`;
      }
      return ref.startsWith('#/') ? `#/components/schemas/${rootName}${ref.slice(1)}` : ref;
    };
    for (const [pointer, def] of pending)
      this.settle(renames.get(pointer) as string, rewriteRefs(def, rewrite) as JsonSchema);
    const rewritten = rewriteRefs(root, rewrite) as JsonSchema;
    const name = this.settle(rootName, rewritten);
    return { root: rewritten, use: { $ref: `#/components/schemas/${name}` } };
  }

  private readonly reserved = new Set<string>();

  /** A free component name close to `base`. */
  private reserve(base: string): string {
    const safe = base.replace(/[^A-Za-z0-9._-]/g, '_') || 'Schema';
    let name = safe;
    for (let n = 2; name in this.schemas || this.reserved.has(name); n++) name = `${safe}_${n}`;
    this.reserved.add(name);
    return name;
  }

  /** Stores `schema` under its reserved name. */
  private settle(name: string, schema: JsonSchema): string {
    this.schemas[name] = schema;
    this.reserved.delete(name);
    return name;
  }

  /** `schema` under `name`, or the name it already has there. */
  private add(name: string, schema: JsonSchema): string {
    if (name in this.schemas && JSON.stringify(this.schemas[name]) === JSON.stringify(schema)) return name;
    return this.settle(this.reserve(name), schema);
  }
}

/** What `schema` adds to an operation; `hint` names its components (the operationId, else method and path). */
export function operationSchemas(schema: RouteSchema, components: SchemaComponents, hint: string): OperationSchemas {
  const view = (s: Schema, side: SchemaSide, part: string) => {
    const json = jsonSchemaOf(s, side);
    return json === undefined ? undefined : components.embed(json, `${hint}_${part}`);
  };
  const out: OperationSchemas = { path: new Map(), parameters: [], responses: new Map(), validates: false };
  out.validates = ['params', 'query', 'headers', 'body'].some((p) => schema[p as keyof RouteSchema] !== undefined);

  if (schema.params !== undefined) {
    const json = view(schema.params, 'input', 'params');
    for (const [name, s] of properties(json?.root)) out.path.set(name, s);
  }
  for (const [part, place] of [
    ['query', 'query'],
    ['headers', 'header'],
  ] as const) {
    const s = schema[part];
    if (s === undefined) continue;
    const json = view(s, 'input', part)?.root;
    const required = new Set(Array.isArray(json?.required) ? (json.required as unknown[]) : []);
    for (const [name, propSchema] of properties(json)) {
      if (place === 'header' && FORBIDDEN_HEADERS.has(name.toLowerCase())) continue;
      const parameter: Parameter = { name, in: place } as Parameter;
      if (required.has(name)) parameter.required = true;
      if (typeof propSchema.description === 'string') parameter.description = propSchema.description;
      parameter.schema = propSchema;
      out.parameters.push(parameter);
    }
  }
  if (schema.body !== undefined) out.body = view(schema.body, 'input', 'body')?.use ?? {};
  if (schema.response !== undefined) {
    for (const [status, s] of Object.entries(schema.response)) {
      const key = status.toLowerCase() === 'default' ? 'default' : status.toUpperCase();
      out.responses.set(key, view(s, 'output', `response_${key}`)?.use ?? {});
    }
  }
  return out;
}

/** `{ content: { 'application/json': { schema } } }`'s inner part. */
export function jsonContent(schema: JsonSchema): MediaContent {
  return { 'application/json': { schema } };
}

/** A description for a status that has a schema but none from `responses`. */
export function defaultDescription(status: string): string {
  const c = status.charAt(0);
  if (c === '2') return 'Success';
  if (c === '1') return 'Informational';
  if (c === '3') return 'Redirection';
  if (c === '4') return 'Client error';
  if (c === '5') return 'Server error';
  return 'Response';
}

/** The object's properties as [name, schema] (booleans as schemas: `true` → `{}`, `false` → `{ not: {} }`). */
function properties(json: JsonSchema | undefined): Array<[string, JsonSchema]> {
  const props = json?.properties;
  if (props === null || typeof props !== 'object') return [];
  return Object.entries(props as Record<string, unknown>).map(([name, s]) => [
    name,
    s === false ? { not: {} } : s !== null && typeof s === 'object' ? (s as JsonSchema) : {},
  ]);
}

function hasLocalRef(schema: unknown): boolean {
  let found = false;
  walk(schema, (ref) => {
    found = true;
    return ref;
  });
  return found;
}

/** A copy of `schema` with every local `$ref` passed through `rewrite`. */
function rewriteRefs(schema: unknown, rewrite: (ref: string) => string): unknown {
  return walk(schema, rewrite);
}

/** Copies a schema, passing each local `$ref` through `onRef`; data (const, enum…) and names are not schemas. */
function walk(value: unknown, onRef: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, onRef));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === '$ref' && typeof v === 'string' && v.startsWith('#')) out[key] = onRef(v);
    else if (DATA_KEYS.has(key)) out[key] = v;
    else if (NAME_MAPS.has(key) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const map: Record<string, unknown> = {};
      for (const [name, s] of Object.entries(v as Record<string, unknown>)) map[name] = walk(s, onRef);
      out[key] = map;
    } else out[key] = walk(v, onRef);
  }
  return out;
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** A name as a JSON Pointer token (RFC 6901). */
function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
