// One shape for a validation failure, whatever validated: `{ in, path, message }` with `path` a JSON Pointer
// (RFC 6901) into the part of the request or message that failed ('' for the whole value).
import type { StandardSchemaV1 } from './standard-schema';

/** The part of a request (or a WebSocket message) a schema checks. */
export type SchemaPart = 'params' | 'query' | 'headers' | 'body' | 'message';

export interface ValidationIssue {
  in: SchemaPart;
  /** JSON Pointer into that part: '/items/0/qty'. */
  path: string;
  message: string;
}

/** What a compiled validator returns: the value to use (coerced, defaults applied, transformed) or the issues. */
export type Validation =
  | { readonly value: unknown; readonly issues?: undefined }
  | { readonly value?: undefined; readonly issues: ValidationIssue[] };

/** '~' → '~0', '/' → '~1' (RFC 6901). */
function escapeToken(token: string): string {
  return token.indexOf('~') === -1 && token.indexOf('/') === -1
    ? token
    : token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A path as a JSON Pointer from its segments. */
export function pointer(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of segments) out += '/' + escapeToken(String(segment));
  return out;
}

/** A Standard Schema failure in the common shape. */
export function fromStandardIssues(part: SchemaPart, issues: ReadonlyArray<StandardSchemaV1.Issue>): ValidationIssue[] {
  return issues.map((issue) => {
    const segments: PropertyKey[] = [];
    if (issue.path !== undefined) {
      for (const seg of issue.path) segments.push(typeof seg === 'object' && seg !== null ? seg.key : seg);
    }
    return { in: part, path: pointer(segments), message: issue.message };
  });
}

/** The fields of an ajv ErrorObject read here. */
export interface AjvErrorLike {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** An ajv failure in the common shape: a missing or extra property is named in the path, as the others do. */
export function fromAjvErrors(part: SchemaPart, errors: ReadonlyArray<AjvErrorLike>): ValidationIssue[] {
  return errors.map((e) => {
    let path = e.instancePath;
    const extra =
      e.keyword === 'required'
        ? e.params.missingProperty
        : e.keyword === 'additionalProperties'
          ? e.params.additionalProperty
          : undefined;
    if (typeof extra === 'string') path += '/' + escapeToken(extra);
    return { in: part, path, message: e.message ?? e.keyword };
  });
}
