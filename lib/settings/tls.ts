// settings.tls = { key, cert, … }: any option of tls.createServer (ca, passphrase, pfx, minVersion, ciphers,
// SNICallback…); the server then serves HTTPS and WSS on its one port, on either transport
// (lib/transport/krozen/tls-listener.ts, lib/transport/node/tls-server.ts).
import type { TlsOptions } from 'node:tls';
/** settings.tls: what tls.createServer accepts; key + cert (or pfx) are required. */
export type TlsSettings = TlsOptions;

/** True for TLS settings that can serve: an object with key + cert, or pfx (the settings.tls rule). */
export function hasTlsCredentials(tls: unknown): boolean {
  if (tls === null || typeof tls !== 'object') return false;
  const t = tls as TlsOptions;
  return t.pfx !== undefined || (t.key !== undefined && t.cert !== undefined);
}

/** How long a TLS handshake may take when settings.tls leaves handshakeTimeout unset (Node's default, ms). */
const HANDSHAKE_TIMEOUT_MAX = 120_000;

/**
 * The protocols offered by ALPN: settings.tls.ALPNProtocols as given, else HTTP/1.1 only (so a client that
 * asks gets a clean answer); undefined with an ALPNCallback (Node refuses both at once).
 */
export function alpnProtocols(tls: TlsSettings): TlsOptions['ALPNProtocols'] {
  if (tls.ALPNCallback !== undefined) return undefined;
  return tls.ALPNProtocols ?? ['http/1.1'];
}

/**
 * The handshake deadline, ms: settings.tls.handshakeTimeout when given, else settings.headersTimeout (a
 * client that never finishes its ClientHello is a client that never sends its head), else Node's 120 s.
 */
export function handshakeTimeout(tls: TlsSettings, headersTimeout: number): number {
  if (tls.handshakeTimeout !== undefined) return tls.handshakeTimeout;
  return headersTimeout > 0 ? Math.min(headersTimeout, HANDSHAKE_TIMEOUT_MAX) : HANDSHAKE_TIMEOUT_MAX;
}

/** tls.createServer options for settings.tls: the user's, with krozen's ALPN and handshake defaults. */
export function tlsServerOptions(tls: TlsSettings, headersTimeout: number): TlsOptions {
  const options: TlsOptions = { ...tls, handshakeTimeout: handshakeTimeout(tls, headersTimeout) };
  const alpn = alpnProtocols(tls);
  if (alpn !== undefined) options.ALPNProtocols = alpn;
  return options;
}
