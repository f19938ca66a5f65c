// Security headers as a plugin: `app.plugin(securityHeaders())`, helmet's defaults. They are added in the
// `response` hook, which sees every answer the pipeline makes (200s, 404, 405, 413, 429, 500, HttpErrors),
// and only where the answer has no such header yet, so a route can send its own (a page meant for framing).
// HSTS goes only on answers to requests that came over TLS: a browser ignores it over plain HTTP, and a
// development server on http://localhost should not pin the name to HTTPS.
import type { PluginHost } from './host';
import type { Request } from '../http/types';
import type { Response } from '../http/response';
import { ErrorCode, KrozenTypeError } from '../base/errors';

/** CSP directives by name (`'default-src'` or `defaultSrc`): sources, `true` for a bare one, `false` to drop a default. */
export type CspDirectives = Record<string, string | readonly string[] | boolean>;

export interface CspOptions {
  directives?: CspDirectives;
  /** Merge `directives` into the default set (default true); false: only `directives`. */
  useDefaults?: boolean;
  /** Send Content-Security-Policy-Report-Only instead (the browser reports, blocks nothing). */
  reportOnly?: boolean;
}

export interface HstsOptions {
  /** Seconds (default 31536000, a year). */
  maxAge?: number;
  /** Default true. */
  includeSubDomains?: boolean;
  /** Default false (hstspreload.org asks for it only once you mean it). */
  preload?: boolean;
}

/** Each header: its value, or false to leave it out. */
export interface SecurityHeadersOptions {
  /** Content-Security-Policy: off by default (a policy must fit the pages); true: DEFAULT_CSP. */
  contentSecurityPolicy?: boolean | CspOptions;
  /** Cross-Origin-Opener-Policy (default 'same-origin'). */
  crossOriginOpenerPolicy?: string | false;
  /** Cross-Origin-Resource-Policy (default 'same-origin'). */
  crossOriginResourcePolicy?: string | false;
  /** Origin-Agent-Cluster: ?1 (default true). */
  originAgentCluster?: boolean;
  /** Referrer-Policy (default 'no-referrer'). */
  referrerPolicy?: string | false;
  /** Strict-Transport-Security, on TLS requests only (default max-age=31536000; includeSubDomains). */
  strictTransportSecurity?: boolean | HstsOptions;
  /** X-Content-Type-Options: nosniff (default true). */
  xContentTypeOptions?: boolean;
  /** X-DNS-Prefetch-Control (default 'off'). */
  xDnsPrefetchControl?: 'on' | 'off' | false;
  /** X-Frame-Options (default 'SAMEORIGIN'). */
  xFrameOptions?: 'SAMEORIGIN' | 'DENY' | false;
  /** X-Permitted-Cross-Domain-Policies (default 'none'). */
  xPermittedCrossDomainPolicies?: string | false;
  /** X-XSS-Protection: 0 (default true: turns off the old browsers' XSS auditor, itself a leak). */
  xXssProtection?: boolean;
}

/** The CSP `contentSecurityPolicy: true` sends (helmet's default set). */
export const DEFAULT_CSP: Readonly<CspDirectives> = Object.freeze({
  'default-src': "'self'",
  'base-uri': "'self'",
  'font-src': ["'self'", 'https:', 'data:'],
  'form-action': "'self'",
  'frame-ancestors': "'self'",
  'img-src': ["'self'", 'data:'],
  'object-src': "'none'",
  'script-src': "'self'",
  'script-src-attr': "'none'",
  'style-src': ["'self'", 'https:', "'unsafe-inline'"],
  'upgrade-insecure-requests': true,
});

/** The plugin securityHeaders() returns (a krozen Plugin: app.plugin(securityHeaders())). */
export interface SecurityHeadersPlugin {
  name: 'security-headers';
  setup(app: PluginHost): void;
}

function bad(what: string): never {
  throw new KrozenTypeError(ErrorCode.INVALID_OPTION, `securityHeaders: ${what}`);
}

/** A header value from an option: its default, the given string, or nothing. */
function value(option: string | boolean | undefined, fallback: string, what: string): string | undefined {
  if (option === undefined || option === true) return fallback;
  if (option === false) return undefined;
  if (typeof option !== 'string' || !/^[\x20-\x7e]+$/.test(option)) bad(`${what} must be a string or false`);
  return option;
}

function cspHeader(option: boolean | CspOptions | undefined): [string, string] | undefined {
  if (option === undefined || option === false) return undefined;
  const opts: CspOptions = option === true ? {} : option;
  if (opts === null || typeof opts !== 'object') bad('contentSecurityPolicy must be true, false or { directives }');
  const merged: Record<string, string | readonly string[] | boolean> =
    opts.useDefaults === false ? {} : { ...DEFAULT_CSP };
  for (const [raw, v] of Object.entries(opts.directives ?? {})) {
    const name = raw.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (!/^[a-z][a-z-]*$/.test(name)) bad(`unknown CSP directive name "${raw}"`);
    merged[name] = v;
  }
  const parts: string[] = [];
  for (const [name, v] of Object.entries(merged)) {
    if (v === false) continue;
    if (v === true) {
      parts.push(name);
      continue;
    }
    const sources = typeof v === 'string' ? [v] : v;
    for (const s of sources)
      if (typeof s !== 'string' || !/^[\x21-\x2b\x2d-\x3a\x3c-\x7e]+$/.test(s))
        bad(`CSP ${name}: a source must be printable ASCII without spaces, ';' or ','`);
    parts.push(sources.length === 0 ? name : `${name} ${sources.join(' ')}`);
  }
  if (parts.length === 0) bad('contentSecurityPolicy has no directives');
  const header = opts.reportOnly ? 'content-security-policy-report-only' : 'content-security-policy';
  return [header, parts.join('; ')];
}

function hstsValue(option: boolean | HstsOptions | undefined): string | undefined {
  if (option === false) return undefined;
  const o: HstsOptions = option === undefined || option === true ? {} : option;
  const maxAge = o.maxAge ?? 31_536_000;
  if (!Number.isInteger(maxAge) || maxAge < 0) bad('strictTransportSecurity.maxAge must be an integer >= 0');
  let v = `max-age=${maxAge}`;
  if (o.includeSubDomains !== false) v += '; includeSubDomains';
  if (o.preload === true) v += '; preload';
  return v;
}

/** Whether the request reached this server over TLS (settings.tls: the node transport serves HTTPS). */
function overTls(app: PluginHost, req: Request): boolean {
  // A `protocol` from a trusted proxy (X-Forwarded-Proto), where the request offers one.
  const proto = (req as { protocol?: unknown }).protocol;
  return proto === undefined ? app.settings.tls !== undefined : proto === 'https';
}

export function securityHeaders(options: SecurityHeadersOptions = {}): SecurityHeadersPlugin {
  if (options === null || typeof options !== 'object') bad('options must be an object');
  const o = options;
  const pairs: Array<[string, string | undefined]> = [
    ['cross-origin-opener-policy', value(o.crossOriginOpenerPolicy, 'same-origin', 'crossOriginOpenerPolicy')],
    ['cross-origin-resource-policy', value(o.crossOriginResourcePolicy, 'same-origin', 'crossOriginResourcePolicy')],
    ['origin-agent-cluster', o.originAgentCluster === false ? undefined : '?1'],
    ['referrer-policy', value(o.referrerPolicy, 'no-referrer', 'referrerPolicy')],
    ['x-content-type-options', o.xContentTypeOptions === false ? undefined : 'nosniff'],
    ['x-dns-prefetch-control', value(o.xDnsPrefetchControl, 'off', 'xDnsPrefetchControl')],
    ['x-frame-options', value(o.xFrameOptions, 'SAMEORIGIN', 'xFrameOptions')],
    [
      'x-permitted-cross-domain-policies',
      value(o.xPermittedCrossDomainPolicies, 'none', 'xPermittedCrossDomainPolicies'),
    ],
    ['x-xss-protection', o.xXssProtection === false ? undefined : '0'],
  ];
  const csp = cspHeader(o.contentSecurityPolicy);
  if (csp !== undefined) pairs.push(csp);
  const always = pairs.filter((p): p is [string, string] => p[1] !== undefined);
  const hsts = hstsValue(o.strictTransportSecurity);

  return {
    name: 'security-headers',
    setup(app: PluginHost) {
      app.onResponse((req: Request, res: Response) => {
        const headers = res.headers;
        for (let i = 0; i < always.length; i++) {
          const [name, v] = always[i];
          if (headers[name] === undefined) headers[name] = v;
        }
        if (hsts !== undefined && headers['strict-transport-security'] === undefined && overTls(app, req))
          headers['strict-transport-security'] = hsts;
      });
    },
  };
}
