// Which implementation runs each hot path, and the hot paths themselves.
import { loadError } from './load';
import { maskBackend, type MaskBackend } from './mask';
import { jsonBackend, type JsonBackend } from './json';

export { mask, unmask, unmaskFrom } from './mask';
export { encodeJson, encodeJsonWithHeadroom, utf8WithHeadroom } from './json';
export type { MaskBackend, JsonBackend };

export interface Backends {
  mask: MaskBackend;
  json: JsonBackend;
  /** The HTTP transport under the framework. */
  server: 'node:http';
  /** Why the addon is not in use, when it is not. */
  loadError?: string;
}

export function getBackends(): Backends {
  const backends: Backends = { mask: maskBackend, json: jsonBackend, server: 'node:http' };
  if (loadError !== undefined) backends.loadError = loadError;
  return backends;
}
