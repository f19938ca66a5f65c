// TLS for the node:http transport: settings.tls = { key, cert, … } (any option of tls.createServer: ca,
// passphrase, pfx, minVersion, ciphers, SNICallback…) makes the server https.createServer, so HTTPS and
// WSS share the one port. HTTP/1.1 only (no HTTP/2).
import * as http from 'node:http';
import * as https from 'node:https';
import type { TlsOptions } from 'node:tls';

/** settings.tls: what tls.createServer accepts; key + cert (or pfx) are required. */
export type TlsSettings = TlsOptions;

/** True for TLS settings that can serve: an object with key + cert, or pfx (the settings.tls rule). */
export function hasTlsCredentials(tls: unknown): boolean {
  if (tls === null || typeof tls !== 'object') return false;
  const t = tls as TlsOptions;
  return t.pfx !== undefined || (t.key !== undefined && t.cert !== undefined);
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
