// Subprotocol negotiation (RFC 6455 §4.1, §4.2.2, §11.3.4): the client offers a list in
// Sec-WebSocket-Protocol; the server answers with exactly one of the offered values, or with no header.

import { isToken } from '../base/http-grammar';

/** The offered subprotocols, in the client's order (repeated header lines joined; empty items dropped). */
export function offeredProtocols(header: string | undefined): string[] {
  if (header === undefined) return [];
  const out: string[] = [];
  for (const part of header.split(',')) {
    const name = part.trim();
    if (name.length > 0 && !out.includes(name)) out.push(name);
  }
  return out;
}

/** Whether every offered name is a token (else the request is malformed: 400). */
export function validOffer(offered: readonly string[]): boolean {
  return offered.every((name) => isToken(name));
}

/** The server's pick: its first preference the client offered, or '' for none. */
export function pickProtocol(preference: readonly string[], offered: readonly string[]): string {
  for (const name of preference) if (offered.includes(name)) return name;
  return '';
}
