// The JSON Schema compiler: ajv (with ajv-formats), created once per app on the first JSON Schema it
// registers, so an app without one never loads it. Two instances, as fastify has:
// - `coercing` for params, query and headers, which arrive as strings: '42' passes `type: 'integer'` as 42,
//   and a single query value passes `type: 'array'` as [value] (ajv's coerceTypes: 'array');
// - `strict` for bodies and WebSocket messages: JSON already has types, nothing is coerced.
// Both apply `default`s and report every failure (allErrors), so every schema kind gives the same issues.
import type { AjvErrorLike } from './issues';
import { ErrorCode, KrozenTypeError } from '../base/errors';

/** A compiled ajv validate function, as far as it is read here. */
export interface AjvValidate {
  (value: unknown): boolean;
  errors?: AjvErrorLike[] | null;
}

interface AjvInstance {
  compile(schema: object): AjvValidate;
}

type AjvClass = new (options: Record<string, unknown>) => AjvInstance;

export class JsonSchemaCompiler {
  private coercingAjv: AjvInstance | undefined;
  private strictAjv: AjvInstance | undefined;

  /** Compiles once; throws a KrozenTypeError naming `where` when ajv refuses the schema. */
  compile(schema: object, coerce: boolean, where: string): AjvValidate {
    const ajv = coerce ? (this.coercingAjv ??= create(true)) : (this.strictAjv ??= create(false));
    try {
      return ajv.compile(schema);
    } catch (err) {
      throw new KrozenTypeError(
        ErrorCode.INVALID_SCHEMA,
        `${where}: invalid JSON Schema (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
}

function create(coerce: boolean): AjvInstance {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use: most apps never need it */
  const ajvModule = require('ajv') as { default: AjvClass };
  const addFormats = (require('ajv-formats') as { default: (ajv: AjvInstance) => void }).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ajv = new ajvModule.default({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    allErrors: true,
    // TypeBox and OpenAPI schemas carry keywords ajv does not know (nullable, examples, x-*): not an error.
    strict: false,
    logger: false,
  });
  addFormats(ajv);
  return ajv;
}
