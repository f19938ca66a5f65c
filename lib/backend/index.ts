// Which implementation runs each hot path, and the hot paths themselves.
import { loadError } from './load';
import { maskBackend, type MaskBackend } from './mask';
import { jsonBackend, type JsonBackend } from './json';
import { directReadActive } from '../transport/direct-read';
import { defaultTransport } from '../settings';

export { mask, unmask, unmaskFrom } from './mask';
export { encodeJson, encodeJsonWithHeadroom, utf8WithHeadroom } from './json';
export type { MaskBackend, JsonBackend };

export interface Backends {
  mask: MaskBackend;
  json: JsonBackend;
  /**
   * How WebSocket sockets are read: 'direct' (into buffers krozen picks, through Node's `onread`
   * internals, see lib/ws/direct-read.ts) or 'stream' (the 'data' events of any Node). 'stream' when
   * KROZEN_WS_STREAM_READ=1, or when this Node line no longer has what direct reads need.
   */
  wsRead: 'direct' | 'stream';
  /**
   * The HTTP transport: the one asked for (an app's settings.transport, 'node' when it serves TLS), else
   * the default ('krozen' unless KROZEN_TRANSPORT=node).
   */
  server: 'krozen' | 'node:http';
  /** Why the addon is not in use, when it is not. */
  loadError?: string;
}

export function getBackends(transport: 'krozen' | 'node' = defaultTransport()): Backends {
  const backends: Backends = {
    mask: maskBackend,
    json: jsonBackend,
    wsRead: directReadActive() ? 'direct' : 'stream',
    server: transport === 'node' ? 'node:http' : 'krozen',
  };
  if (loadError !== undefined) backends.loadError = loadError;
  return backends;
}
