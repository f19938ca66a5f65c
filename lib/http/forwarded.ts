// RFC 7239 `Forwarded`: one element per proxy hop, in the order the hops were passed (client side first),
// each `for=`, `proto=`, `host=`, `by=` pairs separated by ';', elements by ','. Values are tokens or quoted
// strings (an IPv6 node must be quoted: `for="[2001:db8::1]:4711"`). A malformed header parses to null: the
// caller then ignores it rather than guess.

export interface ForwardedElement {
  /** The node as sent (brackets and port removed from an address: `192.0.2.1`, `2001:db8::1`, `unknown`, `_hidden`). */
  for?: string;
  proto?: string;
  host?: string;
  by?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/** The elements of a Forwarded header (repeated lines joined with ','), or null when it is malformed. */
export function parseForwarded(header: string): ForwardedElement[] | null {
  const elements: ForwardedElement[] = [];
  let element: ForwardedElement = {};
  let i = 0;
  const n = header.length;
  const skipSpace = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  for (;;) {
    skipSpace();
    if (i < n && header[i] !== ',' && header[i] !== ';') {
      // a pair: token "=" (token / quoted-string)
      const nameStart = i;
      while (i < n && TCHAR.test(header[i])) i++;
      if (i === nameStart || header[i] !== '=') return null;
      const name = header.slice(nameStart, i).toLowerCase();
      i++;
      let value: string;
      if (header[i] === '"') {
        value = '';
        i++;
        for (;;) {
          if (i >= n) return null;
          const c = header[i++];
          if (c === '"') break;
          if (c === '\\') {
            if (i >= n) return null;
            value += header[i++];
          } else value += c;
        }
      } else {
        const start = i;
        while (i < n && TCHAR.test(header[i])) i++;
        if (i === start) return null;
        value = header.slice(start, i);
      }
      if (name === 'for' || name === 'by' || name === 'proto' || name === 'host') {
        if (element[name] !== undefined) return null; // §4: each parameter at most once per element
        element[name] = name === 'for' || name === 'by' ? nodeAddress(value) : value;
      }
      skipSpace();
    }
    if (i >= n) break;
    if (header[i] === ';') i++;
    else if (header[i] === ',') {
      elements.push(element);
      element = {};
      i++;
    } else return null;
  }
  elements.push(element);
  return elements;
}

/** `[2001:db8::1]:4711` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`; names (`unknown`, `_x`) as they are. */
function nodeAddress(node: string): string {
  if (node.startsWith('[')) {
    const end = node.indexOf(']');
    return end === -1 ? node : node.slice(1, end);
  }
  const colon = node.indexOf(':');
  return colon !== -1 && colon === node.lastIndexOf(':') ? node.slice(0, colon) : node;
}
