// TLS for the node:http transport: settings.tls makes the server https.createServer, so HTTPS and WSS share
// the one port. HTTP/1.1 only (settings.http2 passes node:http2's server instead).
import * as http from 'node:http';
import * as https from 'node:https';
import type { TlsSettings } from '../../settings/tls';

/** How NodeTransport makes its server: options, settings.tls, and the request listener. */
export type NodeServerFactory = (
  options: http.ServerOptions,
  tls: TlsSettings | undefined,
  listener: http.RequestListener,
) => http.Server;

/** An http.Server, or an https one (same API for requests and upgrades) when `tls` is set. */
export function createNodeServer(
  options: http.ServerOptions,
  tls: TlsSettings | undefined,
  listener: http.RequestListener,
): http.Server {
  if (tls === undefined) return http.createServer(options, listener);
  return https.createServer({ ...options, ...tls }, listener) as unknown as http.Server;
}
