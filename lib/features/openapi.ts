// The OpenAPI 3.1 document served at /_internal/openapi.json, built from the route table.
//
// Choices:
// - `:id` → `{id}`, `*rest` → `{rest}`; nameless captures (bare `*`, a lone `:`) get a made-up name
//   (`wildcard`, `param`, numbered when taken) because OpenAPI needs one. Every path parameter is
//   declared once, on the path item (in: path, required: true, schema string).
// - Templates that differ only in parameter names (GET /u/:id, DELETE /u/:uid: legal, the router
//   has one tree per method) share the first one's path key, since OpenAPI forbids "identical"
//   templates; a client only sees the position. If that path key already has the method (only
//   `:x` vs `*y` at one place), the route keeps its own key so that no operation is lost.
// - HEAD is left out (the server derives it from GET); methods OpenAPI has no field for are skipped.
// - /_internal/* routes are included by default: they are real endpoints of the server and pass
//   through middleware like any route; `includeInternal: false` leaves them out.
// - operationId must be unique: a repeated one gets `_2`, `_3`... (first route keeps it as is).
// - A route's `schema` (openapi-schemas.ts) types its path parameters, adds query and header parameters, the
//   request body, response contents and a 400 for validation failures. The path item's parameters take the
//   schemas of the route that made the item; another route sharing it whose path schemas differ repeats
//   those parameters on its operation (an override, which OpenAPI allows by name and location).
import type { RouteInfo } from '../http/route-info';
import {
  defaultDescription,
  jsonContent,
  operationSchemas,
  SchemaComponents,
  type JsonSchema,
  type MediaContent,
  type OperationSchemas,
  type Parameter,
} from './openapi-schemas';

export interface OpenApiRoute {
  method: string;
  path: string;
  info?: Partial<RouteInfo>;
}

export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
  /** Include routes under /_internal/ (default true). */
  includeInternal?: boolean;
}

export type { Parameter } from './openapi-schemas';

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  parameters?: Parameter[];
  requestBody?: { required: true; content: MediaContent };
  responses: Record<string, { description: string; content?: MediaContent }>;
}

interface PathItem {
  parameters?: Parameter[];
  [method: string]: Operation | Parameter[] | undefined;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description?: string };
  paths: Record<string, PathItem>;
  tags?: Array<{ name: string }>;
  components?: { schemas: Record<string, JsonSchema> };
}

/** The lower-case methods an OpenAPI 3.1 path item has fields for (HEAD excluded on purpose). */
const OPERATION_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'patch', 'trace']);

interface Template {
  key: string;
  /** Same for templates that differ only in parameter names. */
  shape: string;
  parameters: Parameter[];
  /** The route's own name of each path parameter ('' for a nameless capture), by position. */
  captures: string[];
}

export function buildOpenApiDocument(routes: readonly OpenApiRoute[], options: OpenApiOptions): OpenApiDocument {
  const info: OpenApiDocument['info'] = { title: options.title, version: options.version };
  if (options.description !== undefined) info.description = options.description;
  const doc: OpenApiDocument = { openapi: '3.1.0', info, paths: {} };

  const keyByShape = new Map<string, string>();
  const usedIds = new Set<string>();
  const tagNames: string[] = [];
  const components = new SchemaComponents();

  for (const route of routes) {
    const method = route.method.toLowerCase();
    if (!OPERATION_METHODS.has(method)) continue;
    if (options.includeInternal === false && isInternal(route.path)) continue;

    const template = toTemplate(route.path);
    let key = keyByShape.get(template.shape) ?? template.key;
    if (doc.paths[key]?.[method] !== undefined) key = template.key;
    if (doc.paths[key]?.[method] !== undefined) continue; // the very same route twice: describe it once
    if (!keyByShape.has(template.shape)) keyByShape.set(template.shape, key);
    const meta = route.info ?? {};
    const hint = meta.operationId ?? `${method}_${template.key}`;
    const schemas = meta.schema === undefined ? undefined : operationSchemas(meta.schema, components, hint);
    const pathParameters = template.parameters.map((p, i) => {
      const s = schemas?.path.get(template.captures[i]);
      return s === undefined ? p : { ...p, schema: s };
    });
    const parameters: Parameter[] = [];
    let item = doc.paths[key];
    if (item === undefined) {
      item = {};
      if (pathParameters.length > 0) item.parameters = pathParameters;
      doc.paths[key] = item;
    } else {
      // Same shape: the item's parameters are this route's, by position, under the first route's names.
      (item.parameters ?? []).forEach((p, i) => {
        const own = pathParameters[i].schema;
        if (JSON.stringify(own) !== JSON.stringify(p.schema)) parameters.push({ ...p, schema: own });
      });
    }
    if (schemas !== undefined) parameters.push(...schemas.parameters);

    const operation = {} as Operation;
    if (meta.tags !== undefined && meta.tags.length > 0) {
      operation.tags = [...meta.tags];
      for (const tag of meta.tags) if (!tagNames.includes(tag)) tagNames.push(tag);
    }
    if (meta.summary !== undefined) operation.summary = meta.summary;
    if (meta.description !== undefined) operation.description = meta.description;
    if (meta.operationId !== undefined && meta.operationId.length > 0) {
      operation.operationId = uniqueName(meta.operationId, usedIds, '_');
      usedIds.add(operation.operationId);
    }
    if (meta.deprecated === true) operation.deprecated = true;
    if (parameters.length > 0) operation.parameters = parameters;
    if (schemas?.body !== undefined) operation.requestBody = { required: true, content: jsonContent(schemas.body) };
    operation.responses = responsesOf(meta.responses, schemas, components);
    item[method] = operation;
  }

  if (tagNames.length > 0) doc.tags = tagNames.map((name) => ({ name }));
  if (Object.keys(components.schemas).length > 0) doc.components = { schemas: components.schemas };
  return doc;
}

function isInternal(path: string): boolean {
  return path === '/_internal' || path.startsWith('/_internal/');
}

/** The described statuses, then those with only a schema; a 400 for a validating route that has none. */
function responsesOf(
  responses: Record<string, string> | undefined,
  schemas: OperationSchemas | undefined,
  components: SchemaComponents,
): Operation['responses'] {
  const out: Operation['responses'] = {};
  if (responses !== undefined) {
    for (const [code, description] of Object.entries(responses)) out[String(code)] = { description };
  }
  if (schemas !== undefined) {
    for (const [code, schema] of schemas.responses) {
      out[code] = { description: out[code]?.description ?? defaultDescription(code), content: jsonContent(schema) };
    }
    if (schemas.validates && !('400' in out) && !('4XX' in out)) {
      out['400'] = { description: 'Validation failed', content: jsonContent(components.validationError()) };
    }
  }
  if (Object.keys(out).length === 0) out['200'] = { description: 'Success' };
  return out;
}

/** A router path as an OpenAPI path template with its parameters. */
function toTemplate(path: string): Template {
  const normalized = path.length === 0 ? '/' : path.startsWith('/') ? path : '/' + path;
  const segments = normalized.slice(1).split('/');
  const parameters: Parameter[] = [];
  const captures: string[] = [];
  const names = new Set<string>();
  // Named captures first, so a made-up name never takes a name the route itself uses.
  for (const seg of segments) {
    if (isDynamic(seg) && seg.length > 1) names.add(safeName(seg.slice(1)));
  }
  let key = '';
  let shape = '';
  for (const seg of segments) {
    if (!isDynamic(seg)) {
      const encoded = encodeSegment(seg);
      key += '/' + encoded;
      shape += '/' + encoded;
      continue;
    }
    const isWildcard = seg.charCodeAt(0) === 42;
    let name = safeName(seg.slice(1));
    if (name.length === 0) {
      name = uniqueName(isWildcard ? 'wildcard' : 'param', names, '');
      names.add(name);
    }
    const parameter: Parameter = { name, in: 'path', required: true, schema: { type: 'string' } };
    if (isWildcard) parameter.description = "The rest of the path; may be empty and may contain '/'.";
    parameters.push(parameter);
    captures.push(seg.slice(1));
    key += `/{${name}}`;
    shape += '/\0';
  }
  return { key, shape, parameters, captures };
}

function isDynamic(segment: string): boolean {
  const c = segment.charCodeAt(0);
  return c === 58 /* : */ || c === 42; /* * */
}

/** Braces would break the template syntax. */
function safeName(name: string): string {
  return name.replace(/[{}]/g, '_');
}

/** A static segment as it appears in a URL: the router's paths are percent-decoded. */
function encodeSegment(segment: string): string {
  return encodeURI(segment).replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23'));
}

/** `base` if free, else base + sep + 2, 3, ... */
function uniqueName(base: string, used: ReadonlySet<string>, sep: string): string {
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}${sep}${n}`;
    if (!used.has(candidate)) return candidate;
  }
}
