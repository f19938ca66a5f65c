// The Origin policy (RFC 6455 §10.2, §4.2.1 item 8): a browser sends the page's origin with every
// WebSocket handshake and, unlike fetch, enforces nothing itself — cookies go along to any site. So a
// page on evil.example can open a socket to this server as the logged-in user (cross-site WebSocket
// hijacking) unless the server checks Origin. Clients that are not browsers send no Origin (or any
// they like); they cannot carry a victim's cookies, so a request without Origin is not refused here.

export type OriginPolicy = 'same-origin' | '*' | readonly string[];

/**
 * Whether a handshake with `origin` (the Origin header) and `host` (the Host header, or a trusted proxy's
 * forwarded host) may proceed. `scheme`: the client's scheme when a trusted proxy said it; 'same-origin' then
 * compares schemes too (without it, the Host alone, read with the Origin's scheme's default port).
 */
export function originAllowed(
  policy: OriginPolicy,
  origin: string | undefined,
  host: string | undefined,
  scheme?: 'http' | 'https',
): boolean {
  if (origin === undefined || policy === '*') return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === null) return false; // 'null' (sandboxed frames, file:) or garbage
  if (policy === 'same-origin') {
    if (scheme !== undefined && normalized.secure !== (scheme === 'https')) return false;
    return host !== undefined && normalized.host === normalizeHost(host, normalized.secure);
  }
  return policy.some((allowed) => {
    const entry = normalizeOrigin(allowed);
    return entry !== null && entry.origin === normalized.origin;
  });
}

interface ParsedOrigin {
  /** scheme://host[:port], lower case, default port left out. */
  origin: string;
  /** host[:port] as in a Host header, lower case, default port left out. */
  host: string;
  secure: boolean;
}

function normalizeOrigin(value: string): ParsedOrigin | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return { origin: url.origin, host: url.host, secure: url.protocol === 'https:' };
  } catch {
    return null;
  }
}

/** The Host header as URL.host gives it (lower case, the scheme's default port dropped). */
function normalizeHost(host: string, secure: boolean): string | null {
  try {
    return new URL(`${secure ? 'https' : 'http'}://${host}`).host;
  } catch {
    return null;
  }
}
