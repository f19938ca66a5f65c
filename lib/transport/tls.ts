// TLS for the node:http transport: settings.tls = { key, cert, … } (any option of tls.createServer: ca,
// passphrase, pfx, minVersion, ciphers, SNICallback…) makes the server https.createServer, so HTTPS and
// WSS share the one port. HTTP/1.1 only (no HTTP/2).
import * as http from 'node:http';
import * as https from 'node:https';
import type { TlsOptions } from 'node:tls';

/** settings.tls: what tls.createServer accepts; key + cert (or pfx) are required. */
export type TlsSettings = TlsOptions;

/** Throws at startup for TLS settings that cannot serve anything. */
export function checkTlsSettings(tls: TlsSettings | undefined): void {
  if (tls === undefined) return;
  if (tls === null || typeof tls !== 'object') throw new TypeError('settings.tls must be an object: { key, cert, … }');
  if (tls.pfx === undefined && (tls.key === undefined || tls.cert === undefined)) {
    throw new TypeError('settings.tls needs key and cert (PEM strings or Buffers), or pfx');
  }
}

/** An http.Server, or an https one (same API for requests and upgrades) when `tls` is set. */
export function createNodeServer(
  options: http.ServerOptions,
  tls: TlsSettings | undefined,
  listener: http.RequestListener,
): http.Server {
  if (tls === undefined) return http.createServer(options, listener);
  return https.createServer({ ...options, ...tls }, listener) as unknown as http.Server;
}
