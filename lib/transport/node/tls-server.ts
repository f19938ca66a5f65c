// TLS for the node:http transport: settings.tls makes the server https.createServer, so HTTPS and WSS share
// the one port. HTTP/1.1 only (settings.http2 passes node:http2's server instead); ALPN and handshake-timeout
// defaults as on the krozen transport.
import * as http from 'node:http';
import * as https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tlsServerOptions, type TlsSettings } from '../../settings/tls';

/** How NodeTransport makes its server: options, settings.tls, the headers timeout, and the request listener. */
export type NodeServerFactory = (
  options: http.ServerOptions,
  tls: TlsSettings | undefined,
  headersTimeout: number,
  listener: http.RequestListener,
) => http.Server;

/** An http.Server, or an https one (same API for requests and upgrades) when `tls` is set. */
export function createNodeServer(
  options: http.ServerOptions,
  tls: TlsSettings | undefined,
  headersTimeout: number,
  listener: http.RequestListener,
): http.Server {
  if (tls === undefined) return http.createServer(options, listener);
  // allowHalfOpen, as http.createServer sets it: https.createServer does not, so a TLS socket would end its
  // writable side at the client's FIN and a half-closed client would lose the answers still being made.
  const server = https.createServer(
    { ...options, allowHalfOpen: true, ...tlsServerOptions(tls, headersTimeout) },
    listener,
  );
  // A failed or timed-out handshake (a ClientHello that never comes) ends that connection: tls.Server only
  // reports it.
  server.on('tlsClientError', (_err: Error, socket: TLSSocket) => socket.destroy());
  return server as unknown as http.Server;
}
