// settings.tls = { key, cert, … }: any option of tls.createServer (ca, passphrase, pfx, minVersion, ciphers,
// SNICallback…); the server then serves HTTPS and WSS on its one port (lib/transport/node/tls-server.ts).
import type { TlsOptions } from 'node:tls';
/** settings.tls: what tls.createServer accepts; key + cert (or pfx) are required. */
export type TlsSettings = TlsOptions;

/** True for TLS settings that can serve: an object with key + cert, or pfx (the settings.tls rule). */
export function hasTlsCredentials(tls: unknown): boolean {
  if (tls === null || typeof tls !== 'object') return false;
  const t = tls as TlsOptions;
  return t.pfx !== undefined || (t.key !== undefined && t.cert !== undefined);
}
