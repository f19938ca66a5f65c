// settings.http2: HTTP/2 through node:http2 (lib/transport/http2/). Over TLS (`true`) ALPN offers h2 then
// http/1.1 on the one port, so HTTP/1.1 clients and WebSocket upgrades keep working; without TLS only 'h2c'
// (prior knowledge) makes sense, since browsers never speak cleartext HTTP/2: `true` without tls is refused.
import { ErrorCode, KrozenTypeError } from '../base/errors';
import { rule } from './rules';

/** false: HTTP/1.1 only; true: h2 + http/1.1 by ALPN over settings.tls; 'h2c': cleartext HTTP/2 only. */
export type Http2Setting = boolean | 'h2c';

export const http2Rule = rule(
  (v) => v === true || v === false || v === 'h2c',
  "false, true (HTTP/2 over settings.tls) or 'h2c' (cleartext HTTP/2 by prior knowledge)",
);

/** ALPN protocols of the HTTP/2 server over TLS, in the server's order of preference. */
export const HTTP2_ALPN: readonly string[] = ['h2', 'http/1.1'];

/** The combination rule SETTING_RULES cannot express alone: `true` needs tls, 'h2c' refuses it. */
export function checkHttp2Tls(http2: unknown, tls: unknown): void {
  const hasTls = tls !== undefined && tls !== null;
  if (http2 === true && !hasTls)
    throw new KrozenTypeError(
      ErrorCode.INVALID_SETTING,
      'settings.http2 = true needs settings.tls (browsers only speak HTTP/2 over TLS); for cleartext HTTP/2 ' +
        "by prior knowledge (behind a proxy, h2load) use http2: 'h2c'",
    );
  if (http2 === 'h2c' && hasTls)
    throw new KrozenTypeError(
      ErrorCode.INVALID_SETTING,
      "settings.http2 = 'h2c' is cleartext HTTP/2: with settings.tls use http2: true (h2 by ALPN)",
    );
}
