// The HTTP grammar both transports and the WebSocket handshake check against (RFC 9110 §5.6.2, §5.5):
// one table per character class, indexed by char code, so a check is one load per character.

/** tchar: what a token (a method, a header name, a subprotocol name) is made of. */
export const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1;

/** field-value bytes (RFC 9110 §5.5): VCHAR, SP, HTAB, obs-text. CTLs (NUL, lone CR/LF…) and DEL are refused. */
export const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) FIELD_VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VALUE[c] = 1;

/** Whether `s` (or its part from..to) is a non-empty token. */
export function isToken(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

export type HeaderValue = string | number | readonly string[];
