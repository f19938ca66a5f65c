// The hot paths, each from the addon or its JS twin (which one runs: lib/diagnostics.ts, getBackends()).
import type { MaskBackend } from './mask';
import type { JsonBackend } from './json';

export { mask, unmask, unmaskFrom } from './mask';
export { encodeJson, encodeJsonWithHeadroom, utf8WithHeadroom } from './json';
export type { MaskBackend, JsonBackend };
export { maskBackend } from './mask';
export { jsonBackend } from './json';
export { loadError } from './load';
