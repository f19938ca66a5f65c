// What runs here, for people and for /_internal/info: the mask and JSON implementations (addon or JS twin,
// and why the addon is not in use), how WebSocket sockets are read, and the HTTP transport.
import { jsonBackend, loadError, maskBackend, type JsonBackend, type MaskBackend } from './backend';
import { directReadActive } from './transport/direct-read';
import { rawSocketActive } from './transport/raw-takeover';
import { defaultTransport } from './settings';

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
   * What drives an upgraded WebSocket connection: 'handle' (its TCP handle, the net.Socket let go: see
   * lib/transport/raw-socket.ts) or 'stream' (the net.Socket). 'handle' needs the krozen transport without
   * TLS and direct reads; 'stream' with KROZEN_RAW_SOCKET=0 or on a Node without what it needs.
   */
  wsSocket: 'handle' | 'stream';
  /**
   * What an accepted HTTP/1.1 connection runs on: 'handle' (its TCP handle from the accept on, no net.Socket:
   * lib/transport/raw-accept.ts) or 'stream' (a net.Socket). 'handle' needs what wsSocket 'handle' needs; a
   * connection over maxConnections, or on a listener whose 'connection' event has listeners, gets a net.Socket.
   */
  httpSocket: 'handle' | 'stream';
  /**
   * The HTTP transport: the one asked for (an app's settings.transport, with TLS or without), else
   * the default ('krozen' unless KROZEN_TRANSPORT=node); 'node:http2' with settings.http2.
   */
  server: 'krozen' | 'node:http' | 'node:http2';
  /** Present (true) when the app serves HTTPS and WSS itself (settings.tls), on either transport. */
  tls?: true;
  /** Why the addon is not in use, when it is not. */
  loadError?: string;
}

/** `transport` and `tls`: an app's (servingTransport(settings), settings.tls !== undefined); defaults: the process's. */
export function getBackends(transport: 'krozen' | 'node' | 'http2' = defaultTransport(), tls = false): Backends {
  const backends: Backends = {
    mask: maskBackend,
    json: jsonBackend,
    // A TLS socket is always read through its stream (its handle carries ciphertext).
    wsRead: directReadActive() && !tls ? 'direct' : 'stream',
    wsSocket: transport === 'krozen' && !tls && directReadActive() && rawSocketActive() ? 'handle' : 'stream',
    httpSocket: transport === 'krozen' && !tls && directReadActive() && rawSocketActive() ? 'handle' : 'stream',
    server: transport === 'node' ? 'node:http' : transport === 'http2' ? 'node:http2' : 'krozen',
  };
  if (tls) backends.tls = true;
  if (loadError !== undefined) backends.loadError = loadError;
  return backends;
}
