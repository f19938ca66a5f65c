// What a serializer needs to know of a JSON Schema node: its shape (a $ref, a choice between branches, a
// typed node with its object and array parts, or nothing to go on: the generic path). Resolves local $refs
// (JSON pointers into the root, and $id names as TypeBox's Type.Recursive / Type.Ref write them) and
// merges allOf. Symbol keys (TypeBox's [Kind], [OptionalKind]) are never read.
import { ErrorCode, KrozenTypeError } from '../base/errors';

export type Schema = boolean | Record<string, unknown>;

/** A runtime kind of value, as the generated code tells them apart. 'integer' is 'number'. */
export type Category = 'null' | 'object' | 'array' | 'string' | 'number' | 'boolean' | 'bigint';

export const ALL_CATEGORIES: readonly Category[] = ['null', 'object', 'array', 'string', 'number', 'boolean'];

export type Shape =
  | { kind: 'generic' }
  | { kind: 'ref'; target: Schema }
  | { kind: 'anyOf'; branches: Schema[] }
  | {
      kind: 'typed';
      types: Category[];
      properties: Array<[string, Schema]>;
      /** false: undeclared keys dropped; true: kept as they are; a schema: kept, written under it. */
      additional: Schema;
      prefixItems: Schema[];
      items: Schema;
    };

const TYPE_NAMES: Record<string, Category> = {
  null: 'null',
  object: 'object',
  array: 'array',
  string: 'string',
  number: 'number',
  integer: 'number',
  boolean: 'boolean',
  bigint: 'bigint', // TypeBox's Type.BigInt()
};

export function invalidSchema(message: string): KrozenTypeError {
  return new KrozenTypeError(ErrorCode.INVALID_SCHEMA, message);
}

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function get(schema: Record<string, unknown>, key: string): unknown {
  return own(schema, key) ? schema[key] : undefined;
}

export function checkSchema(schema: unknown, where: string): Schema {
  if (typeof schema === 'boolean') return schema;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw invalidSchema(`JSON Schema at ${where} must be an object or a boolean, got ${describe(schema)}`);
  }
  return schema as Record<string, unknown>;
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function categoryOfValue(value: unknown): Category | null {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  return t === 'string' || t === 'number' || t === 'boolean' || t === 'object' || t === 'bigint' ? t : null;
}

export class SchemaContext {
  private readonly ids = new Map<string, Schema>();

  constructor(readonly root: Schema) {
    this.collectIds(root, 0);
  }

  private collectIds(node: unknown, depth: number): void {
    if (typeof node !== 'object' || node === null || depth > 256) return;
    if (Array.isArray(node)) {
      for (const item of node) this.collectIds(item, depth + 1);
      return;
    }
    const id = get(node as Record<string, unknown>, '$id');
    if (typeof id === 'string' && !this.ids.has(id)) this.ids.set(id, node as Schema);
    for (const key of Object.keys(node)) {
      if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'examples') {
        this.collectIds((node as Record<string, unknown>)[key], depth + 1);
      }
    }
  }

  /** The schema a $ref names: '#', '#/json/pointer' into the root, or a $id found in the root. */
  resolve(ref: string): Schema {
    const byId = this.ids.get(ref);
    if (byId !== undefined) return byId;
    if (ref !== '#' && !ref.startsWith('#/'))
      throw invalidSchema(`$ref ${JSON.stringify(ref)} is not a local reference`);
    let node: unknown = this.root;
    for (const raw of ref === '#' ? [] : ref.slice(2).split('/')) {
      let step: string;
      try {
        step = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      } catch {
        throw invalidSchema(`$ref ${JSON.stringify(ref)} is not a valid JSON pointer`);
      }
      if (typeof node !== 'object' || node === null || !own(node, step)) {
        throw invalidSchema(`$ref ${JSON.stringify(ref)} does not resolve in the schema`);
      }
      node = (node as Record<string, unknown>)[step];
    }
    return checkSchema(node, ref);
  }

  /** Follows $ref chains to a schema that is not a bare $ref (a chain of 100 is refused as a cycle). */
  deref(schema: Schema): Schema {
    for (let hops = 0; typeof schema === 'object'; hops++) {
      const ref = get(schema, '$ref');
      if (typeof ref !== 'string') return schema;
      if (hops === 100) throw invalidSchema(`$ref ${JSON.stringify(ref)}: a cycle of references`);
      schema = this.resolve(ref);
    }
    return schema;
  }

  shape(schema: Schema): Shape {
    if (typeof schema === 'boolean') return { kind: 'generic' };
    const ref = get(schema, '$ref');
    if (typeof ref === 'string') return { kind: 'ref', target: this.resolve(ref) };
    const allOf = get(schema, 'allOf');
    if (Array.isArray(allOf) && allOf.length > 0) return this.shape(this.mergeAllOf(schema, allOf, 0));
    const typed = this.typed(schema);
    if (typed !== null) return typed;
    const anyOf = get(schema, 'anyOf') ?? get(schema, 'oneOf');
    if (Array.isArray(anyOf) && anyOf.length > 0) {
      return { kind: 'anyOf', branches: anyOf.map((b, i) => checkSchema(b, `anyOf[${i}]`)) };
    }
    return { kind: 'generic' };
  }

  /** The categories a schema writes through a typed path, or null when any value takes the generic path. */
  categories(schema: Schema, depth = 0): Set<Category> | null {
    if (depth > 64) return null;
    const shape = this.shape(this.deref(schema));
    if (shape.kind === 'typed') return new Set(shape.types);
    if (shape.kind === 'anyOf') {
      const all = new Set<Category>();
      for (const branch of shape.branches) {
        const cats = this.categories(branch, depth + 1);
        if (cats === null) return null;
        for (const c of cats) all.add(c);
      }
      return all;
    }
    return null;
  }

  private typed(schema: Record<string, unknown>): Shape | null {
    let types: Category[] | null = null;
    const type = get(schema, 'type');
    if (typeof type === 'string' || Array.isArray(type)) {
      types = [];
      for (const name of Array.isArray(type) ? type : [type]) {
        const cat = typeof name === 'string' && own(TYPE_NAMES, name) ? TYPE_NAMES[name] : undefined;
        if (cat === undefined) return null; // a type we cannot write ('Date', 'Uint8Array'...): generic
        types.push(cat);
      }
    } else if (own(schema, 'const') || Array.isArray(get(schema, 'enum'))) {
      const values = own(schema, 'const') ? [schema.const] : (schema.enum as unknown[]);
      types = [];
      for (const value of values) {
        const cat = categoryOfValue(value);
        if (cat === null || cat === 'object' || cat === 'array') return null; // compound constants: generic
        types.push(cat);
      }
    } else if (['properties', 'additionalProperties', 'required'].some((k) => own(schema, k))) {
      types = ['object'];
    } else if (own(schema, 'items') || own(schema, 'prefixItems')) {
      types = ['array'];
    }
    if (types === null) return null;
    if (get(schema, 'nullable') === true) types.push('null');
    const properties: Array<[string, Schema]> = [];
    const props = get(schema, 'properties');
    if (typeof props === 'object' && props !== null) {
      for (const name of Object.keys(props)) {
        properties.push([name, checkSchema((props as Record<string, unknown>)[name], `properties.${name}`)]);
      }
    }
    const additional = get(schema, 'additionalProperties');
    const prefix = get(schema, 'prefixItems');
    const items = get(schema, 'items');
    return {
      kind: 'typed',
      types: [...new Set(types)],
      properties,
      additional: additional === undefined ? false : checkSchema(additional, 'additionalProperties'),
      prefixItems: Array.isArray(prefix) ? prefix.map((s, i) => checkSchema(s, `prefixItems[${i}]`)) : [],
      // items: [a, b] is the tuple form of drafts before 2020-12
      items: items === undefined || Array.isArray(items) ? true : checkSchema(items, 'items'),
    };
  }

  /**
   * allOf: the schema's own keywords, then each branch's (a $ref followed, a nested allOf flattened):
   * properties merged in order (the first declaration of a name keeps its place and schema), `type` and
   * `nullable` from the first part that has them, additionalProperties from the last part that sets it.
   */
  private mergeAllOf(schema: Record<string, unknown>, allOf: unknown[], depth: number): Schema {
    if (depth > 32) throw invalidSchema('allOf nests too deep');
    const merged: Record<string, unknown> = {};
    const properties: Record<string, unknown> = {};
    const parts: Schema[] = [{ ...schema, allOf: undefined }];
    allOf.forEach((b, i) => parts.push(this.deref(checkSchema(b, `allOf[${i}]`))));
    for (let part of parts) {
      if (typeof part === 'boolean') continue;
      const inner = get(part, 'allOf');
      if (Array.isArray(inner) && inner.length > 0) part = this.mergeAllOf(part, inner, depth + 1) as typeof part;
      for (const key of ['type', 'nullable', 'items', 'prefixItems', 'enum', 'const', 'anyOf', 'oneOf']) {
        if (own(part, key) && part[key] !== undefined && !own(merged, key)) merged[key] = part[key];
      }
      if (own(part, 'additionalProperties')) merged.additionalProperties = part.additionalProperties;
      const props = get(part, 'properties');
      if (typeof props === 'object' && props !== null) {
        for (const name of Object.keys(props)) {
          if (!own(properties, name)) {
            Object.defineProperty(properties, name, {
              value: (props as Record<string, unknown>)[name],
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
        }
        merged.properties = properties;
      }
    }
    return merged;
  }
}
