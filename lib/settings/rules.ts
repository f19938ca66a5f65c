// The building blocks of SETTING_RULES (index.ts): a rule is a check plus the words that say what the
// setting accepts, which the error message quotes.

export interface SettingRule {
  readonly check: (value: unknown) => boolean;
  /** What the setting accepts, e.g. "an integer from 0 to 65535". */
  readonly expects: string;
}

export function rule(check: (value: unknown) => boolean, expects: string): SettingRule {
  return { check, expects };
}

export const int = (min: number, max = Number.MAX_SAFE_INTEGER): SettingRule =>
  rule(
    (v) => isIntIn(v, min, max),
    max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`,
  );
export const bool = rule((v) => typeof v === 'boolean', 'true or false');
export const str = rule((v) => typeof v === 'string', 'a string');
export const urlPath = rule((v) => typeof v === 'string' && v.startsWith('/'), "a path starting with '/'");
export const oneOf = (...values: readonly unknown[]): SettingRule =>
  rule((v) => values.includes(v), `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);

/** undefined, or what `r` accepts. */
export const optional = (r: SettingRule): SettingRule =>
  rule((v) => v === undefined || r.check(v), `undefined or ${r.expects}`);

export function isIntIn(v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
  return Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
}

/** An object whose listed fields are each absent or pass their check. */
export function fieldsOk(v: unknown, fields: Record<string, (x: unknown) => boolean>): boolean {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return Object.keys(fields).every((k) => o[k] === undefined || fields[k](o[k]));
}

/** A value as the error message shows it. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return 'an object';
  }
}

/** A frozen deep copy of plain objects and arrays (functions and class instances are kept as they are). */
export function frozenCopy<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(value)) copy[k] = frozenCopy((value as Record<string, unknown>)[k]);
  return Object.freeze(copy) as T;
}
