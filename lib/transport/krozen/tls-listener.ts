// settings.tls on the krozen transport: a tls.Server whose TLS sockets the transport drives as it drives TCP
// ones, through their stream path ('data' events, socket.write): a TLSSocket's handle carries ciphertext, so
// direct reads and direct writes are never used on one (direct-read.ts and direct-write.ts refuse it).
// Admission under settings.maxConnections happens on the TCP socket, before the handshake, so handshakes in
// progress count; one that never completes is ended by the handshake timeout (settings/tls.ts).
import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { Settings } from '../../settings/index';
import { tlsServerOptions, type TlsSettings } from '../../settings/tls';
import { listenerFault } from '../../base/listener-guard';

/**
 * A tls.Server calling `accept` with each TLS socket once its handshake is done; `admit` sees every TCP
 * connection first (false: it was refused and closed).
 */
export function createTlsListener(
  settings: Settings,
  admit: (raw: net.Socket) => boolean,
  accept: (socket: tls.TLSSocket) => void,
): tls.Server {
  const options = {
    allowHalfOpen: true,
    noDelay: true,
    ...tlsServerOptions(settings.tls as TlsSettings, settings.headersTimeout),
  };
  const server = tls.createServer(options, accept);
  // tls.Server's own 'connection' listener starts the handshake: it runs only for admitted sockets.
  const startHandshake = server.listeners('connection')[0] as (raw: net.Socket) => void;
  server.removeListener('connection', startHandshake);
  server.on('connection', (raw: net.Socket) => {
    try {
      if (!admit(raw)) return;
    } catch (err) {
      listenerFault('krozen tls connection', err, raw);
      return;
    }
    startHandshake.call(server, raw);
  });
  // A failed or timed-out handshake (garbage, a ClientHello that never comes): that connection ends, no other.
  server.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) => socket.destroy());
  return server;
}
