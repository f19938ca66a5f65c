// Who the client is behind proxies (settings.trustProxy): the socket's peer, unless trusted, is the client;
// a trusted peer's forwarding header (RFC 7239 Forwarded when present and well formed, else
// X-Forwarded-For) is then walked from the nearest hop outwards while each hop is trusted, as proxy-addr
// (and Express) do. The first hop not trusted is the client. Its proto and host come from the same place
// (Forwarded's element for that hop, else X-Forwarded-Proto / X-Forwarded-Host), else from the socket.
import type { IncomingHttpHeaders } from 'node:http';
import type { TrustFn } from '../settings/proxy-trust';
import { parseForwarded, type ForwardedElement } from './forwarded';

export interface ForwardedInfo {
  /** The client's address: the first hop that is not trusted (the socket's peer when it is not trusted). */
  readonly ip: string | undefined;
  /** The trusted chain from the client to the nearest proxy, client first, the socket's peer left out. */
  readonly ips: readonly string[];
  readonly protocol: 'http' | 'https';
  /** Host (or the trusted proxy's forwarded host), port included when one was sent. */
  readonly host: string | undefined;
  /** True when `protocol` came from a trusted proxy's header (the Origin check then compares schemes too). */
  readonly forwardedProtocol: boolean;
}

const NO_IPS: readonly string[] = Object.freeze([]);

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const comma = v.indexOf(',');
  const out = (comma === -1 ? v : v.slice(0, comma)).trim();
  return out === '' ? undefined : out;
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function asProtocol(value: string | undefined): 'http' | 'https' | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  return lower === 'http' || lower === 'https' ? lower : undefined;
}

/** The client, its chain, protocol and host for a request with `headers` from `peer` (TLS: `secure`). */
export function resolveForwarded(
  headers: IncomingHttpHeaders,
  peer: string | undefined,
  trust: TrustFn,
  secure: boolean,
): ForwardedInfo {
  const socketProtocol = secure ? 'https' : 'http';
  const hostHeader = first(headers.host);
  if (peer === undefined || !trust(peer, 0))
    return { ip: peer, ips: NO_IPS, protocol: socketProtocol, host: hostHeader, forwardedProtocol: false };
  const forwarded = joined(headers.forwarded);
  const elements = forwarded === undefined ? null : parseForwarded(forwarded);
  let chain: string[];
  if (elements !== null) chain = elements.map((e) => e.for ?? 'unknown');
  else {
    const xff = joined(headers['x-forwarded-for']);
    chain = xff === undefined ? [] : xff.split(',').map((s) => s.trim());
  }
  // addrs: the socket's peer, then the hops from the nearest outwards; cut after the first untrusted one.
  const addrs = [peer];
  for (let i = chain.length - 1; i >= 0; i--) {
    addrs.push(chain[i]);
    if (!trust(chain[i], addrs.length - 1)) break;
  }
  const hop = addrs.length - 1;
  const ips = addrs.slice(1).reverse();
  let protocol: 'http' | 'https' | undefined;
  let host: string | undefined;
  if (elements !== null) {
    const element: ForwardedElement | undefined = hop === 0 ? undefined : elements[chain.length - hop];
    protocol = asProtocol(element?.proto);
    host = element?.host;
  } else {
    protocol = asProtocol(first(headers['x-forwarded-proto']));
    host = first(headers['x-forwarded-host']);
  }
  return {
    ip: addrs[hop],
    ips,
    protocol: protocol ?? socketProtocol,
    host: host ?? hostHeader,
    forwardedProtocol: protocol !== undefined,
  };
}

/**
 * The client's address of a request or WebSocket upgrade, as settings.trustProxy lets krozen believe it
 * (rate limiting, access logs): `req.ip`.
 */
export function clientIp(req: { readonly ip: string | undefined }): string | undefined {
  return req.ip;
}
